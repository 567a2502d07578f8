import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  describeLockHolder,
  type LockHolder,
  type ProcessLock,
  readProcessLock,
  tryAcquireProcessLock,
} from '@opensensor/buffer';
import type { Logger } from '@opensensor/errors';
import { OpenSensorError } from '@opensensor/errors';

/**
 * Name of the lock file in a station's lake directory. Hidden and not `*.parquet`, so the lake's
 * readers (`**\/*.parquet`), the uploader (Hive paths only) and the temp-file cleanup ignore it.
 */
export const LAKE_LOCK_NAME = '.lock';

/** `<root>/station=<id>/.lock`: held by the one process that writes this station's files under `root`. */
export function lakeLockPath(root: string, stationId: string): string {
  return join(root, `station=${stationId}`, LAKE_LOCK_NAME);
}

/**
 * Another process (with its own journal) is writing this station's lake. Two journals number their
 * readings independently, so the lake writer's replay check would take one's readings for the other's
 * and drop them: a station's partitions have one writer at a time.
 */
export class LakeLockedError extends OpenSensorError {
  override readonly name = 'LakeLockedError';
  declare readonly code: 'LAKE_LOCKED';
  readonly stationId: string;
  /** The station's directory in the lake, `<root>/station=<id>`. */
  readonly stationDir: string;
  readonly holder: LockHolder;

  constructor(stationId: string, stationDir: string, holder: LockHolder) {
    super(
      'LAKE_LOCKED',
      `Station ${stationId} is already being written to ${stationDir} by ${describeLockHolder(holder)}; ` +
        "two writers with their own journals would drop each other's readings. " +
        'Stop that process first, or give this one another station id or output directory.',
    );
    this.stationId = stationId;
    this.stationDir = stationDir;
    this.holder = holder;
  }
}

/** The live process that writes this station's files under `root`, or null. Changes nothing. */
export function lakeWriter(root: string, stationId: string): LockHolder | null {
  return readProcessLock(lakeLockPath(root, stationId));
}

/**
 * Takes the lake lock of a station under each root (data lake, health lake), or none: a stale lock (a
 * writer killed with SIGKILL, an earlier boot, a reused pid) is taken over; a live one is refused with
 * `LakeLockedError`. A lock that cannot be written (a full or read-only lake disk) is logged as an
 * error and gone without: the lake cannot be written then either, and the station must go on taking
 * readings into its journal.
 */
export async function lockStationLakes(
  roots: readonly string[],
  stationId: string,
  options: { label?: string; logger?: Logger } = {},
): Promise<ProcessLock[]> {
  const locks: ProcessLock[] = [];
  try {
    for (const root of roots) {
      const path = lakeLockPath(root, stationId);
      let attempt: ReturnType<typeof tryAcquireProcessLock>;
      try {
        mkdirSync(join(root, `station=${stationId}`), { recursive: true });
        attempt = tryAcquireProcessLock(path, {
          ...(options.label ? { label: options.label } : {}),
          ...(options.logger ? { logger: options.logger } : {}),
        });
      } catch (err) {
        if (typeof (err as { code?: unknown }).code !== 'string') throw err;
        options.logger?.error(
          'could not take the lake lock; going on without it, so another writer of this station would not be refused',
          { lock: path, err },
        );
        continue;
      }
      if (!attempt.acquired)
        throw new LakeLockedError(stationId, resolve(root, `station=${stationId}`), attempt.holder);
      locks.push(attempt.lock);
    }
  } catch (err) {
    for (const lock of locks) lock.release();
    throw err;
  }
  return locks;
}
