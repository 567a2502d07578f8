import {
  closeSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { readdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fsyncDir, fsyncFd } from '@opensensor/buffer';
import { isTempFileName } from './hive-path.js';

let tempCounter = 0;

/** `.<final name>.<pid>.<n>.tmp`: hidden and not `*.parquet`, so no glob, reader or uploader picks it up. */
export function tempNameFor(finalName: string): string {
  tempCounter = (tempCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `.${finalName}.${process.pid}.${tempCounter}.tmp`;
}

export function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/** `mkdir -p` that also makes every directory it created durable (fsync of each new entry's parent). */
export async function mkdirDurable(dir: string): Promise<void> {
  const missing: string[] = [];
  let current = dir;
  for (;;) {
    try {
      // One stat of a directory that almost always exists: synchronous, like the journal's appends,
      // rather than a round trip through the thread pool for every file written.
      statSync(current);
      break;
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
      missing.push(current);
      const parent = dirname(current);
      if (parent === current) break;
      current = parent;
    }
  }
  if (missing.length === 0) return;
  mkdirSync(dir, { recursive: true });
  for (const created of missing) await fsyncDir(dirname(created));
}

export type CommitOutcome = 'created' | 'exists';

/**
 * Writes `bytes` to `finalPath` so that the name appears only complete and durable, and never
 * replaces an existing file: temp file in the same directory, fsync, hard-link to the final name
 * (fails if it exists), unlink the temp, fsync the directory (unless `syncDirectory: false`: the
 * caller fsyncs it before it relies on the name). Where hard links are not supported the
 * caller-checked name is taken with rename.
 */
export async function writeFileExclusive(
  finalPath: string,
  bytes: Uint8Array,
  onTempFileWritten?: (tempPath: string) => void | Promise<void>,
  options: { syncDirectory?: boolean } = {},
): Promise<CommitOutcome> {
  const dir = dirname(finalPath);
  const tempPath = join(dir, tempNameFor(finalPath.slice(dir.length + 1)));
  // The metadata steps and the write of a small file (a window is ~8 KB) are synchronous; only the
  // fsync, the one step that waits for the storage, goes to the thread pool. Each await used to cost a
  // thread-pool round trip: nine of them per file.
  const fd = openSync(tempPath, 'wx', 0o644);
  let committed = false;
  try {
    try {
      for (let done = 0; done < bytes.byteLength; ) done += writeSync(fd, bytes, done);
      await fsyncFd(fd);
    } finally {
      closeSync(fd);
    }
    if (onTempFileWritten) await onTempFileWritten(tempPath);
    try {
      linkSync(tempPath, finalPath);
    } catch (err) {
      if (isErrno(err, 'EEXIST')) return 'exists';
      if (!isErrno(err, 'EPERM') && !isErrno(err, 'ENOTSUP') && !isErrno(err, 'EOPNOTSUPP')) throw err;
      // rename replaces an existing file: look first. Synchronous with the rename, so no write of this
      // process (several may be in flight) can take the name in between.
      if (existsSync(finalPath)) return 'exists';
      renameSync(tempPath, finalPath);
    }
    committed = true;
    try {
      unlinkSync(tempPath);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    // Left to the caller when it writes many files into a directory and fsyncs it once afterwards.
    if (options.syncDirectory !== false) await fsyncDir(dir);
    return 'created';
  } finally {
    if (!committed) await unlink(tempPath).catch(() => undefined);
  }
}

/**
 * Removes temp files left by a crash between write and rename, anywhere under `root`. Run it on start,
 * before any writer uses `root`; returns the removed paths. A missing `root` is not an error.
 */
export async function cleanupTempFiles(root: string): Promise<string[]> {
  const removed: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return;
      throw err;
    }
    let changed = false;
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && isTempFileName(entry.name)) {
        await unlink(path);
        removed.push(path);
        changed = true;
      }
    }
    if (changed) await fsyncDir(dir);
  };
  await walk(root);
  return removed;
}
