import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from '@opensensor/errors';

/**
 * A lock file that says which process owns something (a journal directory, an upload ledger, a
 * station's lake directory): `{"pid":…,"bootId":…,"startTime":…,"label":…}`.
 *
 * A pid alone does not identify a process: after a reboot, and on a long-running machine after the
 * pid counter wraps, the same pid belongs to an unrelated process, and a lock that trusted it would
 * keep its directory closed for ever. So the owner is recorded as (boot id, pid, start time): the
 * Linux boot id (`/proc/sys/kernel/random/boot_id`) and the process's start time in clock ticks
 * since boot (field 22 of `/proc/<pid>/stat`). A lock is held only while a process with that pid is
 * alive in the same boot and started at that time; any other lock is stale and is taken over.
 * Where `/proc` is missing (macOS, BSD) only the pid is checked.
 */
export interface LockOwner {
  pid: number;
  /** Linux boot id of the boot the lock was taken in; null where unknown. */
  bootId: string | null;
  /** Start time of the process, in clock ticks since boot; null where unknown. */
  startTime: number | null;
  /** What the process is ("opensensor start"), when the one that took the lock said so. */
  label: string | null;
}

/** A live owner of a lock, as another process (or another part of this one) sees it. */
export interface LockHolder extends LockOwner {
  /** True when the holder is this process. */
  self: boolean;
}

/** A lock this process holds. */
export interface ProcessLock {
  /** The lock file. */
  readonly path: string;
  readonly owner: LockOwner;
  /** Deletes the lock file (if it is still this process's) so that others can take it. Idempotent. */
  release(): void;
}

export interface ProcessLockOptions {
  /** What this process is, recorded so that a refused process can say who holds the lock. */
  label?: string;
  /** Told when a stale lock is taken over (a crash, a reboot, a reused pid). */
  logger?: Pick<Logger, 'warn'>;
}

export type LockAttempt = { acquired: true; lock: ProcessLock } | { acquired: false; holder: LockHolder };

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}

/** Locks this process holds, by absolute path: the file cannot tell two holders in one process apart. */
const heldHere = new Map<string, LockOwner>();
let tempCounter = 0;

// Read once per process: the boot cannot change under a running process, nor its own start time. A
// fleet backfill takes three locks per station, and reading /proc each time was 0.3 ms of each station.
let bootIdRead: string | null | undefined;
let ownStartTimeRead: number | null | undefined;

/** This boot's id (`/proc/sys/kernel/random/boot_id`), or null where the system has none (not Linux). */
export function currentBootId(): string | null {
  if (bootIdRead === undefined) {
    try {
      const id = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      bootIdRead = id === '' ? null : id;
    } catch {
      bootIdRead = null;
    }
  }
  return bootIdRead;
}

/** {@link processStartTime} of this process. */
function ownStartTime(): number | null {
  if (ownStartTimeRead === undefined) ownStartTimeRead = processStartTime(process.pid);
  return ownStartTimeRead;
}

/**
 * Field 22 (`starttime`) of a `/proc/<pid>/stat` line. The second field is the command name in
 * parentheses, which may itself contain spaces and parentheses, so the fields are counted from the
 * last `)`. Null when the line does not have the field.
 */
