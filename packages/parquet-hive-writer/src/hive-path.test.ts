import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StationIdError } from './errors.js';
import {
  assertStationId,
  hivePath,
  isTempFileName,
  lakeFileName,
  parseLakeFileName,
  parseLakePath,
} from './hive-path.js';
import { windowOf } from './window.js';

const w = windowOf(Date.parse('2025-01-07T10:05:00Z'), 900);

describe('hivePath', () => {
  it('builds station=/year=/month=/day= with the file name of the window end', () => {
    expect(hivePath({ root: 'output', station: '0191b1a2-7c3e-7d4f-8a9b-123456789abc', window: w })).toBe(
      join(
        'output',
        'station=0191b1a2-7c3e-7d4f-8a9b-123456789abc',
        'year=2025',
        'month=01',
        'day=07',
        'data_1015.parquet',
      ),
    );
    expect(hivePath({ root: 'output-health', station: 's1', window: w, prefix: 'health' })).toBe(
      join('output-health', 'station=s1', 'year=2025', 'month=01', 'day=07', 'health_1015.parquet'),
    );
  });

  it('adds the first sequence number for a second batch of the same window', () => {
    expect(lakeFileName(w, 'data', 4711n)).toBe('data_1015_4711.parquet');
    expect(hivePath({ root: '/lake', station: 's1', window: w, suffixSeq: 9n })).toMatch(
      /data_1015_9\.parquet$/,
    );
  });

  it('refuses station ids that could escape the lake or break the partition', () => {
    for (const bad of [
      '',
      '../x',
      '..',
      '.',
      '/',
      'a/b',
      'a\\b',
      '/etc',
      'st=1',
      'st 1',
      '.hidden',
      'ü',
      'x'.repeat(129),
    ]) {
      expect(() => assertStationId(bad), bad).toThrow(StationIdError);
    }
    expect(() => hivePath({ root: 'o', station: '../../etc', window: w })).toThrow(/path separator/);
    for (const good of ['s1', 'station_01', 'Pi-Zero.2', '0191b1a2-7c3e-7d4f-8a9b-123456789abc']) {
      expect(() => assertStationId(good)).not.toThrow();
    }
  });

  it('refuses unknown prefixes and an empty root', () => {
    expect(() => hivePath({ root: 'o', station: 's', window: w, prefix: 'x' as 'data' })).toThrow(
      /"data" or "health"/,
    );
    expect(() => hivePath({ root: '', station: 's', window: w })).toThrow(/root/);
  });
});

describe('file names', () => {
  it('parses plain and suffixed names and nothing else', () => {
    expect(parseLakeFileName('data_0915.parquet')).toEqual({ prefix: 'data', hhmm: '0915' });
    expect(parseLakeFileName('health_0000_12345.parquet')).toEqual({
      prefix: 'health',
      hhmm: '0000',
      suffixSeq: 12345n,
    });
    for (const other of [
      'data_2400.parquet',
      'data_0960.parquet',
      '.data_0915.parquet.1.1.tmp',
      'data_0915.parquet.tmp',
      'x_0915.parquet',
      'data_915.parquet',
    ]) {
      expect(parseLakeFileName(other), other).toBeUndefined();
    }
  });

  it('recognises temp files by the leading dot and .tmp', () => {
    expect(isTempFileName('.data_0915.parquet.123.1.tmp')).toBe(true);
    expect(isTempFileName('data_0915.parquet')).toBe(false);
  });
});

describe('lake paths', () => {
  it('parses every path hivePath writes back to its parts', () => {
    const w = windowOf(Date.UTC(2025, 5, 1, 9, 14), 900);
    for (const suffixSeq of [undefined, 17280n]) {
      const path = hivePath({
        root: 'out',
        station: 'st-1',
        window: w,
        prefix: 'health',
        ...(suffixSeq ? { suffixSeq } : {}),
      });
      expect(parseLakePath(path.split(sep).slice(1).join('/'))).toEqual({
        station: 'st-1',
        year: '2025',
        month: '06',
        day: '01',
        file: { prefix: 'health', hhmm: w.hhmm, ...(suffixSeq ? { suffixSeq } : {}) },
      });
    }
  });

  it.each([
    ['station=abc/year=2025/month=13/day=01/data_0915.parquet', 'month 13'],
    ['station=abc/year=2025/month=6/day=01/data_0915.parquet', 'unpadded month'],
    ['station=abc/year=2025/month=06/day=00/data_0915.parquet', 'day 0'],
    ['station=/year=2025/month=06/day=01/data_0915.parquet', 'empty station'],
    ['station=../year=2025/month=06/day=01/data_0915.parquet', 'dot station'],
    ['station=a b/year=2025/month=06/day=01/data_0915.parquet', 'a station id the writer refuses'],
    ['station=abc/year=2025/month=06/day=01/.data_0915.parquet.1.tmp', 'temp file'],
    ['year=2025/month=06/day=01/data_0915.parquet', 'no station'],
    ['x/station=abc/year=2025/month=06/day=01/data_0915.parquet', 'nested deeper'],
  ])('refuses %s (%s)', (p) => expect(parseLakePath(p)).toBeUndefined());
});
