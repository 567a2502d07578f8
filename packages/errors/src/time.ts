/**
 * Wall-clock time in milliseconds since the Unix epoch. Every package that reads the time takes one,
 * so tests run a week in milliseconds and the simulator backfills. A package that needs more of its
 * clock (timers, waiting for a deadline) extends this interface rather than declaring another.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

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
