/**
 * `opensensor lake build|status|query --from s3://…` against moto_server (on PATH; the suite fails,
 * it does not skip, when it is missing), with a lake that `opensensor sync` uploaded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticBronze } from '@opensensor/lake/testing';
import { type MotoServer, startMotoServer } from '@opensensor/s3-sync/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../program.js';
import { memoryIo } from '../testing-io.js';

const STATION = '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f';
const T0 = Date.UTC(2026, 9, 1, 6);
let moto: MotoServer;
let dir: string;

const env = () => ({
  OPENSENSOR_STATION_ID: STATION,
  OPENSENSOR_OUTPUT_DIR: join(dir, 'output'),
  OPENSENSOR_STATE_DIR: join(dir, 'state'),
  OPENSENSOR_STORAGE_PROVIDER: 'minio',
  OPENSENSOR_STORAGE_BUCKET: 'fleet-lake',
  OPENSENSOR_STORAGE_PREFIX: 'opensensor/sensors',
  OPENSENSOR_STORAGE_ENDPOINT: moto.endpoint,
  OPENSENSOR_AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
  OPENSENSOR_AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
  OPENSENSOR_SYNC_RETENTION_DAYS: '0',
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'os-lake-cli-'));
  moto = await startMotoServer();
  await moto.createBucket('fleet-lake');
  // Three hours of one station: 12 readings files and 12 health files, uploaded as a station does.
  await writeSyntheticBronze({
    root: join(dir, 'output'),
    station: STATION,
    from: T0,
    to: T0 + 3 * 3_600_000,
  });
  const sync = memoryIo(env(), dir);
  expect(await runCli(['sync', '--json'], sync.io), sync.stderr()).toBe(0);
  expect(await moto.listKeys('fleet-lake', 'opensensor/sensors-health/')).toHaveLength(12);
}, 120_000);

afterAll(async () => {
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('opensensor lake with bronze in a bucket', () => {
  const from = ['--from', 's3://fleet-lake/opensensor/sensors'];

  it('build mirrors the bucket (and the health lake the uploader uses) and builds; again, it downloads nothing', async () => {
    const lakehouse = join(dir, 'lakehouse');
    const first = memoryIo(env(), dir);
    expect(
      await runCli(['lake', 'build', ...from, '--lakehouse', lakehouse, '--json'], first.io),
      first.stderr(),
    ).toBe(0);
    const summary = JSON.parse(first.stdout());
    expect(summary).toMatchObject({
      upToDate: false,
      stationDays: 1,
      rows: 3 * 720,
      from: 's3://fleet-lake/opensensor/sensors',
      health: 's3://fleet-lake/opensensor/sensors-health',
      lakehouse,
      cache: {
        data: join(lakehouse, '_bronze-cache', 'data'),
        health: join(lakehouse, '_bronze-cache', 'health'),
      },
      mirror: { listed: 24, downloaded: 24, cached: 0, ignored: 0 },
    });
    expect(summary.mirror.bytes).toBeGreaterThan(0);

    // Human output: the mirror's line on stderr, the build's verdict on stdout.
    const second = memoryIo(env(), dir);
    expect(await runCli(['lake', 'build', ...from, '--lakehouse', lakehouse], second.io)).toBe(0);
    expect(second.stderr()).toMatch(
      /listed 24 objects under s3:\/\/fleet-lake\/opensensor\/sensors and s3:\/\/fleet-lake\/opensensor\/sensors-health: 0 new or changed/,
    );
    expect(second.stderr()).toMatch(/mirror: 24 objects listed, 0 downloaded \(0 B\), 24 already cached/);
    expect(second.stdout()).toMatch(/^Up to date: 24 raw files/);

    // Any bucket on the configured store: the health lake is then `<prefix>-health` next to it.
    const { OPENSENSOR_STORAGE_BUCKET: _b, OPENSENSOR_STORAGE_PREFIX: _p, ...storeOnly } = env();
    const third = memoryIo(storeOnly, dir);
    expect(await runCli(['lake', 'build', ...from, '--lakehouse', lakehouse, '--json'], third.io)).toBe(0);
    expect(JSON.parse(third.stdout())).toMatchObject({
      upToDate: true,
      health: 's3://fleet-lake/opensensor/sensors-health',
      mirror: { listed: 24, downloaded: 0, cached: 24 },
    });
    const explicit = memoryIo(storeOnly, dir);
    const healthFrom = ['--health-from', 's3://fleet-lake/opensensor/sensors-health'];
    expect(
      await runCli(
        ['lake', 'build', ...from, ...healthFrom, '--lakehouse', lakehouse, '--json'],
        explicit.io,
      ),
    ).toBe(0);
    expect(JSON.parse(explicit.stdout())).toMatchObject({
      upToDate: true,
      mirror: { downloaded: 0, cached: 24 },
    });

    const status = memoryIo(env(), dir);
    expect(await runCli(['lake', 'status', ...from, '--lakehouse', lakehouse, '--json'], status.io)).toBe(0);
    expect(JSON.parse(status.stdout())).toMatchObject({
      bronze: { files: 24, pending: 0 },
      bucket: { data: 's3://fleet-lake/opensensor/sensors', objects: 24, notCached: 0 },
    });

    const query = memoryIo(env(), dir);
    expect(
      await runCli(
        [
          'lake',
          'query',
          ...from,
          '--lakehouse',
          lakehouse,
          '--format',
          'json',
          'SELECT count(*) AS n FROM bronze',
        ],
        query.io,
      ),
      query.stderr(),
    ).toBe(0);
    expect(JSON.parse(query.stdout())).toEqual([{ n: 3 * 720 }]);
  }, 120_000);

  it('says what is wrong with a bucket URL, a mixed --health-from, and a bucket that does not exist', async () => {
    const run = async (args: string[]) => {
      const t = memoryIo(env(), dir);
      const code = await runCli(['lake', 'build', '--lakehouse', join(dir, 'other'), ...args], t.io);
      return { code, stderr: t.stderr() };
    };
    expect(await run(['--from', 's3://'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/expected s3:\/\/<bucket>\/<prefix>/),
    });
    expect(await run(['--from', './output', '--health-from', 's3://fleet-lake/h'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/goes with a readings lake in a bucket/),
    });
    expect(await run(['--from', 's3://no-such-lake/x'])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/NoSuchBucket/),
    });
  }, 60_000);
});
