/** Time as a parameter: the agent uses the system clock, tests and backfills a simulated one. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves once `now() >= deadlineMs`, or early (without throwing) when `signal` aborts. */
  sleepUntil(deadlineMs: number, signal?: AbortSignal): Promise<void>;
  /**
   * Monotonic ms of this clock's own time line, for a clock that is not the system's (a station uses
   * it to date readings taken before clock sync); absent: the system's monotonic time.
   */
  monotonic?(): number;
  /** Clock ms per real ms, for a clock paced faster than real time (waits measured in real time scale by it); absent: 1. */
  readonly speed?: number;
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

/** Where a {@link PacedClock} stands: simulated `simEpoch` was real `realEpoch`, and it runs `speed` times faster. */
export interface PacedClockAnchor {
  speed: number;
  simEpoch: number;
  realEpoch: number;
}

/**
 * Simulated time paced by real time, `speed` times faster: simulated instant `t` comes at real time
 * `realEpoch + (t − simEpoch) / speed`. Like {@link SimulatedClock} it moves only to the deadlines
 * someone sleeps until, and to each exactly, so readings fall on their grid however busy the machine
 * is (a late timer makes the readings late in real time, not in simulated time). A simulation runs
 * real processes through weeks in minutes with it, and one restarted with the same anchor continues
 * where the clock would be (its downtime passes at the same speed).
 */
export class PacedClock implements Clock {
  private current: number;
  readonly speed: number;

  constructor(
    readonly anchor: PacedClockAnchor,
    private readonly realNow: () => number = Date.now,
  ) {
    if (!(anchor.speed > 0)) throw new RangeError(`speed must be positive, received ${anchor.speed}`);
    this.speed = anchor.speed;
    this.current = Math.max(anchor.simEpoch, this.simulatedAt(realNow()));
  }

  /** The simulated instant of a real one. */
  simulatedAt(realMs: number): number {
    return this.anchor.simEpoch + (realMs - this.anchor.realEpoch) * this.anchor.speed;
  }

  now(): number {
    return this.current;
  }

  /** Simulated ms since the anchor: one time line for every process that shares it. */
  monotonic(): number {
    return this.current - this.anchor.simEpoch;
  }

  sleepUntil(deadlineMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted || deadlineMs <= this.current) return resolve();
      const realAt = this.anchor.realEpoch + (deadlineMs - this.anchor.simEpoch) / this.anchor.speed;
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          if (deadlineMs > this.current) this.current = deadlineMs;
          resolve();
        },
        Math.max(0, realAt - this.realNow()),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
