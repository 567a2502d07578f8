import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '@opensensor/buffer';
import type { LogFields, Logger } from '@opensensor/errors';
import { cleanupTempFiles, SENSOR_SCHEMA } from '@opensensor/parquet-hive-writer';
import { lakeGlob, openLakeReader } from '@opensensor/parquet-hive-writer/testing';
import { listLakeFiles } from '@opensensor/s3-sync';
import { SimulatedEnviroplus } from '@opensensor/simulation';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from './clock.js';
import type { HealthSources } from './health.js';
import { LAKE_LOCK_NAME, LakeLockedError, lakeLockPath, lakeWriter } from './lake-lock.js';
import { Station, type StationOptions } from './station.js';

const STATION = '0193a5c1-4e2f-7b3a-8c1d-2f6e9a0b4c7d';
const FROM = Date.UTC(2026, 10, 26, 10, 0, 0);
const hasProc = existsSync('/proc/self/stat') && existsSync('/proc/sys/kernel/random/boot_id');

const quietHealth: HealthSources = {
  readFile: async () => null,
  run: async () => null,
  statfs: async () => ({ totalBytes: 1e10, freeBytes: 5e9 }),
  loadavg: () => [0.1, 0.1, 0.1],
  uptimeSeconds: () => 100,
  networkInterfaces: () => ({}),
};

let dir: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'os-lake-lock-'));
});
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A station of its own state directory (its own journal) writing the shared lake of `dir`. */
function options(stateName: string, extra: Partial<StationOptions> = {}): StationOptions {
  const clock = new SimulatedClock(FROM);
  return {
    stationId: STATION,
    board: new SimulatedEnviroplus({ seed: 3, now: () => clock.now() }),
    schema: SENSOR_SCHEMA,
    clock,
    stateDir: join(dir, stateName),
    outputDir: join(dir, 'output'),
    healthDir: join(dir, 'output-health'),
    readIntervalMs: 5000,
    batchDurationSec: 900,
    compression: 'zstd',
    fsync: 'never',
    health: { sources: quietHealth },
    ...extra,
  };
}

function capture(): Logger & { lines: { level: string; msg: string; fields?: LogFields }[] } {
  const lines: { level: string; msg: string; fields?: LogFields }[] = [];
  const logger = {
    lines,
    child: () => logger,
    debug: (msg: string, fields?: LogFields) =>
      lines.push({ level: 'debug', msg, ...(fields ? { fields } : {}) }),
    info: (msg: string, fields?: LogFields) =>
      lines.push({ level: 'info', msg, ...(fields ? { fields } : {}) }),
    warn: (msg: string, fields?: LogFields) =>
      lines.push({ level: 'warn', msg, ...(fields ? { fields } : {}) }),
    error: (msg: string, fields?: LogFields) =>
      lines.push({ level: 'error', msg, ...(fields ? { fields } : {}) }),
  };
  return logger as unknown as Logger & { lines: { level: string; msg: string; fields?: LogFields }[] };
}

/** Field 22 of /proc/<pid>/stat, counted from the last ')'. */
function startTimeOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(
    stat
      .slice(stat.lastIndexOf(')') + 1)
      .trim()
      .split(/\s+/)[19],
  );
}

async function sleeper(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((resolve) => child.once('spawn', resolve));
  return child;
}

