/**
 * Bronze from a bucket: a synthetic lake uploaded to a real S3-compatible server (moto_server on PATH;
 * the suite fails, it does not skip, when it is missing) by the stations' uploader, mirrored and
 * built, against a build of the same lake on disk.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createS3Target, downloadObject, listObjects, type S3Target, syncLake } from '@opensensor/s3-sync';
import { type MotoServer, startMotoServer } from '@opensensor/s3-sync/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLakehouse } from './build.js';
import { type Engine, openEngine } from './engine.js';
import { type BronzeObjectStore, bronzeCacheDir, mirrorBronze } from './mirror.js';
import { writeSyntheticBronze } from './testing.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 9, 1);
const A = 'station-a';
const B = 'station-b';
/** Held back from the first upload: it arrives late, after the first build. */
const LATE = `station=${A}/year=2026/month=10/day=01/data_1015.parquet`;

let dir: string;
let moto: MotoServer;
let target: S3Target;
let db: Engine;
const downloads: string[] = [];
let store: BronzeObjectStore;

const upload = (root: string, keyPrefix: string, ledger: string) =>
  syncLake({ root, target, keyPrefix, ledger: join(dir, ledger), concurrency: 8 });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'os-lake-s3-'));
  const output = join(dir, 'output');
  await writeSyntheticBronze({ root: output, station: A, from: T0, to: T0 + 30 * HOUR });
  await writeSyntheticBronze({ root: output, station: B, from: T0 + 6 * HOUR, to: T0 + 24 * HOUR });
  moto = await startMotoServer();
  await moto.createBucket('fleet-bronze');
  target = await createS3Target({
    provider: 'minio',
    endpoint: moto.endpoint,
    bucket: 'fleet-bronze',
    prefix: 'opensensor/sensors',
    credentials: moto.credentials,
  });
  store = {
    list: (prefix) => listObjects(target, { prefix }),
    download: async (key, path) => {
      downloads.push(key);
      return downloadObject(target, key, path);
    },
  };
  db = await openEngine({ threads: 2 });
  // The lake as a station uploads it, minus the late file.
  const late = join(dir, 'late', LATE);
  mkdirSync(dirname(late), { recursive: true });
  renameSync(join(output, LATE), late);
  const data = await upload(output, 'opensensor/sensors', 'ledger.jsonl');
  const health = await upload(`${output}-health`, 'opensensor/sensors-health', 'ledger-health.jsonl');
  expect(data.ok && health.ok).toBe(true);
  renameSync(late, join(output, LATE));
}, 180_000);

