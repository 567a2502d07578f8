/**
 * Outages against a real moto_server: the server killed mid-sync and restarted, and the server frozen
 * (like a dead Wi-Fi link) mid-sync and thawed. The ledger must stay consistent and the next sync must
 * upload exactly what is missing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openLedger } from './ledger.js';
import { syncLake } from './sync.js';
import { createS3Target, type S3Target } from './target.js';
import { type MotoServer, startMotoServer, writeFakeLake } from './testing.js';

let moto: MotoServer;
beforeAll(async () => {
  moto = await startMotoServer();
});
afterAll(async () => {
  await moto?.stop();
});

describe('outages', () => {
  let dir: string;
  let root: string;
  let ledger: string;
  let target: S3Target;
  const bucket = 'outage-lake';

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 's3sync-outage-'));
    root = join(dir, 'output');
    ledger = join(dir, 'ledger.jsonl');
    await moto.createBucket(bucket);
    target = await createS3Target({
      provider: 'minio',
      endpoint: moto.endpoint,
      bucket,
      credentials: moto.credentials,
      requestTimeoutMs: 1500,
      connectTimeoutMs: 1000,
    });
  });
  afterEach(async () => {
    target.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  const recorded = async (): Promise<string[]> => {
    const l = await openLedger(ledger, { lock: false });
    const keys = [...l.entries()].map((e) => e.key).sort();
    await l.close();
    return keys;
  };

  it('server killed mid-sync, then restarted: the next sync uploads exactly what the ledger lacks', async () => {
    const files = await writeFakeLake(root, { stations: ['s1', 's2'], filesPerStation: 6 });
    let killing: Promise<void> | undefined;
    const s1 = await syncLake({
      root,
      target,
      ledger,
      concurrency: 2,
      retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 },
      onProgress: (e) => {
        if (e.type === 'file' && e.outcome === 'uploaded' && e.done === 3) killing ??= moto.kill();
      },
    });
    await killing;
    expect(s1.ok).toBe(false);
    expect(s1.uploaded).toBeGreaterThanOrEqual(3);
    expect(s1.uploaded).toBeLessThan(files.length);
    expect(s1.uploaded + s1.failed + s1.pending).toBe(files.length);
    expect(s1.errors.length).toBeGreaterThan(0);
    expect(s1.errors.every((e) => e.retryable && (e.code === 'NETWORK' || e.code === 'TIMEOUT'))).toBe(true);
    const afterOutage = await recorded();
    expect(afterOutage).toHaveLength(s1.uploaded);

    // moto keeps objects in memory, so the restarted server is empty: whatever lands on it was sent by
    // the second sync, which must be exactly the files the ledger did not have.
    await moto.restart();
    await moto.createBucket(bucket);
    const s2 = await syncLake({ root, target, ledger });
    expect(s2).toMatchObject({ ok: true, skipped: s1.uploaded, uploaded: files.length - s1.uploaded });
    const expectedNew = files.map((f) => f.relativePath).filter((k) => !afterOutage.includes(k));
    expect(await moto.listKeys(bucket)).toEqual(expectedNew.sort());
    expect(await recorded()).toEqual(files.map((f) => f.relativePath).sort());
  }, 60_000);

  it('server frozen mid-sync (requests hang), then thawed: nothing lost, nothing duplicated, bytes intact', async () => {
    const files = await writeFakeLake(root, { filesPerStation: 8, size: 4096 });
    let frozen = false;
    const s1 = await syncLake({
      root,
      target,
      ledger,
      concurrency: 2,
      retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 50 },
      onProgress: (e) => {
        if (!frozen && e.type === 'file' && e.done === 2) {
          frozen = true;
          moto.pause();
        }
      },
    });
    moto.resume();
    expect(s1.ok).toBe(false);
    expect(s1.errors.some((e) => e.code === 'TIMEOUT' || e.code === 'NETWORK')).toBe(true);
    expect(await recorded()).toHaveLength(s1.uploaded);

    // Requests that hung may still have landed after the thaw: the conditional PUT settles them.
    const s2 = await syncLake({ root, target, ledger });
    expect(s2.ok).toBe(true);
    expect(s2.uploaded + s2.alreadyPresent).toBe(files.length - s1.uploaded);
    for (const f of files) expect((await moto.getObject(bucket, f.relativePath))?.equals(f.bytes)).toBe(true);
    expect(await recorded()).toEqual(files.map((f) => f.relativePath).sort());
    const s3 = await syncLake({ root, target, ledger });
    expect(s3).toMatchObject({ uploaded: 0, skipped: files.length });
  }, 60_000);
});