describe('one writer per station lake', () => {
  it('a second station with its own journal but the same station id and lake is refused until the first closes', async () => {
    const first = await Station.open(options('state-a', { owner: 'opensensor start' }));
    expect(existsSync(lakeLockPath(join(dir, 'output'), STATION))).toBe(true);
    expect(existsSync(lakeLockPath(join(dir, 'output-health'), STATION))).toBe(true);
    expect(lakeWriter(join(dir, 'output'), STATION)).toMatchObject({
      pid: process.pid,
      label: 'opensensor start',
    });

    const err = await Station.open(options('state-b')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LakeLockedError);
    expect(err).toMatchObject({
      code: 'LAKE_LOCKED',
      stationId: STATION,
      holder: { pid: process.pid, self: true },
    });
    expect((err as Error).message).toBe(
      `Station ${STATION} is already being written to ${join(dir, 'output', `station=${STATION}`)} by this process; ` +
        "two writers with their own journals would drop each other's readings. " +
        'Stop that process first, or give this one another station id or output directory.',
    );
    expect((err as Error).message).not.toContain('\n');
    // The refused station released its journal: it can be opened again.
    const journal = await Journal.open({ dir: join(dir, 'state-b', 'journal') });
    await journal.close();

    await first.backfill({ from: FROM, to: FROM + 30 * 60_000 });
    await first.close();
    expect(existsSync(lakeLockPath(join(dir, 'output'), STATION))).toBe(false);
    expect(existsSync(lakeLockPath(join(dir, 'output-health'), STATION))).toBe(false);
    const second = await Station.open(options('state-b'));
    await second.close();
  });

  it('without a health stream only the data lake is locked', async () => {
    const station = await Station.open(options('state', { health: null }));
    expect(existsSync(lakeLockPath(join(dir, 'output'), STATION))).toBe(true);
    expect(existsSync(join(dir, 'output-health'))).toBe(false);
    await station.close();
  });

  it.skipIf(!hasProc)(
    'names another live process that holds the lake, and takes over its lock once it is gone',
    async () => {
      const child = await sleeper();
      const pid = child.pid as number;
      const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      mkdirSync(join(dir, 'output', `station=${STATION}`), { recursive: true });
      const path = lakeLockPath(join(dir, 'output'), STATION);
      writeFileSync(
        path,
        JSON.stringify({ pid, bootId: boot, startTime: startTimeOf(pid), label: 'opensensor-sim run' }),
      );

      const err = await Station.open(options('state')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LakeLockedError);
      expect((err as Error).message).toContain(`by process ${pid} (opensensor-sim run);`);

      // SIGKILL leaves the lock behind; the next writer takes it over and says so.
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const log = capture();
      const station = await Station.open(options('state', { logger: log }));
      expect(log.lines.filter((l) => l.msg === 'took over a stale lock')).toEqual([
        expect.objectContaining({
          level: 'warn',
          fields: expect.objectContaining({ pid, reason: 'its process is gone' }),
        }),
      ]);
      await station.close();
    },
  );

  it('a lake lock that cannot be written (a full or broken lake disk) does not keep the station from taking readings', async () => {
    // A file where the station's directory should be: nothing can be created under it.
    mkdirSync(join(dir, 'output'), { recursive: true });
    writeFileSync(join(dir, 'output', `station=${STATION}`), '');
    const log = capture();
    const station = await Station.open(options('state', { health: null, logger: log }));
    try {
      expect(log.lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([
        'could not take the lake lock; going on without it, so another writer of this station would not be refused',
      ]);
      expect(await station.takeReading()).toBe(1);
    } finally {
      await station.close();
    }
  });

  it('the lock file is invisible to the lake readers, the uploader and the temp-file cleanup', async () => {
    const station = await Station.open(options('state'));
    try {
      await station.backfill({ from: FROM, to: FROM + 30 * 60_000 });
      const stationDir = join(dir, 'output', `station=${STATION}`);
      expect(existsSync(join(stationDir, LAKE_LOCK_NAME))).toBe(true);
      const files = await listLakeFiles(join(dir, 'output'));
      expect(files.map((f) => f.relativePath)).toEqual([
        `station=${STATION}/year=2026/month=11/day=26/data_1015.parquet`,
        `station=${STATION}/year=2026/month=11/day=26/data_1030.parquet`,
      ]);
      expect(await cleanupTempFiles(stationDir)).toEqual([]);
      expect(existsSync(join(stationDir, LAKE_LOCK_NAME))).toBe(true);
      const db = await openLakeReader();
      try {
        const rows = await db.rows(`SELECT count(*)::INT n FROM ${lakeGlob(join(dir, 'output'))}`);
        expect(rows).toEqual([{ n: 360 }]);
      } finally {
        db.close();
      }
    } finally {
      await station.close();
    }
  });
});
