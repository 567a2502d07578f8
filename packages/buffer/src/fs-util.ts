import { closeSync, fsyncSync, openSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errnoCode, JournalLockedError } from './errors.js';
import type { JournalLogger } from './options.js';
import { type LockHolder, readProcessLock, tryAcquireProcessLock } from './process-lock.js';

/**
 * Replaces `path` with `data` so that after a crash or power cut the file holds either the old or
 * the new content, never a mix: temp file in the same directory, fsync, rename, fsync the directory.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.tmp`;
  const file = await open(tmp, 'w');
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}

/** Makes creations, renames and deletions in `dir` durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
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
export function acquireLock(dir: string, logger: JournalLogger, label?: string): () => void {
  const attempt = tryAcquireProcessLock(join(dir, 'LOCK'), { logger, ...(label ? { label } : {}) });
  if (!attempt.acquired) throw new JournalLockedError(dir, attempt.holder);
  return () => attempt.lock.release();
}
