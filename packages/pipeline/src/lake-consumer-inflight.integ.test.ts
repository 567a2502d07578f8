import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '@opensensor/buffer';
import type * as writer from '@opensensor/parquet-hive-writer';
import { SENSOR_SCHEMA } from '@opensensor/parquet-hive-writer';
import { type LakeReader, lakeGlob, openLakeReader } from '@opensensor/parquet-hive-writer/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SimulatedClock } from './clock.js';
import { LakeConsumer } from './lake-consumer.js';
import { encodeReading } from './records.js';

/**
 * A backfill drain writes up to four windows at once and names their files in order. These tests make
 * one write fail after its rows were encoded (the consumer has already gone on to the next windows)
 * and check that no later file is named, the failure is counted once, the cursor stays put, and the
 * next drain writes every reading exactly once.
 */
const failing = new Set<string>();
vi.mock('@opensensor/parquet-hive-writer', async (importOriginal) => {
  const real = await importOriginal<typeof writer>();
  return {
    ...real,
    writeWindowFile: async (options: Parameters<typeof real.writeWindowFile>[0]) => {
      if (!failing.has(options.window.hhmm)) return real.writeWindowFile(options);
      options.onEncoded?.();
      await new Promise((r) => setTimeout(r, 20));
      throw new Error(`disk failed while writing ${options.window.hhmm}`);
    },
  };
});

const STATION = '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f';
const T0 = Date.UTC(2026, 10, 26, 10, 0, 0);
let dir: string;
let db: LakeReader;
beforeAll(async () => {
  db = await openLakeReader();
  dir = mkdtempSync(join(tmpdir(), 'os-lake-inflight-'));
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function consumer(journal: Journal, name: string) {
  return new LakeConsumer({
    journal,
    name: 'parquet',
    kind: 'reading',
    schema: SENSOR_SCHEMA,
    root: join(dir, name, 'output'),
    station: STATION,
    batchDurationSec: 900,
    compression: 'snappy',
    clock: new SimulatedClock(T0),
    closeGraceMs: 10_000,
    retryDelayMs: 1000,
  });
}

const values = SENSOR_SCHEMA.columns.map((_, i) => i);
const reading = (timestamp: number) =>
  encodeReading(values, { timestamp, monotonic: 0, bootTag: 1, unsynced: false });
const dayDir = (name: string) =>
  join(dir, name, 'output', `station=${STATION}`, 'year=2026', 'month=11', 'day=26');

describe('LakeConsumer, a deferred drain with writes in flight', () => {
  it('names no file after one that failed, counts the failure once, and the next drain writes every reading once', async () => {
    const journal = await Journal.open({
      dir: join(dir, 'a', 'journal'),
      fsync: 'never',
      consumers: ['parquet'],
    });
    // 10:00 .. 11:59:55 every 5 s: eight 15-minute windows.
    await journal.appendBatch(Array.from({ length: 1440 }, (_, i) => reading(T0 + i * 5000)));
    const lake = consumer(journal, 'a');
    const parquetFiles = () =>
      readdirSync(dayDir('a'))
        .filter((f) => f.endsWith('.parquet'))
        .sort();

    // Files are named after their window's end: 10:15-10:30 is data_1030, the second window.
    failing.add('1030');
    await lake.drain({ final: true, deferDirectorySync: true });
    expect(lake.stats.writeErrors).toBe(1);
    expect(String(lake.lastError)).toContain('disk failed while writing 1030');
    // The window before the failed one is named; none after it, though their writes had started.
    expect(parquetFiles()).toEqual(['data_1015.parquet']);
    expect(readdirSync(dayDir('a')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(journal.cursor('parquet')).toBe(0);

    failing.clear();
    await lake.drain({ final: true, deferDirectorySync: true });
    expect(lake.stats.writeErrors).toBe(1);
    expect(parquetFiles()).toEqual(
      ['1015', '1030', '1045', '1100', '1115', '1130', '1145', '1200'].map((t) => `data_${t}.parquet`),
    );
    expect(journal.cursor('parquet')).toBe(1440);
    const [row] = await db.rows(
      `SELECT count(*) AS n, count(DISTINCT timestamp) AS distinct_ts FROM ${lakeGlob(join(dir, 'a', 'output'))}`,
    );
    expect(row).toEqual({ n: 1440n, distinct_ts: 1440n });
    await journal.close();
  });

  it('one window twice in one drain (the clock went back): both files land, the second suffixed, each reading once', async () => {
    const journal = await Journal.open({
      dir: join(dir, 'b', 'journal'),
      fsync: 'never',
      consumers: ['parquet'],
    });
    // 10:00-10:15, 10:15-10:30, then 10:00-10:15 again (other instants): the second 10:00 window is
    // encoded while the first one's file may not be named yet.
    const again = (i: number) => T0 + i * 5000 + 2500;
    await journal.appendBatch([
      ...Array.from({ length: 360 }, (_, i) => reading(T0 + i * 5000)),
      ...Array.from({ length: 180 }, (_, i) => reading(again(i))),
    ]);
    const lake = consumer(journal, 'b');
    await lake.drain({ final: true, deferDirectorySync: true });
    expect(lake.lastError).toBe(null);
    expect(lake.stats.writeErrors).toBe(0);
    expect(readdirSync(dayDir('b')).sort()).toEqual([
      'data_1015.parquet',
      'data_1015_361.parquet',
      'data_1030.parquet',
    ]);
    expect(journal.cursor('parquet')).toBe(540);
    const [row] = await db.rows(
      `SELECT count(*) AS n, count(DISTINCT timestamp) AS distinct_ts FROM ${lakeGlob(join(dir, 'b', 'output'))}`,
    );
    expect(row).toEqual({ n: 540n, distinct_ts: 540n });
    await journal.close();
  });
});
