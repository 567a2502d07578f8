import type { Clock } from '@opensensor/errors';

export type {
  /** @deprecated import `Clock` from `@opensensor/errors`; what a station runs on is a `StationClock`. */
  Clock,
} from '@opensensor/errors';

/**
 * The clock a station runs on: the shared `Clock` that can also wait for a deadline. Time is a
 * parameter: the agent uses the system clock, tests and backfills a simulated one.
 */
export interface StationClock extends Clock {
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

export const systemClock: StationClock = {
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
export class SimulatedClock implements StationClock {
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

/**
 * A step of a {@link PacedClock}'s wall clock, as NTP makes when it corrects a clock that is off by
 * more than it slews: from simulated instant `at` (on the clock's own, unstepped time line, the one
 * its deadlines and monotonic time follow) the wall clock reads `by` ms later (`by` < 0: earlier).
 */
export interface PacedClockStep {
  at: number;
  by: number;
}

/** Where a {@link PacedClock} stands: simulated `simEpoch` was real `realEpoch`, and it runs `speed` times faster. */
export interface PacedClockAnchor {
  speed: number;
  simEpoch: number;
  realEpoch: number;
  /** Steps of its wall clock (default none): `now()` jumps, `monotonic()` and the pacing do not. */
  steps?: readonly PacedClockStep[];
}

/**
 * Simulated time paced by real time, `speed` times faster: simulated instant `t` comes at real time
 * `realEpoch + (t − simEpoch) / speed`. Like {@link SimulatedClock} it moves only to the deadlines
 * someone sleeps until, and to each exactly, so readings fall on their grid however busy the machine
 * is (a late timer makes the readings late in real time, not in simulated time). A simulation runs
 * real processes through weeks in minutes with it, and one restarted with the same anchor continues
 * where the clock would be (its downtime passes at the same speed).
 *
 * With `steps`, the wall clock (`now()`) jumps at the given instants as a system clock does when NTP
 * steps it, while `monotonic()` goes on undisturbed. A sleep then behaves as a timer on the system
 * clock does: it lasts the wall time to its deadline as it was when the sleep began, so after a step
 * forward it ends past the deadline, and after a step back before it.
 */
export class PacedClock implements Clock {
  /** Where the clock stands on its unstepped time line. */
  private current: number;
  readonly speed: number;
  private readonly steps: readonly PacedClockStep[];

  constructor(
    readonly anchor: PacedClockAnchor,
    private readonly realNow: () => number = Date.now,
  ) {
    if (!(anchor.speed > 0)) throw new RangeError(`speed must be positive, received ${anchor.speed}`);
    for (const s of anchor.steps ?? [])
      if (!Number.isFinite(s.at) || !Number.isFinite(s.by))
        throw new RangeError(`a clock step needs a finite instant and size, received ${JSON.stringify(s)}`);
    this.speed = anchor.speed;
    this.steps = [...(anchor.steps ?? [])].sort((a, b) => a.at - b.at);
    this.current = Math.max(anchor.simEpoch, this.simulatedAt(realNow()));
  }

  /** The simulated instant of a real one (on the unstepped time line). */
  simulatedAt(realMs: number): number {
    return this.anchor.simEpoch + (realMs - this.anchor.realEpoch) * this.anchor.speed;
  }

  /** The sum of the steps taken by unstepped instant `t`: what the wall clock reads beyond it. */
  offsetAt(t: number): number {
    let offset = 0;
    for (const s of this.steps) {
      if (s.at > t) break;
      offset += s.by;
    }
    return offset;
  }

  now(): number {
    return this.current + this.offsetAt(this.current);
  }

  /** Simulated ms since the anchor: one time line for every process that shares it, never stepped. */
  monotonic(): number {
    return this.current - this.anchor.simEpoch;
  }

  sleepUntil(deadlineMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      // The unstepped instant at which the wall clock reaches the deadline unless a step intervenes.
      const target = this.current + (deadlineMs - this.now());
      if (signal?.aborted || target <= this.current) return resolve();
      const realAt = this.anchor.realEpoch + (target - this.anchor.simEpoch) / this.anchor.speed;
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          if (target > this.current) this.current = target;
          resolve();
        },
        Math.max(0, realAt - this.realNow()),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
