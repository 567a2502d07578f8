import {
  closeSync,
  constants,
  fchmodSync,
  fsync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '@opensensor/errors';
import { errnoCode, JournalLockedError } from './errors.js';
import { type LockHolder, readProcessLock, tryAcquireProcessLock } from './process-lock.js';

/**
 * Errors of `fsync` on a directory that mean "this filesystem does not do that" (some network and
 * FUSE filesystems, other platforms), not "the disk failed": the rename before it is still atomic
 * there, so they are ignored. Every other error (EIO, ENOSPC, …) is thrown.
 */
const DIR_FSYNC_UNSUPPORTED = new Set(['EINVAL', 'EPERM', 'EISDIR', 'ENOTSUP', 'EOPNOTSUPP', 'EBADF']);

/**
 * `fsync(2)` of an open descriptor in the thread pool. Opening, writing a small file and closing are
 * answered from the kernel's caches, so callers do them synchronously and send only this, the one
 * step that waits for the storage, to the pool: each awaited `fs/promises` call is a round trip
 * through the pool (a thread woken, the main thread often preempted by it), and a fleet backfill
 * spent about a tenth of its main thread in them.
 */
export function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
}

/**
 * Makes creations, renames and deletions in `dir` durable. The one error policy of the packages: a
 * filesystem that refuses fsync on a directory is accepted (see `DIR_FSYNC_UNSUPPORTED`); any other
 * failure, opening the directory included, is thrown.
 */
export async function fsyncDir(dir: string): Promise<void> {
  const fd = openSync(dir, constants.O_RDONLY | (constants.O_DIRECTORY ?? 0));
  try {
    await fsyncFd(fd);
  } catch (err) {
    if (!DIR_FSYNC_UNSUPPORTED.has(errnoCode(err) ?? '')) throw err;
  } finally {
    closeSync(fd);
  }
}

/** `fsyncDir` for synchronous callers, with the same error policy. */
export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | (constants.O_DIRECTORY ?? 0));
  try {
    fsyncSync(fd);
  } catch (err) {
    if (!DIR_FSYNC_UNSUPPORTED.has(errnoCode(err) ?? '')) throw err;
  } finally {
    closeSync(fd);
  }
}

/**
 * Puts a finished temp file in place of `path`: fsyncs its content, renames it over `path` (atomic
 * within one directory, so `tempPath` must be beside `path`) and fsyncs the directory. For files that
 * something else wrote (a download, DuckDB's `COPY … TO`); `writeFileAtomic` writes and commits.
 */
export async function commitTempFile(tempPath: string, path: string): Promise<void> {
  const handle = await open(tempPath, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tempPath, path);
  await fsyncDir(dirname(path));
}

/**
 * Replaces `path` with `data` so that after a crash or power cut the file holds either the old or
 * the new content, never a mix: temp file `<path>.tmp` in the same directory, fsync, rename, fsync
 * the directory. `data` may be given in chunks (a large file is then never one string in memory).
 * A temp file left by a crash is overwritten by the next write. Not for two writers of one path at once.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array | Iterable<string | Uint8Array>,
  options: { mode?: number } = {},
): Promise<void> {
  const tmp = `${path}.tmp`;
  const whole = typeof data === 'string' || data instanceof Uint8Array ? data : null;
  if (whole !== null && byteLength(whole) <= SYNC_WRITE_MAX) {
    // A cursor, a status file: written synchronously, only the fsyncs in the thread pool.
    const fd = writeTempSync(tmp, whole, options.mode);
    try {
      await fsyncFd(fd);
    } catch (err) {
      discardTemp(fd, tmp);
      throw err;
    }
    closeSync(fd);
    renameSync(tmp, path);
    await fsyncDir(dirname(path));
    return;
  }
  const file = await open(tmp, 'w', options.mode ?? 0o644);
  try {
    // A temp file left by a crash keeps its old mode on open.
    if (options.mode !== undefined) await file.chmod(options.mode);
    if (typeof data === 'string' || data instanceof Uint8Array) await file.writeFile(data);
    else for (const chunk of data) await (typeof chunk === 'string' ? file.write(chunk) : file.write(chunk));
    await file.sync();
  } catch (err) {
    await file.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await file.close();
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}

/** Larger contents (a ledger, a lake's index) are written through the thread pool, chunk by chunk. */
const SYNC_WRITE_MAX = 256 * 1024;

const byteLength = (data: string | Uint8Array) =>
  typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;

/**
 * Closes and removes a temp file whose write failed. Best effort: the caller rethrows the error that
 * made it give up, which a failing cleanup must not replace.
 */
function discardTemp(fd: number, tmp: string): void {
  try {
    closeSync(fd);
  } catch {}
  try {
    rmSync(tmp, { force: true });
  } catch {}
}

/**
 * Opens `tmp` (created or truncated), sets its mode (a temp file left by a crash keeps its old mode
 * on open) and writes `data`; returns the open descriptor, or removes `tmp` and throws.
 */
function writeTempSync(tmp: string, data: string | Uint8Array, mode: number | undefined): number {
  const fd = openSync(tmp, 'w', mode ?? 0o644);
  try {
    if (mode !== undefined) fchmodSync(fd, mode);
    writeFileSync(fd, data);
  } catch (err) {
    discardTemp(fd, tmp);
    throw err;
  }
  return fd;
}

/** `writeFileAtomic` for synchronous callers (a CLI writing a key file), with the same steps. */
export function writeFileAtomicSync(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number } = {},
): void {
  const tmp = `${path}.tmp`;
  const fd = writeTempSync(tmp, data, options.mode);
  try {
    fsyncSync(fd);
  } catch (err) {
    discardTemp(fd, tmp);
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
  fsyncDirSync(dirname(path));
}

export async function unlinkIfExists(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
}

/** The pid of the live process that holds the journal directory's LOCK file, or null (see process-lock.ts). */
export function lockHolder(dir: string): LockHolder | null {
  return readProcessLock(join(dir, 'LOCK'));
}

/** Takes the directory's LOCK file, taking over a stale one; returns the release function. */
export function acquireLock(dir: string, logger: Logger, label?: string): () => void {
  const attempt = tryAcquireProcessLock(join(dir, 'LOCK'), { logger, ...(label ? { label } : {}) });
  if (!attempt.acquired) throw new JournalLockedError(dir, attempt.holder);
  return () => attempt.lock.release();
}
