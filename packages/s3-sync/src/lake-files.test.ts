import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S3SyncOptionsError } from './errors.js';
import {
  defaultHealthPrefix,
  isEligibleLakePath,
  lakeObjectKey,
  listLakeFiles,
  normalizeKeyPrefix,
} from './lake-files.js';

const P = 'station=abc/year=2025/month=06/day=01';

describe('isEligibleLakePath', () => {
  it.each([
    `${P}/data_0915.parquet`,
    `${P}/health_0000.parquet`,
    `${P}/data_0915_17280.parquet`,
    'station=0190a8e2-7c4b-7000-8000-000000000001/year=2024/month=12/day=31/data_2345.parquet',
  ])('accepts %s', (p) => expect(isEligibleLakePath(p)).toBe(true));

  it.each([
    [`${P}/.data_0915.parquet.123.tmp`, 'writer temp file'],
    [`${P}/data_0915.parquet.tmp`, 'temp suffix'],
    [`${P}/data_915.parquet`, 'three-digit time'],
    [`${P}/data_2460.parquet`, 'minute 60'],
    [`${P}/data_2400.parquet`, 'hour 24'],
    [`${P}/other_0915.parquet`, 'unknown stream'],
    [`${P}/data_0915.csv`, 'other extension'],
    [`${P}/data_0915_.parquet`, 'empty sequence suffix'],
    ['station=abc/year=2025/month=13/day=01/data_0915.parquet', 'month 13'],
    ['station=abc/year=2025/month=6/day=01/data_0915.parquet', 'unpadded month'],
    ['station=abc/year=2025/month=06/day=00/data_0915.parquet', 'day 0'],
    ['station=/year=2025/month=06/day=01/data_0915.parquet', 'empty station'],
    ['station=../year=2025/month=06/day=01/data_0915.parquet', 'dot station'],
    ['year=2025/month=06/day=01/data_0915.parquet', 'no station'],
    [`x/${P}/data_0915.parquet`, 'nested deeper'],
  ])('refuses %s (%s)', (p) => expect(isEligibleLakePath(p)).toBe(false));
});

describe('keys and prefixes', () => {
  it('joins prefix and path without leading slash or empty segment', () => {
    expect(lakeObjectKey('', `${P}/data_0915.parquet`)).toBe(`${P}/data_0915.parquet`);
    expect(lakeObjectKey('/', `${P}/data_0915.parquet`)).toBe(`${P}/data_0915.parquet`);
    expect(lakeObjectKey('/lake//v1/', `${P}/data_0915.parquet`)).toBe(`lake/v1/${P}/data_0915.parquet`);
    expect(lakeObjectKey('sensors', `${P}/data_0915.parquet`)).toBe(`sensors/${P}/data_0915.parquet`);
  });

  it('refuses dot segments and control characters in a prefix', () => {
    expect(() => normalizeKeyPrefix('a/../b')).toThrow(S3SyncOptionsError);
    expect(() => normalizeKeyPrefix('./a')).toThrow(/"\." segment/);
    expect(() => normalizeKeyPrefix('a\nb')).toThrow(/control character/);
  });

  it('derives the health prefix like the reference collector', () => {
    expect(defaultHealthPrefix('sensors')).toBe('sensors-health');
    expect(defaultHealthPrefix('/lake/v1/')).toBe('lake/v1-health');
    expect(defaultHealthPrefix('')).toBe('health');
  });
});

describe('listLakeFiles', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 's3sync-lake-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('lists only finished files inside the Hive pattern, sorted, with size and partition', async () => {
    const day = join(root, 'station=s1', 'year=2025', 'month=06', 'day=01');
    await mkdir(day, { recursive: true });
    await writeFile(join(day, 'data_0930.parquet'), 'bb');
    await writeFile(join(day, 'data_0915.parquet'), 'a');
    await writeFile(join(day, 'data_0915_42.parquet'), 'ccc');
    await writeFile(join(day, '.data_0945.parquet.9.tmp'), 'temp');
    await writeFile(join(day, 'notes.txt'), 'x');
    await mkdir(join(day, 'data_1000.parquet'), { recursive: true }); // a directory, not a file
    await symlink(join(day, 'data_0915.parquet'), join(day, 'data_1015.parquet'));
    await mkdir(join(root, 'station=s1', 'year=25'), { recursive: true });
    await writeFile(join(root, 'station=s1', 'year=25', 'data_0915.parquet'), 'x');
    await writeFile(join(root, 'data_0915.parquet'), 'x');
    await mkdir(join(root, 'junk', 'year=2025'), { recursive: true });

    const files = await listLakeFiles(root);
    expect(files.map((f) => f.relativePath)).toEqual([
      'station=s1/year=2025/month=06/day=01/data_0915.parquet',
      'station=s1/year=2025/month=06/day=01/data_0915_42.parquet',
      'station=s1/year=2025/month=06/day=01/data_0930.parquet',
    ]);
    const [first] = files;
    expect(first).toMatchObject({
      stationId: 's1',
      stream: 'data',
      year: 2025,
      month: 6,
      day: 1,
      hhmm: '0915',
      size: 1,
    });
    expect(first?.path).toBe(join(day, 'data_0915.parquet'));
  });

  it('returns nothing for a missing root', async () => {
    expect(await listLakeFiles(join(root, 'nope'))).toEqual([]);
  });
});
