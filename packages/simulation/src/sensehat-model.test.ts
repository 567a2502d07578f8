import { describe, expect, it } from 'vitest';
import {
  emptySenseHatSimReading,
  SENSEHAT_SIM_COLUMNS,
  SimulatedSenseHat,
  senseHatAt,
  senseHatSite,
} from './sensehat-model.js';

const DAY0 = Date.UTC(2026, 0, 12);
const HOUR = 3_600_000;
type Values = Record<(typeof SENSEHAT_SIM_COLUMNS)[number], number>;

describe('Sense HAT physical model', () => {
  it('is reproducible: the same seed and instant give the same reading', () => {
    const a = { ...senseHatAt(senseHatSite(4), DAY0 + 987_654, emptySenseHatSimReading()) };
    expect(senseHatAt(senseHatSite(4), DAY0 + 987_654, emptySenseHatSimReading())).toEqual(a);
    expect(senseHatAt(senseHatSite(5), DAY0 + 987_654, emptySenseHatSimReading())).not.toEqual(a);
  });

  it('keeps every column plausible for a board at rest, across stations and months', () => {
    const violations: string[] = [];
    const check = (ok: boolean, what: string) => {
      if (!ok && violations.length < 10) violations.push(what);
    };
    for (let seed = 1; seed <= 12; seed++) {
      const site = senseHatSite(seed);
      for (let t = DAY0; t < DAY0 + 90 * 24 * HOUR; t += 11 * HOUR + 7 * 60_000) {
        const v = senseHatAt(site, t, emptySenseHatSimReading()) as Values;
        const at = `seed ${seed} t ${new Date(t).toISOString()}`;
        for (const col of SENSEHAT_SIM_COLUMNS) check(Number.isFinite(v[col]), `${col} finite ${at}`);
        check(v.temperature > 22 && v.temperature < 40, `temperature ${v.temperature} ${at}`);
        check(v.humidity > 5 && v.humidity <= 100, `humidity ${v.humidity} ${at}`);
        check(v.pressure > 980 && v.pressure < 1040, `pressure ${v.pressure} ${at}`);
        const g = Math.hypot(v.accel_x, v.accel_y, v.accel_z);
        check(Math.abs(g - 1) < 0.01, `|g| ${g} ${at}`);
        check(Math.max(Math.abs(v.gyro_x), Math.abs(v.gyro_y), Math.abs(v.gyro_z)) < 0.02, `gyro ${at}`);
        const b = Math.hypot(v.mag_x, v.mag_y, v.mag_z);
        check(b > 40 && b < 58, `|B| ${b} ${at}`);
        check(Math.abs(v.pitch) < 4 && Math.abs(v.roll) < 4, `tilt ${at}`);
        check(v.compass_heading >= 0 && v.compass_heading < 360, `heading ${at}`);
        check(v.yaw > -180 && v.yaw <= 180, `yaw ${at}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('holds the heading within a few degrees of the mounting, drifting slowly', () => {
    const site = senseHatSite(9);
    let maxOff = 0;
    for (let t = DAY0; t < DAY0 + 2 * 24 * HOUR; t += 20 * 60_000) {
      const h = senseHatAt(site, t, emptySenseHatSimReading()).compass_heading as number;
      const off = Math.abs(((h - site.headingDeg + 540) % 360) - 180);
      maxOff = Math.max(maxOff, off);
    }
    expect(maxOff).toBeGreaterThan(0.5);
    expect(maxOff).toBeLessThan(6);
  });

  it('makes the magnetometer agree with the heading (field rotated into the board frame)', () => {
    const site = { ...senseHatSite(3), mountRollDeg: 0, mountPitchDeg: 0, headingDeg: 90 };
    const v = senseHatAt(site, DAY0, emptySenseHatSimReading()) as Values;
    // yaw = -atan2(my, mx) on a level board.
    const yaw = (-Math.atan2(v.mag_y, v.mag_x) * 180) / Math.PI;
    expect(Math.abs(yaw - (v.yaw as number))).toBeLessThan(6);
    expect(v.mag_z).toBeLessThan(-30); // field dips down, Z points up
  });

  it('is warmer in the afternoon than before dawn most days', () => {
    const site = senseHatSite(2);
    const local = -site.longitudeDeg / 15;
    let warmer = 0;
    for (let d = 0; d < 10; d++) {
      const at = (h: number) =>
        senseHatAt(site, DAY0 + d * 24 * HOUR + (h + local) * HOUR, emptySenseHatSimReading())
          .temperature as number;
      if (at(15) > at(5)) warmer++;
    }
    expect(warmer).toBeGreaterThanOrEqual(8);
  });
});

describe('SimulatedSenseHat', () => {
  it('reads at the clock instant, reuses its object and injects seeded faults', async () => {
    let t = DAY0;
    const hat = new SimulatedSenseHat({ seed: 1, now: () => t, faults: { dropout: 0.05, i2cError: 0.05 } });
    expect(hat.columns).toEqual(SENSEHAT_SIM_COLUMNS);
    let nullMag = 0;
    let first: unknown;
    for (let i = 0; i < 1000; i++, t += 5000) {
      const { reading: r } = await hat.read();
      first ??= r;
      if (r.mag_x === null) {
        nullMag++;
        if (r.yaw !== null) throw new Error('yaw without magnetometer');
      }
    }
    expect(first).toBe((await hat.read()).reading);
    expect(hat.errors.lsm9ds1_mag).toBe(nullMag);
    expect(nullMag).toBeGreaterThan(50);
    expect(nullMag).toBeLessThan(160);
    expect(() => new SimulatedSenseHat({ seed: 1, now: Date.now, faults: { i2cError: -1 } })).toThrow(
      /i2cError must be between 0 and 1/,
    );
  });
});
