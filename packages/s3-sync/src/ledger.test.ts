import { spawn } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerError } from './errors.js';
import { type LedgerEntry, openLedger } from './ledger.js';

const entry = (key: string, over: Partial<LedgerEntry> = {}): LedgerEntry => ({
  target: 's3://bucket-a',
  key,
  path: key,
  size: 10,
  mtimeMs: 1000,
  sha256: 'ab'.repeat(32),
  etag: '"e"',
  uploadedAt: '2025-06-01T00:00:00.000Z',
  verified: true,
  method: 'put',
  ...over,
});

describe('Ledger', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 's3sync-ledger-'));
    path = join(dir, 'state', 'ledger.jsonl');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('records durably and reloads the latest entry per target and key', async () => {
    const l = await openLedger(path);
    await Promise.all([
      l.record(entry('a')),
      l.record(entry('b')),
      l.record(entry('c', { target: 's3://other' })),
    ]);
    await l.record(entry('a', { size: 11 }));
    await l.close();
    const text = await readFile(path, 'utf8');
    expect(text.trim().split('\n')).toHaveLength(4);
    const again = await openLedger(path);
    expect(again.size).toBe(3);
    expect(again.get('s3://bucket-a', 'a')?.size).toBe(11);
    expect(again.get('s3://bucket-a', 'c')).toBeUndefined();
    expect(again.get('s3://other', 'c')?.key).toBe('c');
    await again.close();
  });

  it('gives back every field as recorded, whatever the key prefix, and keeps targets and forgets apart', async () => {
    const l = await openLedger(path);
    const prefixed = entry('lake/v1/station=s/day=01/data_0015.parquet', {
      path: 'station=s/day=01/data_0015.parquet',
    });
    const samePath = entry('station=s/day=01/data_0030.parquet');
    const otherPath = entry('k', { path: 'somewhere/else' });
    for (const e of [prefixed, samePath, otherPath]) await l.record(e);
    await l.record({ ...prefixed, target: 's3://other' });
    await l.forget('s3://other', samePath.key); // not recorded for that target: nothing to forget
    await l.forget('s3://other', prefixed.key);
    expect(l.size).toBe(3);
    await l.close();
    const again = await openLedger(path);
    expect(again.size).toBe(3);
    for (const e of [prefixed, samePath, otherPath]) expect(again.get(e.target, e.key)).toEqual(e);
    expect(again.get('s3://other', prefixed.key)).toBeUndefined();
    expect([...again.entries()]).toHaveLength(3);
    await again.close();
  });

  it('cuts off a torn last line left by a crash and keeps appending cleanly', async () => {
    const l = await openLedger(path);
    await l.record(entry('a'));
    await l.close();
    await appendFile(path, '{"v":1,"op":"put","target":"s3://bucket-a","key":"b","pa');
    const l2 = await openLedger(path);
    expect(l2.report.truncatedBytes).toBeGreaterThan(0);
    expect(l2.get('s3://bucket-a', 'b')).toBeUndefined();
    await l2.record(entry('c'));
    await l2.close();
    const l3 = await openLedger(path);
    expect([...l3.entries()].map((e) => e.key).sort()).toEqual(['a', 'c']);
    expect(l3.report.skippedLines).toBe(0);
    await l3.close();
  });

  it('skips a damaged line in the middle instead of refusing the whole ledger', async () => {
    const good = (k: string) => JSON.stringify({ v: 1, op: 'put', ...entry(k) });
    await writeFile(path.replace('state/', ''), '');
    await rm(path.replace('state/', ''));
    const l = await openLedger(path);
    await l.close();
    await writeFile(path, `${good('a')}\n{"v":1,"op":"put","tar\u0000get"}\nnot json\n${good('b')}\n`);
    const l2 = await openLedger(path);
    expect(l2.report.skippedLines).toBe(2);
    expect(l2.size).toBe(2);
    await l2.close();
  });

  it('reads a ledger of many chunks: lines and characters across chunk boundaries, a damaged line, a torn tail', async () => {
    // Keys with two- and three-byte characters, about 300 bytes a line: the 64 KiB reads split lines
    // and characters at many places.
    const entries = Array.from({ length: 1500 }, (_, i) =>
      entry(`station=s/temp °C/é ${i}/${'x'.repeat(i % 97)}.parquet`, { size: i }),
    );
    const lines = entries.map((e) => JSON.stringify({ v: 1, op: 'put', ...e }));
    lines.splice(700, 0, '{"v":1,"op":"put","key":"damaged'); // no target, cut short
    const torn = '{"v":1,"op":"put","target":"s3://bucket-a","key":"torn °';
    const text = `${lines.join('\n')}\n${torn}`;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
    expect(Buffer.byteLength(text)).toBeGreaterThan(6 * 64 * 1024);

    const ro = await openLedger(path, { lock: false });
    expect(ro.report).toMatchObject({
      lines: 1501,
      entries: 1500,
      skippedLines: 1,
      truncatedBytes: Buffer.byteLength(torn),
    });
    for (const e of entries) expect(ro.get(e.target, e.key)).toEqual(e);
    await ro.close();

    // Opened to write: the torn tail is cut off, the damaged line kept aside, the rest unchanged.
    const l = await openLedger(path);
    expect(l.report.damagedLinesFile).toBe(`${path}.damaged`);
    await l.close();
    expect(await readFile(`${path}.damaged`, 'utf8')).toBe('{"v":1,"op":"put","key":"damaged\n');
    const again = await openLedger(path);
    expect(again.report).toMatchObject({ entries: 1500, skippedLines: 0, truncatedBytes: 0 });
    for (const e of entries) expect(again.get(e.target, e.key)).toEqual(e);
    await again.close();
  });

  it('forgets entries and compacts superseded lines', async () => {
    const l = await openLedger(path);
    for (let i = 0; i < 300; i++) await l.record(entry('same', { size: i }));
    await l.record(entry('gone'));
    await l.forget('s3://bucket-a', 'gone');
    await l.close();
    const l2 = await openLedger(path);
    expect(l2.report.compacted).toBe(true);
    expect(l2.size).toBe(1);
    expect(l2.get('s3://bucket-a', 'same')?.size).toBe(299);
    await l2.close();
    expect((await readFile(path, 'utf8')).trim().split('\n')).toHaveLength(1);
  });

  it('lets only one sync hold the ledger, and says why', async () => {
    const l = await openLedger(path);
    const err = await openLedger(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerError);
    expect(err).toMatchObject({ code: 'LEDGER_LOCKED', retryable: true });
    expect(String((err as Error).message)).toMatch(/in use by another sync \(pid \d+/);
    // A read-only view works while the lock is held, but cannot record.
    const ro = await openLedger(path, { lock: false });
    await expect(ro.record(entry('x'))).rejects.toMatchObject({ code: 'LEDGER_LOCKED' });
    await ro.close();
    await l.close();
    const l2 = await openLedger(path);
    await l2.close();
  });

  it('takes over the lock of a process that died', async () => {
    // A real process that exits leaves its pid unused; its lock file is stale.
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid as number;
    await new Promise((r) => child.on('exit', r));
    const l = await openLedger(path);
    await l.close();
    const boot = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => 'unknown')).trim();
    const { hostname } = await import('node:os');
    await writeFile(`${path}.lock`, JSON.stringify({ pid, host: hostname(), boot }));
    const l2 = await openLedger(path);
    expect(JSON.parse(await readFile(`${path}.lock`, 'utf8')).pid).toBe(process.pid);
    await l2.close();
    await expect(stat(`${path}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('takes over a lock whose pid is alive but now belongs to another process', async () => {
    // The sync that took it was killed, and its pid went to another process in the same boot (here
    // pid 1, which always exists): the start time in the lock tells them apart.
    const stat1 = await readFile('/proc/1/stat', 'utf8').catch(() => null);
    const boot = await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => null);
    if (stat1 === null || boot === null) return; // no /proc: only the pid can be checked
    await openLedger(path).then((l) => l.close());
    const startTime = Number(
      stat1
        .slice(stat1.lastIndexOf(')') + 1)
        .trim()
        .split(/\s+/)[19],
    );
    await writeFile(
      `${path}.lock`,
      JSON.stringify({ pid: 1, bootId: boot.trim(), startTime: startTime + 1 }),
    );
    const warnings: unknown[] = [];
    const l = await openLedger(path, { logger: { warn: (_m, fields) => warnings.push(fields) } });
    expect(JSON.parse(await readFile(`${path}.lock`, 'utf8')).pid).toBe(process.pid);
    expect(warnings).toEqual([
      expect.objectContaining({ pid: 1, reason: 'its pid now belongs to another process' }),
    ]);
    await l.close();
  });

  it('treats a lock from a previous boot as stale even if its pid is alive now', async () => {
    const { hostname } = await import('node:os');
    await openLedger(path).then((l) => l.close());
    await writeFile(
      `${path}.lock`,
      JSON.stringify({ pid: process.pid, host: hostname(), boot: 'another-boot' }),
    );
    const l = await openLedger(path);
    await l.close();
  });
});
