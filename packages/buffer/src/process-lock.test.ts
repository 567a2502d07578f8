import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JournalLockedError } from './errors.js';
import { inspectJournal } from './inspect.js';
import { Journal } from './journal.js';
import {
  currentBootId,
  describeLockHolder,
  parseProcStatStartTime,
  processStartTime,
  readProcessLock,
  tryAcquireProcessLock,
} from './process-lock.js';
import { captureLogger, makeTempDir } from './test-support.js';

const hasProc = existsSync('/proc/self/stat') && existsSync('/proc/sys/kernel/random/boot_id');

let dir: string;
let cleanup: () => void;
const children: ChildProcess[] = [];
beforeEach(() => {
  ({ dir, cleanup } = makeTempDir('process-lock-'));
});
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  cleanup();
});

/** A live process that is not this one: it sleeps until the test kills it. */
async function sleeper(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((resolve) => child.once('spawn', resolve));
  return child;
}

describe('parseProcStatStartTime', () => {
  it('counts fields from the last parenthesis, so a command name with spaces and parentheses does not shift them', () => {
    const tail =
      'S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1234567 56 18446744073709551615';
    expect(parseProcStatStartTime(`4242 (node) ${tail}`)).toBe(987654);
    expect(parseProcStatStartTime(`4242 (my (odd) name) ${tail}`)).toBe(987654);
    expect(parseProcStatStartTime(`4242 (a) b 1 2) ${tail}`)).toBe(987654);
    expect(parseProcStatStartTime(`4242 ( ) ) ) ${tail}`)).toBe(987654);
  });

  it('returns null for a line without the field', () => {
    expect(parseProcStatStartTime('')).toBeNull();
    expect(parseProcStatStartTime('4242 (node S 1 2 3')).toBeNull();
    expect(parseProcStatStartTime('4242 (node) S 1 2 3')).toBeNull();
    expect(
      parseProcStatStartTime('4242 (node) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 x'),
    ).toBeNull();
  });

  it.skipIf(!hasProc)('reads this process from /proc', () => {
    const t = processStartTime(process.pid);
    expect(t).toBeTypeOf('number');
    expect(processStartTime(process.pid)).toBe(t);
  });
});

