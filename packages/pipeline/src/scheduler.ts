import type { StationClock } from './clock.js';

export interface ScheduleOptions {
  clock: StationClock;
  intervalMs: number;
  /** First deadline; defaults to the next multiple of the interval (readings land on :00, :05, …). */
  startAt?: number;
  /** Stop after this deadline (inclusive); used by backfills. */
  endAt?: number;
  signal?: AbortSignal;
  /** Runs once per deadline; the next deadline does not depend on how long this took. */
  onTick: (deadline: number) => Promise<void> | void;
  /** Called when ticks were skipped because a tick ran past one or more later deadlines. */
  onOverrun?: (missed: number, deadline: number) => void;
}

export interface ScheduleResult {
  ticks: number;
  overruns: number;
  /** Times the wall clock was found to have jumped (back, or forward by more than a minute) and the grid was re-anchored. */
  clockJumps: number;
}

/**
 * Drift-free periodic loop: deadline k is `startAt + k * intervalMs`, not "sleep after work", so a
 * slow read never shifts the cadence. A tick that overruns later deadlines skips them (counted) and
 * the loop continues on the original grid.
 */
export async function runSchedule(options: ScheduleOptions): Promise<ScheduleResult> {
  const { clock, intervalMs, signal } = options;
  if (!(intervalMs > 0) || !Number.isFinite(intervalMs)) {
    throw new RangeError(`intervalMs must be a positive number of milliseconds, got ${intervalMs}`);
  }
  let start = options.startAt ?? Math.ceil(clock.now() / intervalMs) * intervalMs;
  let k = 0;
  let ticks = 0;
  let overruns = 0;
  let clockJumps = 0;
  while (!signal?.aborted) {
    let deadline = start + k * intervalMs;
    if (options.endAt !== undefined && deadline > options.endAt) break;
    // The next deadline is never more than one interval away unless the wall clock jumped back
    // (NTP correcting a fast clock): then sleeping until it would stop reading for as long as the
    // jump. Re-anchor the grid on the new time instead.
    if (k > 0 && deadline - clock.now() > intervalMs) {
      start = Math.ceil(clock.now() / intervalMs) * intervalMs;
      k = 0;
      deadline = start;
      clockJumps++;
    }
    await clock.sleepUntil(deadline, signal);
    if (signal?.aborted) break;
    await options.onTick(deadline);
    ticks++;
    const now = clock.now();
    // Far past the deadline: not a slow tick but the wall clock stepping forward (NTP after a boot
    // without RTC). Re-anchor on the new time instead of counting years of "skipped" deadlines.
    if (now - deadline > Math.max(10 * intervalMs, 60_000)) {
      start = Math.ceil(now / intervalMs) * intervalMs;
      k = 0;
      clockJumps++;
      continue;
    }
    // The next deadline is the first grid point strictly after both this one and now.
    const next = Math.max(k + 1, Math.floor((now - start) / intervalMs) + 1);
    const missed = next - (k + 1);
    if (missed > 0) {
      overruns += missed;
      options.onOverrun?.(missed, deadline);
    }
    k = next;
  }
  return { ticks, overruns, clockJumps };
}
