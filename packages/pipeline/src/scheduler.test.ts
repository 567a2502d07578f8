import { describe, expect, it } from 'vitest';
import { SimulatedClock } from './clock.js';
import { runSchedule } from './scheduler.js';

describe('runSchedule', () => {
  it('ticks on an absolute grid aligned to the interval', async () => {
    const clock = new SimulatedClock(Date.UTC(2026, 0, 1, 0, 0, 3, 250));
    const deadlines: number[] = [];
    const res = await runSchedule({
      clock,
      intervalMs: 5000,
      endAt: Date.UTC(2026, 0, 1, 0, 0, 30),
      onTick: (d) => {
        deadlines.push(d);
        clock.advance(1200); // every read takes 1.2 s: the grid must not drift
      },
    });
    expect(deadlines.map((d) => new Date(d).toISOString().slice(17, 23))).toEqual([
      '05.000',
      '10.000',
      '15.000',
      '20.000',
      '25.000',
      '30.000',
    ]);
    expect(res).toEqual({ ticks: 6, overruns: 0, clockJumps: 0 });
  });

  it('skips and counts deadlines that a slow tick ran past, then keeps the grid', async () => {
    const clock = new SimulatedClock(0);
    const deadlines: number[] = [];
    const overruns: number[] = [];
    await runSchedule({
      clock,
      intervalMs: 1000,
      startAt: 0,
      endAt: 6000,
      onTick: (d) => {
        deadlines.push(d);
        if (d === 1000) clock.advance(2500); // runs past 2000 and 3000
      },
      onOverrun: (missed) => overruns.push(missed),
    });
    expect(deadlines).toEqual([0, 1000, 4000, 5000, 6000]);
    expect(overruns).toEqual([2]);
  });

  it('a tick that ends exactly on the next deadline does not skip it', async () => {
    const clock = new SimulatedClock(0);
    const deadlines: number[] = [];
    const res = await runSchedule({
      clock,
      intervalMs: 1000,
      startAt: 0,
      endAt: 3000,
      onTick: (d) => {
        deadlines.push(d);
        clock.advance(999);
      },
    });
    expect(deadlines).toEqual([0, 1000, 2000, 3000]);
    expect(res.overruns).toBe(0);
  });

  it('stops promptly when aborted, even while sleeping on the real clock', async () => {
    const { systemClock } = await import('./clock.js');
    const controller = new AbortController();
    let ticks = 0;
    const done = runSchedule({
      clock: systemClock,
      intervalMs: 60_000,
      startAt: Date.now(),
      signal: controller.signal,
      onTick: () => {
        ticks++;
      },
    });
    setTimeout(() => controller.abort(), 20);
    expect(await done).toEqual({ ticks: 1, overruns: 0, clockJumps: 0 });
    expect(ticks).toBe(1);
  });

  it('re-anchors the grid when the wall clock jumps back, instead of sleeping through the jump', async () => {
    const clock = new SimulatedClock(10 * 3_600_000);
    const deadlines: number[] = [];
    const res = await runSchedule({
      clock,
      intervalMs: 5000,
      startAt: 10 * 3_600_000,
      endAt: 10 * 3_600_000 + 20_000,
      onTick: (d) => {
        deadlines.push(d);
        if (deadlines.length === 2)
          clock.advance(-3_600_000); // NTP moves the clock back one hour
        else clock.advance(10);
      },
    });
    // After the jump (10:00:05 → 9:00:05) readings continue on the interval from the new time.
    expect(deadlines.slice(0, 2)).toEqual([36_000_000, 36_005_000]);
    expect(deadlines[2]).toBe(32_405_000);
    expect(deadlines[3]).toBe(32_410_000);
    expect(res.clockJumps).toBe(1);
  });

  it('treats a forward step of the clock (NTP after a 1970 boot) as a jump, not as skipped deadlines', async () => {
    const clock = new SimulatedClock(60_000);
    const deadlines: number[] = [];
    const SYNC = Date.UTC(2026, 10, 27, 10, 0, 0);
    const res = await runSchedule({
      clock,
      intervalMs: 5000,
      startAt: 60_000,
      endAt: SYNC + 10_000,
      onTick: (d) => {
        deadlines.push(d);
        if (deadlines.length === 2) clock.advance(SYNC - clock.now());
      },
    });
    expect(deadlines).toEqual([60_000, 65_000, SYNC, SYNC + 5000, SYNC + 10_000]);
    expect(res).toEqual({ ticks: 5, overruns: 0, clockJumps: 1 });
  });

  it('rejects a non-positive interval', async () => {
    await expect(
      runSchedule({ clock: new SimulatedClock(0), intervalMs: 0, onTick: () => {} }),
    ).rejects.toThrow(/intervalMs must be a positive number/);
  });
});
