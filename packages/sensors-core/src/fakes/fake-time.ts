import type { Clock, Sleep } from '@opensensor/errors';

/** A clock and a sleep that advances it at once, shared by drivers and fakes. */
export interface FakeTime {
  clock: Clock;
  sleep: Sleep;
  /** Every sleep requested, ms. */
  readonly sleeps: number[];
  advance(ms: number): void;
}

export function createFakeTime(startMs = 1_764_000_000_000): FakeTime {
  let now = startMs;
  const sleeps: number[] = [];
  return {
    clock: { now: () => now },
    sleeps,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}