afterAll(async () => {
  target?.destroy();
  db?.close();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const sources = () => ({
  data: { store, prefix: 'opensensor/sensors' },
  health: { store, prefix: 'opensensor/sensors-health' },
  cacheDir: bronzeCacheDir(join(dir, 'lakehouse-s3')),
});

async function buildFromBucket() {
  downloads.length = 0;
  const mirror = await mirrorBronze(sources());
  const build = await buildLakehouse({
    from: mirror.data,
    health: mirror.health,
    lakehouse: join(dir, 'lakehouse-s3'),
    engine: { threads: 2 },
  });
  return { mirror, build };
}

/**
 * Rows of a table that differ between two lakehouses, matched on their key. Floating-point values are
 * equal within 1e-9 (relative): DuckDB's parallel window sums (the NowCast) are not bit-reproducible
 * from one build to the next, whatever the source of bronze.
 */
async function differences(
  table: string,
  key: string,
  a: string,
  b: string,
): Promise<{ rows: number; differ: number }> {
  const glob = (root: string) =>
    `read_parquet('${join(root, table)}/**/*.parquet', hive_partitioning = true, union_by_name = true)`;
  const columns = (await db.rows(`DESCRIBE SELECT * FROM ${glob(a)}`)).map((r) => ({
    name: String(r.column_name),
    float: /^(DOUBLE|FLOAT)$/.test(String(r.column_type)),
  }));
  const differs = columns
    .filter((c) => c.name !== 'station' && c.name !== key)
    .map(({ name, float }) => {
      const [x, y] = [`a."${name}"`, `b."${name}"`];
      return float
        ? `NOT (${x} IS NOT DISTINCT FROM ${y} OR abs(${x} - ${y}) <= 1e-9 * greatest(1, abs(${x})))`
        : `${x} IS DISTINCT FROM ${y}`;
    });
  const [r] = await db.rows(
    `SELECT (SELECT count(*) FROM ${glob(a)})::INTEGER AS rows,
            count(*)::INTEGER AS differ
     FROM (SELECT *, TRUE AS here FROM ${glob(a)}) a FULL JOIN (SELECT *, TRUE AS here FROM ${glob(b)}) b
       ON a.station = b.station AND a."${key}" = b."${key}"
     WHERE a.here IS NULL OR b.here IS NULL OR ${differs.join(' OR ')}`,
  );
  return { rows: Number(r?.rows), differ: Number(r?.differ) };
}

describe('lake build from an S3 bucket', () => {
  it('builds the same silver as from the lake on disk; a late file costs one download and one station-day; then nothing', async () => {
    const local = join(dir, 'lakehouse-local');
    const s3 = join(dir, 'lakehouse-s3');

    const first = await buildFromBucket();
    expect(first.mirror).toMatchObject({ downloaded: first.mirror.listed, cached: 0, ignored: 0 });
    // A: 30 h = 120 readings files and 120 health files, one held back; B: 18 h = 72 and 72.
    expect(first.mirror.listed).toBe(120 + 120 + 72 + 72 - 1);
    expect(downloads).toHaveLength(first.mirror.listed);
    expect(first.build).toMatchObject({ upToDate: false, stationDays: 3, unreadableFiles: [] });

    // The late file arrives: exactly one object comes down, exactly its station-day is rebuilt.
    const late = await upload(join(dir, 'output'), 'opensensor/sensors', 'ledger.jsonl');
    expect(late.uploaded).toBe(1);
    const cached = statSync(
      join(first.mirror.data, `station=${B}/year=2026/month=10/day=01/data_1200.parquet`),
    );
    const second = await buildFromBucket();
    expect(second.mirror).toMatchObject({
      listed: first.mirror.listed + 1,
      downloaded: 1,
      cached: first.mirror.listed,
    });
    expect(downloads).toEqual([`opensensor/sensors/${LATE}`]);
    expect(second.build).toMatchObject({ upToDate: false, newFiles: 1, changedFiles: 0, stationDays: 1 });
    expect(second.mirror.bytes).toBe(statSync(join(dir, 'output', LATE)).size);
    // Files already cached were not touched.
    expect(
      statSync(join(first.mirror.data, `station=${B}/year=2026/month=10/day=01/data_1200.parquet`)).mtimeMs,
    ).toBe(cached.mtimeMs);

    // Silver (readings and health) and gold equal a build of the whole lake on disk.
    const onDisk = await buildLakehouse({
      from: join(dir, 'output'),
      lakehouse: local,
      engine: { threads: 2 },
    });
    expect(onDisk.stationDays).toBe(3);
    for (const [table, key] of [
      ['silver/readings', 'timestamp'],
      ['silver/health', 'timestamp'],
      ['gold/hourly', 'hour'],
      ['gold/daily', 'day'],
      ['gold/aqi_hourly', 'hour'],
      ['gold/station_health_daily', 'day'],
    ] as const) {
      const d = await differences(table, key, local, s3);
      expect({ table, differ: d.differ }).toEqual({ table, differ: 0 });
      expect(d.rows).toBeGreaterThan(0);
    }

    // Nothing new: nothing downloaded, nothing built.
    const third = await buildFromBucket();
    expect(third.mirror).toMatchObject({ downloaded: 0, bytes: 0, cached: second.mirror.listed });
    expect(downloads).toEqual([]);
    expect(third.build.upToDate).toBe(true);
  }, 180_000);
});
