import { isAbsolute, resolve } from 'node:path';
import type { Clock, Logger } from '@opensensor/errors';
import { isoTime } from '@opensensor/errors';
import { bytesCodec, type JournalCodec } from './codec.js';
import { type JournalOptionIssue, JournalOptionsError } from './errors.js';
import { HEADER_BYTES } from './record.js';

/**
 * When an acknowledged append is on stable storage (see docs/buffer.md for the loss windows):
 * - `'always'`: `append` resolves after fdatasync; concurrent appends share one fsync.
 * - `{ interval: ms }`: `append` resolves once the OS has the bytes; an fsync follows within `ms`.
 * - `'never'`: the journal never fsyncs while running (only on `close`); the OS decides.
 */
export type FsyncPolicy = 'always' | 'never' | { interval: number };

/** What `append` does when the journal holds `maxBytes`. */
export type FullPolicy = 'drop-oldest' | 'reject';

/** The shared `Clock` plus the timers of the fsync interval, injectable so tests and simulations control them. */
export interface JournalClock extends Clock {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface JournalOptions<T = Uint8Array> {
  /** Directory of the journal; created if missing. One journal per directory. */
  dir: string;
  /** Durability of acknowledged appends. Default `{ interval: 1000 }`. */
  fsync?: FsyncPolicy;
  /** A segment file is closed and a new one started past this size. Default 4 MiB. */
  segmentBytes?: number;
  /** Upper bound of all segment files together. Default 256 MiB; at least 2 × segmentBytes. */
  maxBytes?: number;
  /** Largest record (payload + 20-byte header). Default min(1 MiB, segmentBytes). */
  maxRecordBytes?: number;
  /** What to do at maxBytes. Default `'drop-oldest'`. */
  onFull?: FullPolicy;
  /** Consumers to create if they do not exist yet (cursor 0: they read from the oldest record). */
  consumers?: readonly string[];
  /** Value <-> bytes. Default: values are `Uint8Array`s. */
  codec?: JournalCodec<T>;
  clock?: JournalClock;
  /** Default: warnings and errors as JSON lines on stderr, info dropped. */
  logger?: Logger;
  /**
   * What this process is ("opensensor start"), written into the directory's LOCK file so that a
   * second opener's `JournalLockedError` can name it.
   */
  lockLabel?: string;
}

export interface ResolvedOptions<T> {
  dir: string;
  fsync: 'always' | 'never' | 'interval';
  intervalMs: number;
  segmentBytes: number;
  maxBytes: number;
  maxRecordBytes: number;
  onFull: FullPolicy;
  consumers: readonly string[];
  codec: JournalCodec<T>;
  clock: JournalClock;
  logger: Logger;
  lockLabel: string | undefined;
}

export const DEFAULT_SEGMENT_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
export const DEFAULT_FSYNC_INTERVAL_MS = 1000;
const MIN_SEGMENT_BYTES = 1024;
const CONSUMER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const systemClock: JournalClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // A pending fsync must not keep a process alive that is otherwise done.
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

function stderrLine(level: string, message: string, fields?: Record<string, unknown>): void {
  process.stderr.write(
    `${JSON.stringify({ level, time: isoTime(Date.now()), component: 'journal', message, ...fields })}\n`,
  );
}

export const stderrLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (message, fields) => stderrLine('warn', message, fields),
  error: (message, fields) => stderrLine('error', message, fields),
};

export function isValidConsumerName(name: string): boolean {
  return CONSUMER_NAME.test(name);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

function positiveInt(
  issues: JournalOptionIssue[],
  option: string,
  value: unknown,
  fallback: number,
  min: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    issues.push({ option, expected: `an integer >= ${min}`, received: describe(value) });
    return fallback;
  }
  return value;
}

export function resolveOptions<T>(options: JournalOptions<T>): ResolvedOptions<T> {
  const issues: JournalOptionIssue[] = [];
  if (typeof options?.dir !== 'string' || options.dir.length === 0) {
    issues.push({ option: 'dir', expected: 'a directory path', received: describe(options?.dir) });
  }

  let fsync: ResolvedOptions<T>['fsync'] = 'interval';
  let intervalMs = DEFAULT_FSYNC_INTERVAL_MS;
  const policy: unknown = options?.fsync;
  if (policy === 'always' || policy === 'never') {
    fsync = policy;
  } else if (typeof policy === 'object' && policy !== null && 'interval' in policy) {
    const ms = (policy as { interval: unknown }).interval;
    if (typeof ms === 'number' && Number.isFinite(ms) && ms > 0 && ms <= 3_600_000) intervalMs = ms;
    else
      issues.push({
        option: 'fsync.interval',
        expected: 'milliseconds in (0, 3600000]',
        received: describe(ms),
      });
  } else if (policy !== undefined) {
    issues.push({
      option: 'fsync',
      expected: `'always', 'never' or { interval: ms }`,
      received: describe(policy),
    });
  }

  const segmentBytes = positiveInt(
    issues,
    'segmentBytes',
    options?.segmentBytes,
    DEFAULT_SEGMENT_BYTES,
    MIN_SEGMENT_BYTES,
  );
  const maxBytes = positiveInt(
    issues,
    'maxBytes',
    options?.maxBytes,
    Math.max(DEFAULT_MAX_BYTES, 2 * segmentBytes),
    2 * segmentBytes,
  );
  const maxRecordBytes = positiveInt(
    issues,
    'maxRecordBytes',
    options?.maxRecordBytes,
    Math.min(1024 * 1024, segmentBytes),
    HEADER_BYTES + 1,
  );
  if (maxRecordBytes > segmentBytes) {
    issues.push({
      option: 'maxRecordBytes',
      expected: `at most segmentBytes (${segmentBytes})`,
      received: String(maxRecordBytes),
    });
  }

  const onFull = options?.onFull ?? 'drop-oldest';
  if (onFull !== 'drop-oldest' && onFull !== 'reject') {
    issues.push({ option: 'onFull', expected: `'drop-oldest' or 'reject'`, received: describe(onFull) });
  }

  const consumers = options?.consumers ?? [];
  if (!Array.isArray(consumers)) {
    issues.push({ option: 'consumers', expected: 'an array of names', received: describe(consumers) });
  } else {
    for (const name of consumers) {
      if (typeof name !== 'string' || !isValidConsumerName(name)) {
        issues.push({
          option: 'consumers',
          expected: 'names of 1-64 letters, digits, _ . - (starting with a letter or digit)',
          received: describe(name),
        });
      }
    }
  }

  if (issues.length > 0) throw new JournalOptionsError(issues);
  const dir = options.dir;
  return {
    dir: isAbsolute(dir) ? dir : resolve(dir),
    fsync,
    intervalMs,
    segmentBytes,
    maxBytes,
    maxRecordBytes,
    onFull,
    consumers,
    codec: options.codec ?? (bytesCodec as unknown as JournalCodec<T>),
    clock: options.clock ?? systemClock,
    logger: options.logger ?? stderrLogger,
    lockLabel: typeof options.lockLabel === 'string' ? options.lockLabel : undefined,
  };
}
