import { describe, expect, it } from 'vitest';
import { ENVIROPLUS_SIM_COLUMNS, emptySimReading, enviroplusAt, siteClimate } from './enviroplus-model.js';
import { SimulatedEnviroplus } from './simulated-enviroplus.js';
import { correlation } from './test-support.js';

const DAY0 = Date.UTC(2026, 5, 15); // mid-June
const HOUR = 3_600_000;

function series(seed: number, from: number, hours: number, stepMs = 60_000) {
  const c = siteClimate(seed);
  const out: ReturnType<typeof emptySimReading>[] = [];
  for (let t = from; t < from + hours * HOUR; t += stepMs)
    out.push({ ...enviroplusAt(c, t, emptySimReading()) });
  return out;
}

describe('Enviro+ physical model', () => {
  it('is reproducible: the same seed and instant give the same reading', () => {
    const c = siteClimate(42);
    const a = { ...enviroplusAt(c, DAY0 + 12345678, emptySimReading()) };
    const b = { ...enviroplusAt(siteClimate(42), DAY0 + 12345678, emptySimReading()) };
    expect(a).toEqual(b);
    expect(enviroplusAt(siteClimate(43), DAY0 + 12345678, emptySimReading())).not.toEqual(a);
  });

  it('keeps every column in a physically plausible range over a year of stations', () => {
    const violations: string[] = [];
    const check = (ok: boolean, what: string) => {
      if (!ok && violations.length < 10) violations.push(what);
    };
    for (let seed = 1; seed <= 20; seed++) {
      const c = siteClimate(seed);
      for (let t = DAY0 - 180 * 24 * HOUR; t < DAY0 + 180 * 24 * HOUR; t += 7 * HOUR + 13 * 60_000) {
        const r = enviroplusAt(c, t, emptySimReading());
        const at = `seed ${seed} t ${new Date(t).toISOString()}`;
        for (const col of ENVIROPLUS_SIM_COLUMNS) check(Number.isFinite(r[col]), `${col} finite ${at}`);
        const v = r as Record<(typeof ENVIROPLUS_SIM_COLUMNS)[number], number>;
        check(v.temperature > -30 && v.temperature < 45, `temperature ${v.temperature} ${at}`);
        check(v.raw_temperature > v.temperature, `raw_temperature ${at}`);
        check(v.humidity >= 8 && v.humidity <= 100, `humidity ${v.humidity} ${at}`);
        check(v.raw_humidity < v.humidity, `raw_humidity ${at}`);
        check(v.pressure > 960 && v.pressure < 1050, `pressure ${v.pressure} ${at}`);
        check(v.lux >= 0, `lux ${at}`);
        check(v.pm10 >= v.pm25 && v.pm25 >= 0, `pm ${at}`);
        check(v.oxidised > 0 && v.reducing > 0 && v.nh3 > 0, `gas ${at}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('has a diurnal cycle: warmer in the afternoon, dark at night, bright at noon', () => {
    const c = siteClimate(7);
    const localOffset = -c.longitudeDeg / 15;
    const at = (day: number, localHour: number) =>
      enviroplusAt(c, DAY0 + day * 24 * HOUR + (localHour + localOffset) * HOUR, emptySimReading());
    let warmer = 0;
    for (let day = 0; day < 10; day++) {
      if ((at(day, 15).temperature as number) > (at(day, 5).temperature as number)) warmer++;
      expect(at(day, 1).lux).toBeLessThan(5);
      expect(at(day, 12).lux).toBeGreaterThan(1000);
    }
    expect(warmer).toBeGreaterThanOrEqual(8);
  });

  it('anti-correlates humidity with temperature', () => {
    const s = series(11, DAY0, 72, 5 * 60_000);
    const r = correlation(
      s.map((x) => x.temperature as number),
      s.map((x) => x.humidity as number),
    );
    expect(r).toBeLessThan(-0.3);
  });

  it('changes pressure slowly (fronts), not by jumps', () => {
    const s = series(5, DAY0, 48, 5000);
    let maxStep = 0;
    for (let i = 1; i < s.length; i++)
      maxStep = Math.max(maxStep, Math.abs((s[i]?.pressure as number) - (s[i - 1]?.pressure as number)));
    expect(maxStep).toBeLessThan(0.5);
  });

  it('produces PM episodes well above the background on some days', () => {
    const s = series(3, DAY0, 24 * 14, 5 * 60_000);
    const pm = s.map((x) => x.pm25 as number).sort((a, b) => a - b);
    const median = pm[Math.floor(pm.length / 2)] as number;
    const max = pm[pm.length - 1] as number;
    expect(max).toBeGreaterThan(median + 10);
  });
});

describe('SimulatedEnviroplus', () => {
  it('reads at the clock instant and reuses its reading object', async () => {
    let t = DAY0;
    const board = new SimulatedEnviroplus({ seed: 9, now: () => t });
    const first = await board.read();
    const temp = first.reading.temperature;
    expect(first.timestamp).toBe(DAY0);
    t += 3 * HOUR;
    const second = await board.read();
    expect(second).toBe(first);
    expect(second.reading).toBe(first.reading);
    expect(second.reading.temperature).not.toBe(temp);
    expect(second.timestamp).toBe(DAY0 + 3 * HOUR);
  });

  it('injects seeded faults: nulls for the failed sensor and counted errors', async () => {
    let t = DAY0;
    const board = new SimulatedEnviroplus({
      seed: 1,
      now: () => t,
      faults: { dropout: 0.1, i2cError: 0.05, pmsGarbage: 0.2 },
    });
    let nullBme = 0;
    for (let i = 0; i < 2000; i++, t += 5000) {
      const { reading: r, sensors, errors } = await board.read();
      expect(sensors.bme280.state).toBe(r.temperature === null ? 'error' : 'ok');
      if (r.temperature === null) {
        nullBme++;
        expect(r.pressure).toBeNull();
        expect(r.humidity).toBeNull();
      }
      expect(errors.bme280).toBe(nullBme);
    }
    expect(board.errors.bme280).toBe(nullBme);
    expect(nullBme).toBeGreaterThan(150);
    expect(nullBme).toBeLessThan(450);
    expect(board.pms5003GarbageFrames).toBeGreaterThan(250);
    expect(Object.keys(board.errors)).toEqual(['bme280', 'ltr559', 'gas', 'pms5003']);
  });

  it('rejects a fault probability outside 0..1', () => {
    expect(() => new SimulatedEnviroplus({ seed: 1, now: Date.now, faults: { dropout: 1.5 } })).toThrow(
      /dropout must be between 0 and 1/,
    );
  });
});
