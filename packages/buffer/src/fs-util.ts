import { closeSync, fsyncSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errnoCode, JournalLockedError } from './errors.js';

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

/** Directories opened by this process: the lock file alone cannot tell two opens in one process apart. */
const openedHere = new Set<string>();

function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

interface LockContent {
  pid: number;
  bootId: string | null;
}

/**
 * The pid of the live process that holds the directory's LOCK file, or null. A lock left by a
 * process that died (kill -9, power cut) does not count: its pid is gone, or it was written in
 * another boot (after a reboot the same pid may belong to some unrelated process, so the boot id
 * is what tells).
 */
export function lockHolder(dir: string): number | null {
  try {
    const held = JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8')) as Partial<LockContent>;
    if (typeof held.pid !== 'number' || held.bootId !== bootId()) return null;
    return processAlive(held.pid) ? held.pid : null;
  } catch {
    // No lock file, or an unreadable one (torn by a power cut): nobody holds it.
    return null;
  }
}

/** Takes the directory's LOCK file, taking over a stale one; returns the release function. */
export function acquireLock(dir: string): () => void {
  if (openedHere.has(dir)) throw new JournalLockedError(dir, undefined);
  const holder = lockHolder(dir);
  if (holder !== null && holder !== process.pid) throw new JournalLockedError(dir, holder);
  const path = join(dir, 'LOCK');
  const mine: LockContent = { pid: process.pid, bootId: bootId() };
  writeFileSync(path, JSON.stringify(mine));
  openedHere.add(dir);
  return () => {
    openedHere.delete(dir);
    try {
      unlinkSync(path);
    } catch {
      // Already gone: nothing to release.
    }
  };
}
