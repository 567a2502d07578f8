import { mkdtemp, readdir, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedger } from './ledger.js';
import { applyRetention } from './retention.js';
import { syncLake } from './sync.js';
import { s3TargetFromClient } from './target.js';
import { createFakeS3Client, writeFakeLake } from './testing.js';

describe('applyRetention', () => {
  let dir: string;
  let root: string;
  let ledger: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 's3sync-ret-'));
    root = join(dir, 'out');
    ledger = join(dir, 'ledger.jsonl');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const station = '0190a8e2-7c4b-7000-8000-000000000001';

  async function lakeOf3Days() {
    const target = s3TargetFromClient({ client: createFakeS3Client().client, bucket: 'bkt', prefix: 'x' });
    // 96 files a day would prove nothing more than 4.
    const d1 = await writeFakeLake(root, { start: Date.UTC(2025, 5, 1), filesPerStation: 4, size: 1000 });
    const d2 = await writeFakeLake(root, {
      start: Date.UTC(2025, 5, 2),
      filesPerStation: 4,
      size: 1000,
      seed: 2,
    });
    await syncLake({ root, target, ledger });
    const d3 = await writeFakeLake(root, {
      start: Date.UTC(2025, 5, 3),
      filesPerStation: 4,
      size: 1000,
      seed: 3,
    });
    return { target, d1, d2, d3 };
  }

  it('keepDays deletes only verified files of days that ended long enough ago, and prunes their folders', async () => {
    const { target, d1, d2 } = await lakeOf3Days();
    const clock = { now: () => Date.UTC(2025, 5, 3, 12) };
    const r = await applyRetention({ root, ledger, target, keepDays: 1, clock });
    expect(r.deleted.map((d) => d.path)).toEqual(d1.map((f) => f.path));
    expect(r).toMatchObject({ deletedBytes: 4000, keptUnverified: 0, remainingBytes: 8000, dryRun: false });
    expect(await readdir(join(root, `station=${station}`, 'year=2025', 'month=06'))).toEqual([
      'day=02',
      'day=03',
    ]);
    for (const f of d2) await expect(stat(f.path)).resolves.toBeDefined();
    // Forgotten by the ledger: the object stays in the store; a regenerated file would be settled by a conditional PUT.
    const l = await openLedger(ledger, { lock: false });
    expect(l.size).toBe(4);
    await l.close();

    // Day 3 was never uploaded, so even keepDays 0 leaves it.
    const r2 = await applyRetention({
      root,
      ledger,
      target,
      keepDays: 0,
      clock: { now: () => Date.UTC(2025, 5, 9) },
    });
    expect(r2.deleted).toHaveLength(4);
    expect(r2.keptUnverified).toBe(4);
  });

  it('maxBytes deletes verified files oldest first until under budget, and says when it cannot', async () => {
    const { target, d1 } = await lakeOf3Days();
    const r = await applyRetention({ root, ledger, target, maxBytes: 9500, dryRun: true });
    expect(r.deleted.map((d) => d.path)).toEqual(d1.slice(0, 3).map((f) => f.path));
    expect(r.dryRun).toBe(true);
    await expect(stat(d1[0]?.path as string)).resolves.toBeDefined();

    const tight = await applyRetention({ root, ledger, target, maxBytes: 1000 });
    expect(tight.deleted).toHaveLength(8);
    expect(tight).toMatchObject({ remainingBytes: 4000, overBudgetBytes: 3000 });
  });

  it('never deletes a file that changed after its upload', async () => {
    const { target, d1 } = await lakeOf3Days();
    const t = new Date(Date.UTC(2025, 5, 5));
    await utimes(d1[0]?.path as string, t, t);
    const r = await applyRetention({
      root,
      ledger,
      target,
      keepDays: 0,
      clock: { now: () => Date.UTC(2025, 5, 9) },
    });
    expect(r.deleted.map((d) => d.path)).not.toContain(d1[0]?.path);
    await expect(stat(d1[0]?.path as string)).resolves.toBeDefined();
  });

  it('refuses to run without a limit', async () => {
    const target = s3TargetFromClient({ client: createFakeS3Client().client, bucket: 'bkt' });
    await expect(applyRetention({ root, ledger, target })).rejects.toThrow(/keepDays, maxBytes or both/);
    await expect(applyRetention({ root, ledger, target, keepDays: -1 })).rejects.toThrow(/>= 0/);
  });
});
