import { WindowError } from './errors.js';

/** Hive partition values of a window, zero-padded exactly as they appear in the path. */
export interface PartitionKey {
  readonly year: string;
  readonly month: string;
  readonly day: string;
}

/**
 * One clock-aligned batch window, [start, end) in epoch milliseconds, UTC.
 * The partition is the day the window starts in; `hhmm` is the window end, so the last window of a day
 * (…–24:00) is `0000` in that same day's folder and no file ever holds readings of two days.
 */
export interface LakeWindow {
  readonly start: number;
  readonly end: number;
  readonly durationSec: number;
  readonly partition: PartitionKey;
  readonly hhmm: string;
  /** `data_<hhmm>.parquet`; health files use `hivePath({ prefix: 'health' })`. */
  readonly fileName: string;
}

/** Batch durations the lake supports: whole minutes that divide an hour (so windows align to :00). */
export const BATCH_DURATIONS_SEC: readonly number[] = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60].map(
  (m) => m * 60,
);

export function assertBatchDuration(batchDurationSec: number): void {
  if (!BATCH_DURATIONS_SEC.includes(batchDurationSec)) {
    throw new WindowError(
      `batch duration ${String(batchDurationSec)} s is not supported: use whole minutes that divide an hour, one of ${BATCH_DURATIONS_SEC.join(', ')} s (default 900)`,
    );
  }
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** The window that contains `timestampMs`, aligned to the UTC clock. */
export function windowOf(timestampMs: number, batchDurationSec: number): LakeWindow {
  assertBatchDuration(batchDurationSec);
  if (!Number.isFinite(timestampMs)) {
    throw new WindowError(`timestamp ${String(timestampMs)} is not a finite number of epoch milliseconds`);
  }
  const durationMs = batchDurationSec * 1000;
  // Epoch milliseconds have no leap seconds and the epoch is on an hour boundary, so aligning to the
  // epoch is aligning to the UTC clock.
  const start = Math.floor(timestampMs / durationMs) * durationMs;
  const end = start + durationMs;
  const s = new Date(start);
  const year = s.getUTCFullYear();
  if (year < 1 || year > 9999) {
    throw new WindowError(`timestamp ${timestampMs} is outside years 0001-9999 and has no lake partition`);
  }
  const e = new Date(end);
  const hhmm = pad(e.getUTCHours(), 2) + pad(e.getUTCMinutes(), 2);
  return Object.freeze({
    start,
    end,
    durationSec: batchDurationSec,
    partition: Object.freeze({
      year: pad(year, 4),
      month: pad(s.getUTCMonth() + 1, 2),
      day: pad(s.getUTCDate(), 2),
    }),
    hhmm,
    fileName: `data_${hhmm}.parquet`,
  });
}

/** The window that follows `window` (possibly in the next day's partition). */
export function nextWindow(window: LakeWindow): LakeWindow {
  return windowOf(window.end, window.durationSec);
}
