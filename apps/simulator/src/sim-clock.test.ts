import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClockStepsError, pacedClockFor, parseClockSteps } from './sim-clock.js';

const HOUR = 3_600_000;
const REAL = Date.UTC(2026, 11, 6, 1, 0, 0);
const dirs: string[] = [];
const anchorFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'os-sim-clock-'));
  dirs.push(dir);
  return join(dir, 'sim', 'sim-clock.json');
};

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('parseClockSteps', () => {
  it('reads after=by pairs with units, sorted by when they happen', () => {
    expect(parseClockSteps('6d=-45m,36h=+2h,90s=500ms')).toEqual([
      { afterMs: 90_000, byMs: 500 },
      { afterMs: 36 * HOUR, byMs: 2 * HOUR },
      { afterMs: 6 * 24 * HOUR, byMs: -45 * 60_000 },
    ]);
    expect(parseClockSteps('1.5h=-0.5d')).toEqual([{ afterMs: 1.5 * HOUR, byMs: -12 * HOUR }]);
  });

  it.each(['', '36h', '36h=', '-1h=+1h', '36=+2h', '36h=+2x', '36h=0s', '1h=1h=1h', '0x10h=1h'])(
    'refuses %j, naming the part',
    (spec) => {
      expect(() => parseClockSteps(spec)).toThrow(ClockStepsError);
    },
  );
});

describe('pacedClockFor with clock steps', () => {
  it('counts the steps from the first start and keeps them across restarts, with or without the option, and across a new speed', async () => {
    const file = anchorFile();
    const steps = parseClockSteps('1h=+2h,3h=-30m');
    const first = await pacedClockFor(file, 3600, REAL, steps);
    expect(first.anchor.steps).toEqual([
      { at: REAL + HOUR, by: 2 * HOUR },
      { at: REAL + 3 * HOUR, by: -30 * 60_000 },
    ]);
    expect(JSON.parse(readFileSync(file, 'utf8')).origin).toBe(REAL);

    // Restarted two real seconds later (two simulated hours): stepped forward, not yet back.
    const again = await pacedClockFor(file, 3600, REAL + 2000);
    expect(again.anchor.steps).toEqual(first.anchor.steps);
    expect(again.offsetAt(again.simulatedAt(REAL + 2000))).toBe(2 * HOUR);

    // Another speed re-anchors where the clock stands; the steps stay where they were on its time line.
    const faster = await pacedClockFor(file, 7200, REAL + 2000, steps);
    expect(faster.anchor.simEpoch).toBe(REAL + 2 * HOUR);
    expect(faster.anchor.steps).toEqual(first.anchor.steps);
    expect(faster.offsetAt(faster.simulatedAt(REAL + 2500))).toBe(HOUR + 30 * 60_000);

    // A new schedule, still counted from the first start; an empty one clears it.
    const replaced = await pacedClockFor(file, 7200, REAL + 3000, parseClockSteps('10h=+1m'));
    expect(replaced.anchor.steps).toEqual([{ at: REAL + 10 * HOUR, by: 60_000 }]);
    const cleared = await pacedClockFor(file, 7200, REAL + 3000, []);
    expect(cleared.anchor.steps).toBeUndefined();
  });

  it('an anchor written before steps existed (no origin) counts them from its epoch', async () => {
    const file = anchorFile();
    await pacedClockFor(file, 600, REAL);
    writeFileSync(file, JSON.stringify({ speed: 600, simEpoch: REAL, realEpoch: REAL }));
    const clock = await pacedClockFor(file, 600, REAL + 1000, parseClockSteps('1h=+1h'));
    expect(clock.anchor.steps).toEqual([{ at: REAL + HOUR, by: HOUR }]);
  });
});