export function parseProcStatStartTime(stat: string): number | null {
  const end = stat.lastIndexOf(')');
  if (end < 0) return null;
  // After the name: field 3 (state) is the first, so field 22 is the 20th.
  const fields = stat
    .slice(end + 1)
    .trim()
    .split(/\s+/);
  const value = fields[19];
  if (value === undefined || !/^\d+$/.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}

/** When process `pid` started, in clock ticks since boot; null where `/proc` cannot tell. */
export function processStartTime(pid: number): number | null {
  try {
    return parseProcStatStartTime(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return errnoCode(err) === 'EPERM';
  }
}

/** Parses a lock file; also reads the upload ledger's earlier format (`boot`, `"unknown"`). */
function parseOwner(raw: string): LockOwner | null {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { pid, startTime, label } = parsed;
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return null;
  const boot = typeof parsed.bootId === 'string' ? parsed.bootId : parsed.boot;
  return {
    pid,
    bootId: typeof boot === 'string' && boot !== 'unknown' && boot !== '' ? boot : null,
    startTime: typeof startTime === 'number' && Number.isSafeInteger(startTime) ? startTime : null,
    label: typeof label === 'string' ? label : null,
  };
}

type Verdict = { live: true; self: boolean } | { live: false; reason: string };

/** Whether the owner recorded in a lock file is still the process that holds it. */
function judge(owner: LockOwner | null): Verdict {
  if (owner === null) return { live: false, reason: 'the lock file is unreadable' };
  if (owner.bootId !== currentBootId()) return { live: false, reason: 'it was taken before the last reboot' };
  if (owner.pid === process.pid) {
    // This pid, but not a lock this process took: another copy of this module in the same process
    // (same start time), or an earlier process that had the same pid.
    const mine = ownStartTime();
    if (owner.startTime !== null && mine !== null && owner.startTime === mine)
      return { live: true, self: true };
    return { live: false, reason: 'an earlier process with this pid took it' };
  }
  if (!processAlive(owner.pid)) return { live: false, reason: 'its process is gone' };
  if (owner.startTime !== null) {
    const now = processStartTime(owner.pid);
    if (now !== null && now !== owner.startTime)
      return { live: false, reason: 'its pid now belongs to another process' };
  }
  return { live: true, self: false };
}

function readIfExists(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw err;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/**
 * Creates `path` with `content` unless it exists. The content is written to a temp file first and
 * hard-linked into place, so nobody ever reads a half-written lock (and judges it unreadable, so
 * stale). On a file system without hard links (FAT), the file is created exclusively and written.
 */
function createExclusive(path: string, content: string): 'created' | 'exists' | 'retry' {
  tempCounter = (tempCounter + 1) % Number.MAX_SAFE_INTEGER;
  const tmp = `${path}.${process.pid}.${tempCounter}.tmp`;
  try {
    // A leftover of a crashed process that had this pid may have the name: overwrite it.
    writeFileSync(tmp, content);
  } catch (err) {
    unlinkQuietly(tmp);
    throw err;
  }
  try {
    linkSync(tmp, path);
    return 'created';
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EEXIST') return 'exists';
    // The temp file vanished (a cleanup of temp files ran in the directory): try again.
    if (code === 'ENOENT') return 'retry';
    if (!code || !NO_HARD_LINKS.has(code)) throw err;
  } finally {
    unlinkQuietly(tmp);
  }
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return 'exists';
    throw err;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return 'created';
}

/**
 * Removes the stale lock whose content was `raw`, unless another process replaced it since it was
 * read: it is renamed aside (atomic) and compared; a fresh lock moved aside by mistake is put back.
 */
function removeIfUnchanged(path: string, raw: string): boolean {
  tempCounter = (tempCounter + 1) % Number.MAX_SAFE_INTEGER;
  const aside = `${path}.${process.pid}.${tempCounter}.stale`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
  let moved = '';
  try {
    moved = readFileSync(aside, 'utf8');
  } catch {
    // Unreadable: treat it as someone else's.
  }
  if (moved === raw) {
    unlinkQuietly(aside);
    return true;
  }
  try {
    linkSync(aside, path);
  } catch (err) {
    const code = errnoCode(err);
    if (code && NO_HARD_LINKS.has(code) && readIfExists(path) === null) renameSync(aside, path);
  }
  unlinkQuietly(aside);
  return false;
}

/** "this process", or "process 1234 (opensensor start)": for error messages. */
export function describeLockHolder(holder: LockHolder): string {
  if (holder.self) return 'this process';
  return `process ${holder.pid}${holder.label ? ` (${holder.label})` : ''}`;
}

/** The live holder of the lock at `path`, or null when it is free or stale. Changes nothing. */
export function readProcessLock(path: string): LockHolder | null {
  const mine = heldHere.get(resolve(path));
  if (mine) return { ...mine, self: true };
  const raw = readIfExists(path);
  if (raw === null) return null;
  const owner = parseOwner(raw);
  const verdict = judge(owner);
  return verdict.live && owner ? { ...owner, self: verdict.self } : null;
}

/**
 * Takes the lock at `path` (its directory must exist), taking over a stale one with a log line.
 * Returns the lock, or the live holder that has it (this process included: a second taker in the
 * same process is refused too).
 */
export function tryAcquireProcessLock(path: string, options: ProcessLockOptions = {}): LockAttempt {
  const key = resolve(path);
  const already = heldHere.get(key);
  if (already) return { acquired: false, holder: { ...already, self: true } };
  const owner: LockOwner = {
    pid: process.pid,
    bootId: currentBootId(),
    startTime: ownStartTime(),
    label: options.label ?? null,
  };
  const content = `${JSON.stringify({
    pid: owner.pid,
    bootId: owner.bootId,
    startTime: owner.startTime,
    ...(owner.label !== null ? { label: owner.label } : {}),
  })}\n`;
  for (let attempt = 0; attempt < 8; attempt++) {
    // A stale lock is removed before the new one is written: on a full disk its block is the one
    // the new lock needs.
    const raw = readIfExists(key);
    if (raw !== null) {
      const held = parseOwner(raw);
      const verdict = judge(held);
      if (verdict.live) {
        if (held) return { acquired: false, holder: { ...held, self: verdict.self } };
        continue;
      }
      if (removeIfUnchanged(key, raw)) {
        options.logger?.warn('took over a stale lock', {
          lock: key,
          pid: held?.pid ?? null,
          ...(held?.label ? { holder: held.label } : {}),
          reason: verdict.reason,
        });
      }
      continue;
    }
    const created = createExclusive(key, content);
    if (created === 'created') {
      heldHere.set(key, owner);
      return { acquired: true, lock: makeLock(key, owner, content) };
    }
  }
  const holder = readProcessLock(key);
  if (holder) return { acquired: false, holder };
  throw new Error(`Could not take the lock ${key}: other processes keep taking and releasing it.`);
}

function makeLock(path: string, owner: LockOwner, content: string): ProcessLock {
  let released = false;
  return {
    path,
    owner,
    release() {
      if (released) return;
      released = true;
      if (heldHere.get(path) === owner) heldHere.delete(path);
      // Only this process's lock: if it was taken over meanwhile, the file is someone else's now.
      let current: string | null = null;
      try {
        current = readIfExists(path);
      } catch {
        return;
      }
      if (current === content) unlinkQuietly(path);
    },
  };
}
