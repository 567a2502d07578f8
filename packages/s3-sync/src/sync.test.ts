import { createHash } from 'node:crypto';
import {
  appendFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Clock, Sleep } from '@opensensor/errors';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedger } from './ledger.js';
import { formatSyncSummary, syncExitCode } from './progress.js';
import { type SyncOptions, type SyncProgressEvent, syncLake } from './sync.js';
import { s3TargetFromClient } from './target.js';
import {
  createFakeS3Client,
  type FakeS3ClientOptions,
  networkError,
  s3ServiceError,
  writeFakeLake,
} from './testing.js';
import { SHA256_METADATA_KEY } from './upload.js';

/** A clock that only moves when the sync sleeps: retries and budgets run in no real time. */
function fakeTime(start = Date.UTC(2025, 5, 2)) {
  let now = start;
  const sleeps: number[] = [];
  const clock: Clock = { now: () => now };
  const sleep: Sleep = async (ms) => {
    sleeps.push(ms);
    now += ms;
  };
  return { clock, sleep, sleeps, advance: (ms: number) => (now += ms) };
}

/** Deterministic jitter source (xorshift). */
function seeded(seed = 7): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) % 1_000_000) / 1_000_000;
  };
}

describe('syncLake against an in-memory store', () => {
  let dir: string;
  let root: string;
  let ledgerPath: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 's3sync-sync-'));
    root = join(dir, 'output');
    ledgerPath = join(dir, 'state', 'upload-ledger.jsonl');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const setup = (
    fake: FakeS3ClientOptions = {},
    checksum: 'when_supported' | 'when_required' = 'when_supported',
  ) => {
    const s3 = createFakeS3Client(fake);
    const target = s3TargetFromClient({ client: s3.client, bucket: 'lake', prefix: 'sensors', checksum });
    const t = fakeTime();
    const base: SyncOptions = {
      root,
      target,
      ledger: ledgerPath,
      clock: t.clock,
      sleep: t.sleep,
      random: seeded(),
    };
    return { s3, target, t, base };
  };

  it('uploads every file once with checksum and metadata, then nothing on the next sync', async () => {
    const files = await writeFakeLake(root, { filesPerStation: 5 });
    const { s3, base } = setup();
    const s1 = await syncLake(base);
    expect(s1).toMatchObject({ files: 5, uploaded: 5, skipped: 0, failed: 0, pending: 0, ok: true });
    expect(s1.bytes).toBe(5 * 2048);
    for (const f of files) {
      const o = s3.objects.get(`sensors/${f.relativePath}`);
      expect(o?.body.equals(f.bytes)).toBe(true);
      expect(o?.metadata[SHA256_METADATA_KEY]).toBe(createHash('sha256').update(f.bytes).digest('hex'));
    }
    const puts = s3.requests.filter((r) => r.op === 'PutObject');
    expect(puts.every((r) => r.ifNoneMatch && r.checksumSha256 && !r.contentMd5)).toBe(true);

    const before = s3.requests.length;
    const s2 = await syncLake(base);
    expect(s2).toMatchObject({ uploaded: 0, skipped: 5, failed: 0, ok: true });
    expect(s3.requests.length).toBe(before);
  });

  it('sends Content-MD5 instead of x-amz-checksum-* in when_required mode', async () => {
    await writeFakeLake(root, { filesPerStation: 2 });
    const { s3, base } = setup({}, 'when_required');
    expect((await syncLake(base)).uploaded).toBe(2);
    const puts = s3.requests.filter((r) => r.op === 'PutObject');
    expect(puts.every((r) => r.contentMd5 && !r.checksumSha256)).toBe(true);
  });

  it('retries transient failures with full-jitter backoff and then succeeds', async () => {
    await writeFakeLake(root, { filesPerStation: 1 });
    let failures = 3;
    const { base, t } = setup({
      beforeRequest: (r) => {
        if (r.op === 'PutObject' && failures-- > 0) throw networkError('ECONNRESET');
      },
    });
    const events: SyncProgressEvent[] = [];
    const s = await syncLake({
      ...base,
      retry: { baseDelayMs: 100, maxDelayMs: 10_000 },
      onProgress: (e) => events.push(e),
    });
    expect(s).toMatchObject({ uploaded: 1, failed: 0 });
    expect(t.sleeps).toHaveLength(3);
    t.sleeps.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThan(100 * 2 ** i);
    });
    const retries = events.filter((e) => e.type === 'retry');
    expect(retries.map((e) => (e.type === 'retry' ? e.error.code : ''))).toEqual([
      'NETWORK',
      'NETWORK',
      'NETWORK',
    ]);
  });

  it('stops trying further files when the store is unreachable (offline), leaving them pending', async () => {
    await writeFakeLake(root, { filesPerStation: 5 });
    const { s3, base } = setup({
      beforeRequest: () => {
        throw networkError('ENETUNREACH');
      },
    });
    const s = await syncLake({ ...base, concurrency: 1, retry: { maxAttempts: 3 } });
    expect(s).toMatchObject({ uploaded: 0, failed: 1, pending: 4 });
    expect(s3.requests).toHaveLength(3);
    expect(s.errors.at(-1)?.message).toMatch(/4 file\(s\) not tried: the store is unreachable/);
  });

  it('gives up after maxAttempts, keeps the ledger without the file, and the next sync uploads exactly what is missing', async () => {
    await writeFakeLake(root, { filesPerStation: 3 });
    let down = true;
    const { s3, base } = setup({
      beforeRequest: (r) => {
        if (down && r.key?.endsWith('data_0015.parquet')) throw networkError('ETIMEDOUT');
      },
    });
    const s1 = await syncLake({ ...base, concurrency: 1, retry: { maxAttempts: 2 } });
    expect(s1).toMatchObject({ uploaded: 0, failed: 1, pending: 2, ok: false });
    expect(s1.errors[0]).toMatchObject({
      code: 'TIMEOUT',
      retryable: true,
      key: expect.stringMatching(/data_0015/),
    });
    expect(await openLedger(ledgerPath, { lock: false }).then((l) => l.size)).toBe(0);
    down = false;
    s3.requests.length = 0;
    const s2 = await syncLake({ ...base, concurrency: 1 });
    expect(s2).toMatchObject({ uploaded: 3, skipped: 0, ok: true });
    s3.requests.length = 0;
    // A file added later (the writer's next window); rewriting the first three with the same bytes is harmless.
    await writeFakeLake(root, { filesPerStation: 4 });
    const s3rd = await syncLake(base);
    expect(s3rd).toMatchObject({ uploaded: 1, skipped: 3, ok: true });
    expect(s3.requests.map((r) => r.key?.slice(-17))).toEqual(['data_0100.parquet']);
  });

  it('stops early on an error every file would hit (no such bucket) and leaves the rest pending', async () => {
    await writeFakeLake(root, { filesPerStation: 6 });
    const { s3, base } = setup({
      beforeRequest: () => {
        throw s3ServiceError('NoSuchBucket', 404, 'The specified bucket does not exist');
      },
    });
    const s = await syncLake({ ...base, concurrency: 1 });
    expect(s).toMatchObject({ uploaded: 0, failed: 1, pending: 5, ok: false });
    expect(s.errors[0]?.message).toMatch(/NoSuchBucket.*create the bucket/);
    expect(s3.requests).toHaveLength(1);
  });

  it('respects the time budget: no new uploads and no retries past it', async () => {
    await writeFakeLake(root, { filesPerStation: 8 });
    const { base } = setup({
      beforeRequest: () => {
        throw networkError('ECONNREFUSED');
      },
    });
    const s = await syncLake({
      ...base,
      concurrency: 1,
      timeBudgetMs: 5_000,
      retry: { maxAttempts: 10, baseDelayMs: 1_000, maxDelayMs: 1_000 },
      random: () => 0.9,
    });
    // Retries of the first file fill the budget; the others are left for the next sync.
    expect(s).toMatchObject({ uploaded: 0, failed: 1, pending: 7, ok: false });
    expect(s.errors.map((e) => e.code)).toEqual(['TIME_BUDGET', 'TIME_BUDGET']);
    expect(s.errors[0]?.message).toMatch(/ECONNREFUSED.*no time left/);
    expect(s.durationMs).toBeLessThanOrEqual(5_000);
  });

  it('never runs more uploads at once than the concurrency allows', async () => {
    await writeFakeLake(root, { filesPerStation: 9 });
    let inFlight = 0;
    let peak = 0;
    // Hold PUTs until three are waiting at once, so the peak is reached whatever the file I/O timing.
    let open: () => void = () => undefined;
    const gate = new Promise<void>((res) => {
      open = res;
      setTimeout(res, 2000).unref();
    });
    const { base } = setup({
      beforeRequest: async (r) => {
        if (r.op !== 'PutObject') return;
        inFlight++;
        peak = Math.max(peak, inFlight);
        if (inFlight >= 3) open();
        await gate;
        inFlight--;
      },
    });
    expect((await syncLake({ ...base, concurrency: 3 })).uploaded).toBe(9);
    expect(peak).toBe(3);
  });

  it('records an identical object already in the store (a lost ledger line) without re-uploading', async () => {
    const [f] = await writeFakeLake(root, { filesPerStation: 1 });
    const { s3, base } = setup();
    s3.objects.set(`sensors/${f?.relativePath}`, {
      body: f?.bytes as Buffer,
      metadata: {},
      etag: `"${createHash('md5')
        .update(f?.bytes as Buffer)
        .digest('hex')}"`,
    });
    const s = await syncLake(base);
    expect(s).toMatchObject({ uploaded: 0, alreadyPresent: 1, ok: true, bytes: 0 });
    const l = await openLedger(ledgerPath, { lock: false });
    expect([...l.entries()][0]).toMatchObject({ method: 'existing', verified: true });
    await l.close();
  });

  it('reports a different remote object as a conflict and never overwrites it', async () => {
    const [f] = await writeFakeLake(root, { filesPerStation: 1 });
    const { s3, base } = setup();
    const key = `sensors/${f?.relativePath}`;
    s3.objects.set(key, { body: Buffer.from('someone else'), metadata: {}, etag: '"x"' });
    const s = await syncLake(base);
    expect(s).toMatchObject({ uploaded: 0, conflicts: 1, ok: false });
    expect(s.errors[0]).toMatchObject({ code: 'CONFLICT', retryable: false, key });
    expect(s.errors[0]?.message).toMatch(/not overwritten/);
    expect(s3.objects.get(key)?.body.toString()).toBe('someone else');
    // Reported again next time, still not clobbered, and never recorded as uploaded.
    expect((await syncLake(base)).conflicts).toBe(1);
    const l = await openLedger(ledgerPath, { lock: false });
    expect(l.size).toBe(0);
    await l.close();
  });

  it('falls back to HEAD before PUT when the store does not implement If-None-Match', async () => {
    const files = await writeFakeLake(root, { filesPerStation: 3 });
    const { s3, base } = setup({ conditionalWrites: 'not-implemented' });
    const other = `sensors/${files[2]?.relativePath}`;
    s3.objects.set(other, { body: Buffer.from('different'), metadata: {}, etag: '"y"' });
    const events: SyncProgressEvent[] = [];
    const s = await syncLake({ ...base, concurrency: 1, onProgress: (e) => events.push(e) });
    expect(s).toMatchObject({ uploaded: 2, conflicts: 1, conditionalWrites: 'head-before-put' });
    expect(events.filter((e) => e.type === 'fallback')).toHaveLength(1);
    expect(s3.objects.get(other)?.body.toString()).toBe('different');
    expect(s3.requests.filter((r) => r.op === 'HeadObject').length).toBeGreaterThanOrEqual(2);
  });

  it('refuses to treat a local file rewritten after upload as uploaded, but accepts a mere touch', async () => {
    const [a, b] = await writeFakeLake(root, { filesPerStation: 2 });
    const { s3, base } = setup();
    await syncLake(base);
    const later = new Date(Date.UTC(2025, 5, 3));
    await utimes(a?.path as string, later, later);
    await writeFile(b?.path as string, 'rewritten');
    const s = await syncLake(base);
    expect(s).toMatchObject({ skipped: 1, conflicts: 1, uploaded: 0 });
    expect(s.errors[0]).toMatchObject({ code: 'LOCAL_FILE_CHANGED', retryable: false });
    expect(s3.objects.get(`sensors/${b?.relativePath}`)?.body.equals(b?.bytes as Buffer)).toBe(true);
  });

  it('plans without touching the store or the ledger in a dry run', async () => {
    await writeFakeLake(root, { filesPerStation: 3 });
    const { s3, base } = setup();
    const s = await syncLake({ ...base, dryRun: true });
    expect(s).toMatchObject({ dryRun: true, uploaded: 0, pending: 3 });
    expect(s.planned.map((p) => p.key)).toEqual([
      expect.stringMatching(/^sensors\/station=.*data_0015\.parquet$/),
      expect.stringMatching(/data_0030/),
      expect.stringMatching(/data_0045/),
    ]);
    expect(s3.requests).toHaveLength(0);
    await expect(stat(ledgerPath)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('stops when the caller aborts and leaves the rest for the next sync', async () => {
    await writeFakeLake(root, { filesPerStation: 4 });
    const ac = new AbortController();
    const { base } = setup();
    const s = await syncLake({
      ...base,
      concurrency: 1,
      signal: ac.signal,
      onProgress: (e) => {
        if (e.type === 'file' && e.done === 1) ac.abort();
      },
    });
    expect(s).toMatchObject({ uploaded: 1, pending: 3, ok: false });
    expect(s.errors.at(-1)).toMatchObject({ code: 'ABORTED', retryable: true });
    expect((await syncLake(base)).uploaded).toBe(3);
  });

  it('uploads large files through multipart and verifies them with a HEAD in when_required mode', async () => {
    const [f] = await writeFakeLake(root, { filesPerStation: 1, size: 11 * 1024 * 1024 + 3 });
    const { s3, base } = setup({}, 'when_required');
    const s = await syncLake({
      ...base,
      multipart: { thresholdBytes: 6 * 1024 * 1024, partSizeBytes: 5 * 1024 * 1024 },
    });
    expect(s).toMatchObject({ uploaded: 1, ok: true });
    const ops = s3.requests.map((r) => r.op);
    expect(ops.filter((o) => o === 'UploadPart')).toHaveLength(3);
    expect(s3.requests.find((r) => r.op === 'CompleteMultipartUpload')?.ifNoneMatch).toBe(true);
    expect(ops.at(-1)).toBe('HeadObject');
    expect(s3.objects.get(`sensors/${f?.relativePath}`)?.body.equals(f?.bytes as Buffer)).toBe(true);
    const l = await openLedger(ledgerPath, { lock: false });
    expect([...l.entries()][0]).toMatchObject({ method: 'multipart', verified: true });
    await l.close();
  });

  it('validates its options', async () => {
    const { base } = setup();
    await expect(syncLake({ ...base, concurrency: 0 })).rejects.toThrow(/concurrency/);
    await expect(syncLake({ ...base, timeBudgetMs: -1 })).rejects.toThrow(/timeBudgetMs/);
    await expect(syncLake({ ...base, multipart: { partSizeBytes: 1024 } })).rejects.toThrow(/5 MiB/);
    await expect(syncLake({ ...base, root: '' })).rejects.toThrow(/root: is required/);
    expect(await readFile(ledgerPath, 'utf8').catch(() => 'none')).toBe('none');
  });

  it('never uploads a zero-byte, a truncated or a garbled file: moves each next to the lake, says why, counts it', async () => {
    const files = await writeFakeLake(root, { filesPerStation: 5 });
    const [empty, cut, garbled] = files as [(typeof files)[0], (typeof files)[0], (typeof files)[0]];
    await writeFile(empty.path, '');
    await truncate(cut.path, 1500);
    await writeFile(garbled.path, Buffer.from('PAR1 these are not Parquet pages PAR1'));
    // A file of the same name quarantined by an earlier sync keeps its place.
    const quarantine = `${root}-quarantine`;
    await mkdir(dirname(join(quarantine, empty.relativePath)), { recursive: true });
    await writeFile(join(quarantine, empty.relativePath), 'quarantined last week');
    const { s3, base } = setup();
    const events: SyncProgressEvent[] = [];
    const s = await syncLake({ ...base, onProgress: (e) => events.push(e) });

    expect(s).toMatchObject({ files: 5, uploaded: 2, quarantined: 3, failed: 0, pending: 0, ok: false });
    expect([...s3.objects.keys()].sort()).toEqual(files.slice(3).map((f) => `sensors/${f.relativePath}`));
    expect(s.quarantine).toEqual([
      expect.objectContaining({
        relativePath: empty.relativePath,
        reason: 'empty file (0 bytes)',
        movedTo: join(quarantine, empty.relativePath.replace(/\.parquet$/, '.2.parquet')),
      }),
      expect.objectContaining({
        relativePath: cut.relativePath,
        reason: expect.stringMatching(/does not end with the Parquet magic/),
        movedTo: join(quarantine, cut.relativePath),
      }),
      expect.objectContaining({
        relativePath: garbled.relativePath,
        reason: expect.stringMatching(/footer length \d+ does not fit/),
        movedTo: join(quarantine, garbled.relativePath),
      }),
    ]);
    expect(await readFile(join(quarantine, empty.relativePath), 'utf8')).toBe('quarantined last week');
    expect((await readFile(join(quarantine, cut.relativePath))).length).toBe(1500);
    for (const f of [empty, cut, garbled])
      await expect(stat(f.path)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(s.errors.map((e) => e.code)).toEqual(['INVALID_PARQUET', 'INVALID_PARQUET', 'INVALID_PARQUET']);
    expect(events.filter((e) => e.type === 'quarantine')).toHaveLength(3);
    const text = formatSyncSummary(s);
    expect(text).toMatch(/quarantined 3/);
    expect(text).toContain(
      `needs action: ${cut.path}: not a valid Parquet file (does not end with the Parquet magic`,
    );
    expect(syncExitCode(s)).toBe(1);
    // Never recorded as uploaded; the lake is clean for the next sync.
    const l = await openLedger(ledgerPath, { lock: false });
    expect(l.size).toBe(2);
    await l.close();
    expect(await syncLake(base)).toMatchObject({ files: 2, skipped: 2, quarantined: 0, ok: true });
  });

  it('checks health files too, and lists broken files in a dry run without moving them', async () => {
    const healthRoot = join(dir, 'output-health');
    const [h] = await writeFakeLake(healthRoot, { filesPerStation: 2, stream: 'health' });
    await writeFile(h?.path as string, '');
    const { s3, base } = setup();
    const dry = await syncLake({ ...base, root: healthRoot, dryRun: true });
    expect(dry).toMatchObject({ pending: 1, quarantined: 1, dryRun: true });
    expect(dry.planned).toHaveLength(1);
    expect(dry.quarantine[0]).toMatchObject({ relativePath: h?.relativePath, movedTo: null });
    expect(syncExitCode(dry)).toBe(1);
    await expect(stat(h?.path as string)).resolves.toBeDefined();
    const real = await syncLake({ ...base, root: healthRoot });
    expect(real).toMatchObject({ uploaded: 1, quarantined: 1 });
    expect(real.quarantine[0]?.movedTo).toBe(join(`${healthRoot}-quarantine`, h?.relativePath as string));
    expect(s3.objects.size).toBe(1);
  });

  it('refuses a quarantine folder inside the lake, and uploads anything when the check is off', async () => {
    const [f] = await writeFakeLake(root, { filesPerStation: 1 });
    await writeFile(f?.path as string, 'not parquet');
    const { s3, base } = setup();
    await expect(syncLake({ ...base, quarantineDir: join(root, 'bad') })).rejects.toThrow(
      /quarantineDir: .* is inside the lake/,
    );
    expect(await syncLake({ ...base, checkParquet: false })).toMatchObject({ uploaded: 1, quarantined: 0 });
    expect(s3.objects.size).toBe(1);
  });

  it('reports what it repaired in a damaged ledger, once, and re-checks the files it had listed', async () => {
    await writeFakeLake(root, { filesPerStation: 3 });
    const { base } = setup();
    await syncLake(base);
    // A bit flip in the second line, and a line torn by a crash at the end.
    const lines = (await readFile(ledgerPath, 'utf8')).split('\n');
    lines[1] = (lines[1] as string).replace('"op":"put"', '"op":"p\u0000t"').replace('{', '{\u0007');
    await writeFile(ledgerPath, lines.join('\n'));
    await appendFile(ledgerPath, '{"v":1,"op":"put","target":"x","ke');

    const s = await syncLake(base);
    expect(s).toMatchObject({ skipped: 2, alreadyPresent: 1, uploaded: 0, ok: true });
    expect(s.ledgerRepair).toEqual({
      skippedLines: 1,
      truncatedBytes: 34,
      damagedLinesFile: `${ledgerPath}.damaged`,
    });
    expect(formatSyncSummary(s)).toMatch(
      /upload ledger repaired: dropped 1 damaged line\(s\) \(kept in .*\.damaged\); their files are checked against the store again; cut a torn last line of 34 bytes/,
    );
    expect(await readFile(`${ledgerPath}.damaged`, 'utf8')).toContain('\u0007');
    // Repaired on disk: the next sync has nothing to report.
    const again = await syncLake(base);
    expect(again).toMatchObject({ skipped: 3, ledgerRepair: { skippedLines: 0, truncatedBytes: 0 } });
    expect(formatSyncSummary(again)).not.toMatch(/repaired/);
    expect(await readdir(dirname(ledgerPath))).not.toContain(expect.stringMatching(/\.tmp$/));
  });
});