describe('process locks', () => {
  it('records pid, boot id, start time and label; a second taker in this process is refused; release frees it', () => {
    const path = join(dir, 'LOCK');
    const first = tryAcquireProcessLock(path, { label: 'test writer' });
    if (!first.acquired) throw new Error('not acquired');
    const onDisk = JSON.parse(readFileSync(path, 'utf8'));
    expect(onDisk).toEqual({
      pid: process.pid,
      bootId: currentBootId(),
      startTime: processStartTime(process.pid),
      label: 'test writer',
    });
    const second = tryAcquireProcessLock(path);
    expect(second.acquired).toBe(false);
    if (second.acquired) return;
    expect(second.holder.self).toBe(true);
    expect(describeLockHolder(second.holder)).toBe('this process');
    expect(readProcessLock(path)).toMatchObject({ pid: process.pid, self: true });
    first.lock.release();
    first.lock.release();
    expect(existsSync(path)).toBe(false);
    expect(readProcessLock(path)).toBeNull();
  });

  it.skipIf(!hasProc)('refuses while the recorded process runs, and names it', async () => {
    const child = await sleeper();
    const pid = child.pid as number;
    const path = join(dir, 'LOCK');
    const owner = {
      pid,
      bootId: currentBootId(),
      startTime: processStartTime(pid),
      label: 'opensensor start',
    };
    writeFileSync(path, JSON.stringify(owner));
    const attempt = tryAcquireProcessLock(path);
    expect(attempt.acquired).toBe(false);
    if (attempt.acquired) return;
    expect(attempt.holder).toEqual({ ...owner, self: false });
    expect(describeLockHolder(attempt.holder)).toBe(`process ${pid} (opensensor start)`);
    expect(readProcessLock(path)).toMatchObject({ pid });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(owner);

    // Once it is gone, the lock is stale and taken over with a log line.
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(readProcessLock(path)).toBeNull();
    const logger = captureLogger();
    const next = tryAcquireProcessLock(path, { logger });
    expect(next.acquired).toBe(true);
    expect(logger.entries).toEqual([
      {
        level: 'warn',
        message: 'took over a stale lock',
        fields: { lock: path, pid, holder: 'opensensor start', reason: 'its process is gone' },
      },
    ]);
    if (next.acquired) next.lock.release();
  });

  it.skipIf(!hasProc)(
    'takes over a lock whose pid is alive but belongs to a process that started at another time',
    () => {
      // The case of an unattended Pi: the agent was killed, and its pid now belongs to another process
      // (here pid 1, which always exists) in the same boot.
      const path = join(dir, 'LOCK');
      const initStart = processStartTime(1);
      if (initStart === null) return; // /proc hides other processes here (hidepid)
      writeFileSync(path, JSON.stringify({ pid: 1, bootId: currentBootId(), startTime: initStart + 1 }));
      expect(readProcessLock(path)).toBeNull();
      const logger = captureLogger();
      const attempt = tryAcquireProcessLock(path, { logger });
      expect(attempt.acquired).toBe(true);
      expect(logger.entries[0]?.fields).toMatchObject({
        pid: 1,
        reason: 'its pid now belongs to another process',
      });
      expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
      if (attempt.acquired) attempt.lock.release();
    },
  );

  it.skipIf(!hasProc)(
    'takes over a lock from an earlier boot, an earlier process with this pid, or an unreadable one',
    () => {
      const path = join(dir, 'LOCK');
      const cases: [string, string][] = [
        [
          JSON.stringify({ pid: 1, bootId: 'an-earlier-boot', startTime: processStartTime(1) }),
          'it was taken before the last reboot',
        ],
        [
          JSON.stringify({ pid: process.pid, bootId: currentBootId(), startTime: 1 }),
          'an earlier process with this pid took it',
        ],
        ['{"pid":12', 'the lock file is unreadable'],
        ['', 'the lock file is unreadable'],
      ];
      for (const [content, reason] of cases) {
        writeFileSync(path, content);
        const logger = captureLogger();
        const attempt = tryAcquireProcessLock(path, { logger });
        expect(attempt.acquired, content).toBe(true);
        expect(logger.entries[0]?.fields?.reason, content).toBe(reason);
        if (attempt.acquired) attempt.lock.release();
      }
    },
  );

  it.skipIf(!hasProc)(
    'keeps a lock without a start time (written by an earlier version) while its pid is alive',
    async () => {
      const child = await sleeper();
      const path = join(dir, 'LOCK');
      writeFileSync(path, JSON.stringify({ pid: child.pid, bootId: currentBootId() }));
      expect(tryAcquireProcessLock(path).acquired).toBe(false);
      // The upload ledger's earlier format: `boot` instead of `bootId`.
      writeFileSync(path, JSON.stringify({ pid: child.pid, host: 'pi', boot: currentBootId() }));
      expect(tryAcquireProcessLock(path).acquired).toBe(false);
    },
  );

  it('release leaves alone a lock file that is no longer this process’s', () => {
    const path = join(dir, 'LOCK');
    const attempt = tryAcquireProcessLock(path);
    if (!attempt.acquired) throw new Error('not acquired');
    writeFileSync(path, JSON.stringify({ pid: 1, bootId: currentBootId(), startTime: 0 }));
    attempt.lock.release();
    expect(existsSync(path)).toBe(true);
  });
});

describe('the journal LOCK', () => {
  it.skipIf(!hasProc)(
    'a LOCK left by a killed agent whose pid now belongs to another process does not keep the journal closed',
    async () => {
      const initStart = processStartTime(1);
      if (initStart === null) return;
      writeFileSync(
        join(dir, 'LOCK'),
        JSON.stringify({ pid: 1, bootId: currentBootId(), startTime: initStart + 100 }),
      );
      expect((await inspectJournal(dir)).openBy).toBeNull();
      const logger = captureLogger();
      const journal = await Journal.open({ dir, logger });
      try {
        expect(await journal.append(new Uint8Array([1]))).toBe(1);
        expect(logger.entries.filter((e) => e.message === 'took over a stale lock')).toHaveLength(1);
        expect(await inspectJournal(dir)).toMatchObject({ openBy: process.pid });
      } finally {
        await journal.close();
      }
    },
  );

  it('names the holder and its label in JournalLockedError', async () => {
    const journal = await Journal.open({ dir, lockLabel: 'opensensor start' });
    try {
      const err = await Journal.open({ dir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JournalLockedError);
      expect((err as JournalLockedError).holderPid).toBeUndefined();
      expect((err as JournalLockedError).holder).toMatchObject({
        pid: process.pid,
        self: true,
        label: 'opensensor start',
      });
      expect(await inspectJournal(dir)).toMatchObject({
        openBy: process.pid,
        openByLabel: 'opensensor start',
      });
    } finally {
      await journal.close();
    }
  });
});
