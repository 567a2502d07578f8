/** Time as a parameter: the agent uses the system clock, tests and backfills a simulated one. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves once `now() >= deadlineMs`, or early (without throwing) when `signal` aborts. */
  sleepUntil(deadlineMs: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleepUntil(deadlineMs, signal) {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const delay = deadlineMs - Date.now();
      if (delay <= 0) return resolve();
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, delay);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

/**
 * A clock that jumps straight to every deadline it is asked to sleep until: a backfill of a day
 * runs as fast as the work allows, with the same code path as real time.
 */
export class SimulatedClock implements Clock {
  constructor(private current: number) {}

  now(): number {
    return this.current;
  }

  sleepUntil(deadlineMs: number): Promise<void> {
    if (deadlineMs > this.current) this.current = deadlineMs;
    return Promise.resolve();
  }

  /** Moves time forward, e.g. to model how long a sensor read takes. */
  advance(ms: number): void {
    this.current += ms;
  }
}
