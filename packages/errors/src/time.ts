/**
 * Wall-clock time in milliseconds since the Unix epoch. Every package that reads the time takes one,
 * so tests run a week in milliseconds and the simulator backfills. A package that needs more of its
 * clock (timers, waiting for a deadline) extends this interface rather than declaring another.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/**
 * `new Date(ms).toISOString()`, the same string for every time from year 0 to 9999, built from the
 * UTC fields. The agent formats times all day long; on Node 20, V8's own ISO formatting pages in
 * about 0.8 MB of ICU time-zone data that an agent working in UTC never needs (measured, issue 14).
 * Throws a `RangeError` for a time that is not a number of milliseconds, as `toISOString` does.
 */
export function isoTime(ms: number): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) return d.toISOString();
  const milli = d.getUTCMilliseconds();
  const y = year < 1000 ? `${year + 10000}`.slice(1) : `${year}`;
  return `${y}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

/**
 * Waits `ms` milliseconds (none when `ms` is not positive). When `signal` aborts first, the promise
 * rejects with the signal's reason, so an aborted retry loop stops where it waits.
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** A `Sleep` on real timers. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
