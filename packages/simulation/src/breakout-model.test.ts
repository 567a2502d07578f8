import { describe, expect, it } from 'vitest';
import {
  BREAKOUT_SIM_COLUMNS,
  breakoutAt,
  breakoutSite,
  emptyBreakoutSimReading,
  occupancyAt,
  roomCo2At,
  SimulatedBreakout,
} from './breakout-model.js';
import { correlation } from './test-support.js';

const MONDAY = Date.UTC(2026, 2, 2); // 2026-03-02 is a Monday
const HOUR = 3_600_000;
type Values = Record<(typeof BREAKOUT_SIM_COLUMNS)[number], number>;

/** Instant of a local hour on day `day` after MONDAY for this site. */
const localAt = (longitudeDeg: number, day: number, hour: number) =>
  MONDAY + day * 24 * HOUR + (hour - longitudeDeg / 15) * HOUR;

describe('Breakout physical model', () => {
  it('is reproducible: the same seed and instant give the same reading', () => {
    const a = { ...breakoutAt(breakoutSite(8), MONDAY + 40_000_000, emptyBreakoutSimReading()) };
    expect(breakoutAt(breakoutSite(8), MONDAY + 40_000_000, emptyBreakoutSimReading())).toEqual(a);
    expect(breakoutAt(breakoutSite(9), MONDAY + 40_000_000, emptyBreakoutSimReading())).not.toEqual(a);
  });

  it('keeps every column plausible (CO₂ 400–2000 ppm) across rooms and weeks', () => {
    const violations: string[] = [];
    const check = (ok: boolean, what: string) => {
      if (!ok && violations.length < 10) violations.push(what);
    };
    for (let seed = 1; seed <= 10; seed++) {
      const site = breakoutSite(seed);
      for (let t = MONDAY; t < MONDAY + 28 * 24 * HOUR; t += 5 * HOUR + 11 * 60_000) {
        const v = breakoutAt(site, t, emptyBreakoutSimReading()) as Values;
        const at = `seed ${seed} t ${new Date(t).toISOString()}`;
        for (const col of BREAKOUT_SIM_COLUMNS)
          check(Number.isInteger(v[col]) || Number.isFinite(v[col]), `${col} ${at}`);
        check(v.co2 >= 400 && v.co2 <= 2000, `co2 ${v.co2} ${at}`);
        check(v.eco2 >= 400 && v.eco2 <= 60000, `eco2 ${v.eco2} ${at}`);
        check(v.tvoc >= 0 && v.tvoc <= 60000, `tvoc ${v.tvoc} ${at}`);
        check(v.temperature > 17 && v.temperature < 28, `temperature ${v.temperature} ${at}`);
        check(v.humidity >= 15 && v.humidity <= 95, `humidity ${v.humidity} ${at}`);
        check(v.pressure > 980 && v.pressure < 1040, `pressure ${v.pressure} ${at}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('raises CO₂ with occupancy on working days and lets it decay overnight', () => {
    const site = { ...breakoutSite(21), maxOccupants: 4 };
    const lon = site.longitudeDeg;
    let higher = 0;
    for (let day = 0; day < 5; day++) {
      const afternoon = roomCo2At(site, localAt(lon, day, 16));
      const night = roomCo2At(site, localAt(lon, day + 1, 6));
      if (afternoon > night + 200) higher++;
      expect(night).toBeLessThan(site.outdoorCo2 + 150);
    }
    expect(higher).toBeGreaterThanOrEqual(4);
    // Saturday has (almost) nobody.
    expect(roomCo2At(site, localAt(lon, 5, 15))).toBeLessThan(site.outdoorCo2 + 150);
    expect(occupancyAt(site, Math.floor(localAt(lon, 2, 10) / (15 * 60_000)))).toBeGreaterThan(0);
  });

  it('changes CO₂ smoothly (mass balance, not jumps) and correlates eCO₂ with it', () => {
    const site = breakoutSite(5);
    const co2: number[] = [];
    const eco2: number[] = [];
    let maxStep = 0;
    for (let t = MONDAY; t < MONDAY + 3 * 24 * HOUR; t += 5 * 60_000) {
      const v = breakoutAt(site, t, emptyBreakoutSimReading()) as Values;
      if (co2.length > 0) maxStep = Math.max(maxStep, Math.abs(v.co2 - (co2.at(-1) as number)));
      co2.push(v.co2);
      eco2.push(v.eco2);
    }
    expect(maxStep).toBeLessThan(150);
    expect(correlation(co2, eco2)).toBeGreaterThan(0.6);
    expect(Math.max(...co2) - Math.min(...co2)).toBeGreaterThan(300);
  });
});

describe('SimulatedBreakout', () => {
  it('reads at the clock instant and nulls the failing sensor’s columns', async () => {
    let t = MONDAY;
    const board = new SimulatedBreakout({ seed: 2, now: () => t, faults: { dropout: 0.1 } });
    expect(board.columns).toEqual(BREAKOUT_SIM_COLUMNS);
    let nullScd = 0;
    for (let i = 0; i < 1000; i++, t += 5000) {
      const { reading: r } = await board.read();
      if (r.co2 === null) {
        nullScd++;
        if (r.temperature !== null || r.humidity !== null) throw new Error('partial SCD4x columns');
      }
    }
    expect(board.errors.scd4x).toBe(nullScd);
    expect(nullScd).toBeGreaterThan(60);
    expect(nullScd).toBeLessThan(150);
  });
});
