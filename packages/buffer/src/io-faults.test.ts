import type * as fs from 'node:fs';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JournalDiskFullError, JournalIOError } from './errors.js';
import { Journal } from './journal.js';
import { captureLogger, makeTempDir, payloadFor, readAll, samePayload } from './test-support.js';

/*
 * A real full disk cannot be made here without mounting a file system, so the write and open calls
 * of node:fs are wrapped: when armed, a write stores part of its bytes (as a real short write on a
 * full disk does) and the next one fails with ENOSPC. Everything else is the real file system.
 */
const fault = vi.hoisted(() => ({
  writesBeforeFailure: -1,
  failCreate: false,
  failSync: false,
  failures: 0,
}));

function enospc(syscall: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`ENOSPC: no space left on device, ${syscall}`);
  err.code = 'ENOSPC';
  err.syscall = syscall;
  return err;
}

vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof fs>();
  const writeSync = (fd: number, buffer: Uint8Array, offset: number, length: number): number => {
    if (fault.writesBeforeFailure === 0) {
      fault.failures += 1;
      throw enospc('write');
    }
    if (fault.writesBeforeFailure === 1) {
      fault.writesBeforeFailure = 0;
      return actual.writeSync(fd, buffer, offset, Math.max(1, Math.floor(length / 2)));
    }
    if (fault.writesBeforeFailure > 1) fault.writesBeforeFailure -= 1;
    return actual.writeSync(fd, buffer, offset, length);
  };
  const openSync = (path: fs.PathLike, flags: fs.OpenMode, mode?: fs.Mode): number => {
    if (fault.failCreate && flags === 'ax') {
      fault.failures += 1;
      throw enospc('open');
    }
    return actual.openSync(path, flags, mode);
  };
  const fdatasync = (fd: number, callback: (err: NodeJS.ErrnoException | null) => void): void => {
    if (fault.failSync) {
      fault.failures += 1;
      const err: NodeJS.ErrnoException = new Error('EIO: i/o error, fdatasync');
      err.code = 'EIO';
      setImmediate(() => callback(err));
      return;
    }
    actual.fdatasync(fd, callback);
  };
  return { ...actual, writeSync, openSync, fdatasync };
});

let dir: string;
let cleanup: () => void;

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir());
  fault.writesBeforeFailure = -1;
  fault.failCreate = false;
  fault.failSync = false;
  fault.failures = 0;
});
afterEach(() => cleanup());

describe('a full disk (ENOSPC)', () => {
  it('rejects the append with JournalDiskFullError, cuts off the partial record, and carries on once space is back', async () => {
    const journal = await Journal.open({ dir, fsync: 'always', consumers: ['c'], logger: captureLogger() });
    for (let seq = 1; seq <= 10; seq++) await journal.append(payloadFor(seq));
    const segment = join(dir, '0000000000000001.seg');
    const sizeBefore = statSync(segment).size;

    fault.writesBeforeFailure = 1;
    const failed = journal.append(payloadFor(11));
    await expect(failed).rejects.toBeInstanceOf(JournalDiskFullError);
    const err = (await failed.catch((e: unknown) => e)) as JournalDiskFullError;
    expect(err.code).toBe('DISK_FULL');
    expect(err.lastWrittenSeq).toBe(10);
    expect(err.message).toContain('Free space');
    expect(statSync(segment).size).toBe(sizeBefore);
    expect(journal.stats().lastSeq).toBe(10);

    fault.writesBeforeFailure = -1;
    expect(await journal.append(payloadFor(11))).toBe(11);
    await journal.close();

    const reopened = await Journal.open({ dir, consumers: ['c'], logger: captureLogger() });
    const records = await readAll(reopened, 'c');
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    for (const r of records) expect(samePayload(r.seq, r.value)).toBe(true);
    expect(reopened.stats().tornTail.bytes).toBe(0);
    expect(reopened.stats().corrupt.regions).toBe(0);
    await reopened.close();
  });

  it('keeps the chunks of a batch written before the failure and reports where it stopped', async () => {
    const journal = await Journal.open({ dir, fsync: 'always', consumers: ['c'], logger: captureLogger() });
    // About 40 bytes a record: 3000 records need a few 64 KiB writes; the second one fails halfway.
    fault.writesBeforeFailure = 2;
    const failed = journal.appendBatch(Array.from({ length: 3000 }, (_, i) => payloadFor(i + 1)));
    const err = (await failed.catch((e: unknown) => e)) as JournalDiskFullError;
    expect(err).toBeInstanceOf(JournalDiskFullError);
    expect(err.lastWrittenSeq).toBeGreaterThan(0);
    expect(err.lastWrittenSeq).toBeLessThan(3000);
    expect(journal.stats().lastSeq).toBe(err.lastWrittenSeq);

    fault.writesBeforeFailure = -1;
    // The chunks that made it are fsynced on the policy's schedule without anyone asking.
    expect(await journal.waitForSeq(err.lastWrittenSeq)).toBe(true);
    const records = await readAll(journal, 'c');
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: err.lastWrittenSeq }, (_, i) => i + 1));
    expect(await journal.append(payloadFor(err.lastWrittenSeq + 1))).toBe(err.lastWrittenSeq + 1);
    await journal.close();
  });

  it('fails cleanly when the next segment file cannot be created, and rolls once it can', async () => {
    const journal = await Journal.open({
      dir,
      fsync: 'always',
      segmentBytes: 1024,
      consumers: ['c'],
      logger: captureLogger(),
    });
    let seq = 0;
    while (journal.stats().bytes + 60 <= 1024) seq = await journal.append(payloadFor(seq + 1));
    fault.failCreate = true;
    let error: unknown;
    for (let i = 0; i < 5 && !error; i++) {
      try {
        seq = await journal.append(payloadFor(seq + 1));
      } catch (err) {
        error = err;
      }
    }
    expect(error).toBeInstanceOf(JournalDiskFullError);
    expect(fault.failures).toBe(1);
    fault.failCreate = false;
    expect(await journal.append(payloadFor(seq + 1))).toBe(seq + 1);
    expect(journal.stats().segments).toBe(2);
    expect((await readAll(journal, 'c')).length).toBe(seq + 1);
    await journal.close();
  });
});

describe('a failed fsync (EIO)', () => {
  it('rejects the waiting appends, refuses further work, and recovers on reopen', async () => {
    const logger = captureLogger();
    const journal = await Journal.open({ dir, fsync: 'always', consumers: ['c'], logger });
    for (let seq = 1; seq <= 5; seq++) await journal.append(payloadFor(seq));
    fault.failSync = true;
    const waiting = [journal.append(payloadFor(6)), journal.append(payloadFor(7))];
    for (const p of waiting) await expect(p).rejects.toBeInstanceOf(JournalIOError);
    await expect(journal.append(payloadFor(8))).rejects.toThrow(/open it again to recover/);
    await expect(journal.sync()).rejects.toBeInstanceOf(JournalIOError);
    expect(logger.entries.some((e) => e.level === 'error' && e.fields?.during === 'fsync')).toBe(true);
    fault.failSync = false;
    await journal.close();

    // The unacknowledged records may or may not have reached the disk; the acknowledged ones did.
    const reopened = await Journal.open({ dir, consumers: ['c'], logger: captureLogger() });
    const seqs = (await readAll(reopened, 'c')).map((r) => r.seq);
    expect(seqs.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
    expect(await reopened.append(payloadFor(seqs.length + 1))).toBe(seqs.length + 1);
    await reopened.close();
  });
});
