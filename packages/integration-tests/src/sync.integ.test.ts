import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MotoServer, startMotoServer, writeFakeLake } from '@opensensor/s3-sync/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFiles } from './lake.js';
import { runCli, type TempDir, tempDir } from './processes.js';

const BUCKET = 'station-lake';
const PREFIX = 'opensensor/sensors';

describe('opensensor-sim backfill with sync to moto_server, then opensensor sync', () => {
  let dir: TempDir;
  let output: string;
  let moto: MotoServer;
  const storageEnv = () => ({
    OPENSENSOR_STATE_DIR: join(dir.path, 'state'),
    OPENSENSOR_OUTPUT_DIR: output,
    OPENSENSOR_STORAGE_PROVIDER: 'minio',
    OPENSENSOR_STORAGE_BUCKET: BUCKET,
    OPENSENSOR_STORAGE_PREFIX: PREFIX,
    OPENSENSOR_STORAGE_ENDPOINT: moto.endpoint,
    OPENSENSOR_AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
    OPENSENSOR_AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
    // The health stream is uploaded only while sync is enabled (OPENSENSOR_HEALTH_SYNC_ENABLED follows it).
    OPENSENSOR_SYNC_ENABLED: 'true',
  });

  beforeAll(async () => {
    dir = tempDir('sync');
    output = join(dir.path, 'output');
    moto = await startMotoServer();
    await moto.createBucket(BUCKET);
  }, 60_000);

  afterAll(async () => {
    await moto?.stop();
    dir?.remove();
  });

  it('uploads every data and health file under its key with identical bytes; a second sync uploads nothing', async () => {
    const backfill = await runCli(
      'sim',
      [
        'backfill',
        '--stations',
        '2',
        '--start',
        '2026-06-30T22:00:00Z',
        '--end',
        '2026-07-01T02:00:00Z',
        '--json',
      ],
      { cwd: dir.path, env: storageEnv(), timeoutMs: 90_000 },
    );
    expect(backfill.code, backfill.stderr).toBe(0);
    const summary = JSON.parse(backfill.stdout) as {
      stationIds: string[];
      files: number;
      sync: { uploaded: number; failed: number };
    };

    const data = listFiles(output);
    const health = listFiles(`${output}-health`);
    // 2 stations x 4 hours x 4 windows, crossing midnight (and a month) in both streams.
    expect(data).toHaveLength(32);
    expect(health).toHaveLength(32);
    expect(data.filter((f) => f.includes('/month=07/day=01/'))).toHaveLength(16);
    expect(summary.sync).toEqual({ uploaded: 64, failed: 0, bytes: expect.any(Number) });

    const keys = await moto.listKeys(BUCKET);
    const expected = [
      ...data.map((f) => ({ key: `${PREFIX}/${f}`, path: join(output, f) })),
      // The health stream goes under `<prefix>-health`, as the reference collector puts it.
      ...health.map((f) => ({ key: `${PREFIX}-health/${f}`, path: join(`${output}-health`, f) })),
    ];
    expect(keys).toEqual(expected.map((e) => e.key).sort());
    for (const e of expected) {
      const body = await moto.getObject(BUCKET, e.key);
      expect(body?.equals(readFileSync(e.path)), e.key).toBe(true);
    }

    // The agent shares the ledger (under OPENSENSOR_STATE_DIR/ledger): nothing left to upload.
    const sync = await runCli('agent', ['sync', '--json'], {
      cwd: dir.path,
      env: { ...storageEnv(), OPENSENSOR_STATION_ID: summary.stationIds[0] as string },
    });
    expect(sync.code, sync.stderr).toBe(0);
    const again = JSON.parse(sync.stdout) as {
      data: { uploaded: number; skipped: number; failed: number; ok: boolean };
      health: { uploaded: number; skipped: number; failed: number; ok: boolean };
    };
    expect(again.data).toMatchObject({ files: 32, uploaded: 0, skipped: 32, failed: 0, ok: true });
    expect(again.health).toMatchObject({ files: 32, uploaded: 0, skipped: 32, failed: 0, ok: true });
    expect(await moto.listKeys(BUCKET)).toEqual(keys);
    // Secrets never reach the output.
    expect(backfill.stdout + backfill.stderr + sync.stdout + sync.stderr).not.toContain(
      moto.credentials.secretAccessKey,
    );
    // Nor does noise: the AWS SDK's Node.js version notice (Node 20), or a plain-http warning for a
    // store on this machine (it used to come twice, once for the health lake).
    for (const r of [backfill, sync]) expect(r.stderr).not.toMatch(/NodeVersionSupportWarning|plain http/);
  }, 120_000);

  // OPENSENSOR_SYNC_ENABLED only controls the periodic sync: a manual sync must not leave the
  // health lake behind when it is off.
  it('opensensor sync uploads the health lake too when the periodic sync is off', async () => {
    const station = '0193a5c1-4e2f-7b3a-8c1d-00000000beef';
    const root = join(dir.path, 'manual');
    await writeFakeLake(join(root, 'output'), { stations: [station], filesPerStation: 2 });
    await writeFakeLake(join(root, 'output-health'), {
      stations: [station],
      filesPerStation: 2,
      stream: 'health',
    });
    const sync = await runCli('agent', ['sync', '--json'], {
      cwd: root,
      env: {
        ...storageEnv(),
        OPENSENSOR_SYNC_ENABLED: 'false',
        OPENSENSOR_STORAGE_PREFIX: 'manual',
        OPENSENSOR_OUTPUT_DIR: join(root, 'output'),
        OPENSENSOR_STATE_DIR: join(root, 'state'),
        OPENSENSOR_STATION_ID: station,
      },
    });
    expect(sync.code, sync.stderr).toBe(0);
    const result = JSON.parse(sync.stdout) as {
      data: { uploaded: number };
      health: { uploaded: number } | null;
    };
    expect(result.data.uploaded).toBe(2);
    expect(result.health?.uploaded).toBe(2);
  }, 60_000);
});
