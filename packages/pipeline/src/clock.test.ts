import { afterEach, describe, expect, it, vi } from 'vitest';
import { PacedClock } from './clock.js';

const SIM = Date.UTC(2026, 10, 1);
const REAL = Date.UTC(2026, 11, 6, 1, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

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

  it('a step forward moves the wall clock, not its monotonic time; a sleep across it ends past its deadline', async () => {
    vi.useFakeTimers({ now: REAL });
    const clock = new PacedClock({
      speed: 3600,
      simEpoch: SIM,
      realEpoch: REAL,
      steps: [{ at: SIM + 30 * MINUTE, by: 2 * HOUR }],
    });
    expect(clock.offsetAt(SIM + 30 * MINUTE - 1)).toBe(0);
    expect(clock.offsetAt(SIM + 30 * MINUTE)).toBe(2 * HOUR);
    // A sleep of a wall hour, begun before the step: it lasts an hour of the clock's own time (one
    // real second at this speed), and ends with the wall clock two hours further.
    let woke = false;
    const sleeping = clock.sleepUntil(SIM + HOUR).then(() => {
      woke = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(woke).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await sleeping;
    expect(clock.now()).toBe(SIM + 3 * HOUR);
    expect(clock.monotonic()).toBe(HOUR);
    // After the step, deadlines are on the stepped wall clock.
    await Promise.all([clock.sleepUntil(SIM + 4 * HOUR), vi.advanceTimersByTimeAsync(1000)]);
    expect(clock.now()).toBe(SIM + 4 * HOUR);
    expect(clock.monotonic()).toBe(2 * HOUR);
  });

  it('a step back makes a sleep across it end while the wall clock is still before its deadline', async () => {
    vi.useFakeTimers({ now: REAL });
    const clock = new PacedClock({
      speed: 3600,
      simEpoch: SIM,
      realEpoch: REAL,
      steps: [{ at: SIM + 30 * MINUTE, by: -45 * MINUTE }],
    });
    await Promise.all([clock.sleepUntil(SIM + HOUR), vi.advanceTimersByTimeAsync(1000)]);
    expect(clock.monotonic()).toBe(HOUR);
    expect(clock.now()).toBe(SIM + 15 * MINUTE);
  });

  it('a process started after a step reads the stepped wall clock at once', () => {
    vi.useFakeTimers({ now: REAL + 10_000 });
    const clock = new PacedClock({
      speed: 600,
      simEpoch: SIM,
      realEpoch: REAL,
      steps: [{ at: SIM + 60_000, by: -30_000 }],
    });
    expect(clock.monotonic()).toBe(6_000_000);
    expect(clock.now()).toBe(SIM + 6_000_000 - 30_000);
  });

  it('refuses a step that is not a finite instant and size', () => {
    expect(
      () =>
        new PacedClock({ speed: 1, simEpoch: SIM, realEpoch: REAL, steps: [{ at: SIM, by: Number.NaN }] }),
    ).toThrow(RangeError);
  });
});
