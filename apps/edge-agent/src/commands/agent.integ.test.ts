import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectJournal } from '@opensensor/buffer';
import { type MotoServer, startMotoServer, writeFakeLake } from '@opensensor/s3-sync/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../program.js';
import { memoryIo } from '../testing-io.js';

const STATION = '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f';
let moto: MotoServer;
beforeAll(async () => {
  moto = await startMotoServer();
  await moto.createBucket('station-lake');
});
afterAll(async () => {
  await moto?.stop();
});

const storageEnv = () => ({
  OPENSENSOR_STATION_ID: STATION,
  OPENSENSOR_STORAGE_PROVIDER: 'minio',
  OPENSENSOR_STORAGE_BUCKET: 'station-lake',
  OPENSENSOR_STORAGE_PREFIX: 'sensors',
  OPENSENSOR_STORAGE_ENDPOINT: moto.endpoint,
  OPENSENSOR_AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
  OPENSENSOR_AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
  OPENSENSOR_HEALTH_ENABLED: 'false',
});

/**
 * Runs `opensensor start --simulate` in `dir` until `records` more records are journaled, however
 * long that takes on a busy machine, then stops it as SIGTERM would; returns its exit code.
 */
async function startUntilJournaled(dir: string, records: number, env: Record<string, string> = {}) {
  const controller = new AbortController();
  const t = memoryIo(
    { OPENSENSOR_STATION_ID: STATION, OPENSENSOR_READ_INTERVAL: '1', OPENSENSOR_LOG_LEVEL: 'warn', ...env },
    dir,
  );
  t.io.deps = { shutdown: () => ({ signal: controller.signal, dispose: () => {} }) };
  const journalDir = join(dir, 'state', 'journal');
  const lastSeq = () =>
    inspectJournal(journalDir).then(
      (j) => j.lastSeq,
      () => 0,
    );
  const target = (await lastSeq()) + records;
  const until = Date.now() + 60_000;
  const poll = setInterval(async () => {
    if ((await lastSeq()) >= target || Date.now() > until) {
      clearInterval(poll);
      controller.abort();
    }
  }, 100);
  const code = await runCli(['start', '--simulate'], t.io);
  clearInterval(poll);
  expect(t.stderr()).not.toMatch(/error/i);
  return code;
}

describe('opensensor start, status and sync', () => {
  it('start --simulate journals readings until stopped, writes the open window, exits 0; status reports it from disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-agent-'));
    expect(await startUntilJournaled(dir, 3)).toBe(0);

    const s = memoryIo({ OPENSENSOR_STATION_ID: STATION }, dir);
    expect(await runCli(['status', '--json'], s.io)).toBe(0);
    const report = JSON.parse(s.stdout());
    expect(report.station).toBe(STATION);
    expect(report.agent.running).toBe(false);
    expect(report.agent.simulate).toBe(true);
    expect(report.journal.lastSeq).toBeGreaterThanOrEqual(2);
    // A clean stop writes the open 15-minute window: `opensensor sync` now has every reading.
    expect(report.journal.backlog.parquet).toBe(0);
    expect(report.lake.files).toBeGreaterThanOrEqual(1);
    expect(report.uploads.pending).toBeNull();

    // OPENSENSOR_FLUSH_ON_STOP=false: the open window waits in the journal for the next start.
    expect(await startUntilJournaled(dir, 3, { OPENSENSOR_FLUSH_ON_STOP: 'false' })).toBe(0);
    const held = memoryIo({ OPENSENSOR_STATION_ID: STATION }, dir);
    expect(await runCli(['status', '--json'], held.io)).toBe(0);
    const heldReport = JSON.parse(held.stdout());
    expect(heldReport.journal.backlog.parquet).toBeGreaterThanOrEqual(2);

    const text = memoryIo({ OPENSENSOR_STATION_ID: STATION }, dir);
    expect(await runCli(['status'], text.io)).toBe(0);
    expect(text.stdout()).toMatch(/Agent\s+not running/);
    expect(text.stdout()).toMatch(/Uploads\s+no bucket configured/);
  });

  it('sync uploads what the ledger lacks, then nothing; status counts pending uploads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-agent-sync-'));
    await writeFakeLake(join(dir, 'output'), { stations: [STATION], filesPerStation: 5 });
    const before = memoryIo(storageEnv(), dir);
    expect(await runCli(['status', '--json'], before.io)).toBe(0);
    expect(JSON.parse(before.stdout()).uploads).toMatchObject({ pending: 5, uploaded: 0 });

    const dry = memoryIo(storageEnv(), dir);
    expect(await runCli(['sync', '--dry-run'], dry.io)).toBe(0);
    expect(dry.stdout()).toMatch(/dry run: 5 file\(s\) to upload/);
    expect(await moto.listKeys('station-lake')).toEqual([]);

    const first = memoryIo(storageEnv(), dir);
    expect(await runCli(['sync', '--json'], first.io)).toBe(0);
    expect(JSON.parse(first.stdout()).data).toMatchObject({ uploaded: 5, failed: 0 });
    const keys = await moto.listKeys('station-lake');
    expect(keys).toHaveLength(5);
    expect(keys.every((k) => k.startsWith(`sensors/station=${STATION}/year=`))).toBe(true);

    const second = memoryIo(storageEnv(), dir);
    expect(await runCli(['sync'], second.io)).toBe(0);
    expect(second.stdout()).toMatch(/uploaded 0 .*skipped 5/);
    const after = memoryIo(storageEnv(), dir);
    await runCli(['status', '--json'], after.io);
    expect(JSON.parse(after.stdout()).uploads).toMatchObject({ pending: 0, uploaded: 5 });
  });

  it('sync exits 2 without a bucket and 1 when the store cannot be reached', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-agent-sync-bad-'));
    const none = memoryIo({ OPENSENSOR_STATION_ID: STATION }, dir);
    expect(await runCli(['sync'], none.io)).toBe(2);
    expect(none.stderr()).toMatch(/no bucket configured: set OPENSENSOR_STORAGE_BUCKET/);

    await writeFakeLake(join(dir, 'output'), { stations: [STATION], filesPerStation: 1 });
    const down = memoryIo({ ...storageEnv(), OPENSENSOR_STORAGE_ENDPOINT: 'http://127.0.0.1:9' }, dir);
    expect(await runCli(['sync'], down.io)).toBe(1);
    expect(down.stdout() + down.stderr()).not.toContain(moto.credentials.secretAccessKey);
  });
});
