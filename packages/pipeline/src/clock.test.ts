import { afterEach, describe, expect, it, vi } from 'vitest';
import { PacedClock } from './clock.js';

const SIM = Date.UTC(2026, 10, 1);
const REAL = Date.UTC(2026, 11, 6, 1, 0, 0);

afterEach(() => {
  vi.useRealTimers();
});

describe('PacedClock', () => {
  it('moves to each deadline exactly, when real time reaches it at its speed', async () => {
    vi.useFakeTimers({ now: REAL });
    const clock = new PacedClock({ speed: 600, simEpoch: SIM, realEpoch: REAL });
    expect(clock.now()).toBe(SIM);
    let woke = false;
    const sleeping = clock.sleepUntil(SIM + 60_000).then(() => {
      woke = true;
    });
    await vi.advanceTimersByTimeAsync(99);
    expect(woke).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await sleeping;
    // Exactly the deadline, however late the timer: readings fall on their grid.
    expect(clock.now()).toBe(SIM + 60_000);
    expect(clock.monotonic()).toBe(60_000);
    expect(clock.speed).toBe(600);
  });

  it('a process started later with the same anchor continues where the clock would be', () => {
    vi.useFakeTimers({ now: REAL + 10_000 });
    const clock = new PacedClock({ speed: 600, simEpoch: SIM, realEpoch: REAL });
    expect(clock.now()).toBe(SIM + 6_000_000);
    expect(clock.simulatedAt(REAL + 20_000)).toBe(SIM + 12_000_000);
  });

  it('an aborted sleep resolves without moving the clock', async () => {
    vi.useFakeTimers({ now: REAL });
    const clock = new PacedClock({ speed: 10, simEpoch: SIM, realEpoch: REAL });
    const stop = new AbortController();
    const sleeping = clock.sleepUntil(SIM + 10_000, stop.signal);
    stop.abort();
    await sleeping;
    expect(clock.now()).toBe(SIM);
  });
});
