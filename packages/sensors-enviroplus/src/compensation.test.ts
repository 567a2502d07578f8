import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CPU_TEMPERATURE_FALLBACK,
  correctHumidity,
  parseThermalZone,
  sysfsCpuTemperature,
  TemperatureCompensator,
} from './compensation.js';
import { createFakeThermalZone } from './testing.js';

describe('TemperatureCompensator', () => {
  it('matches the reference vector: CPU history 50..54, raw 30 °C / 40 % -> 20.222222 °C / 88.888889 %', () => {
    const c = new TemperatureCompensator();
    // Seed with 50 so the history becomes [50, 51, 52, 53, 54] after four more readings.
    c.addCpuTemperature(50);
    for (const cpu of [51, 52, 53]) c.addCpuTemperature(cpu);
    const r = c.compensate(30, 40, 54);
    expect(r.temperature.toFixed(6)).toBe('20.222222');
    expect(r.humidity.toFixed(6)).toBe('88.888889');
  });

  it('seeds the 5-sample history with the first reading: 48, 49, 50 -> average 48.6 -> 14.511111 °C', () => {
    const c = new TemperatureCompensator();
    c.compensate(25, 50, 48);
    c.compensate(25, 50, 49);
    expect(c.compensate(25, 50, 50).temperature.toFixed(6)).toBe('14.511111');
  });

  it('forgets readings older than five samples', () => {
    const c = new TemperatureCompensator();
    c.addCpuTemperature(100);
    for (let i = 0; i < 4; i++) c.addCpuTemperature(50);
    expect(c.addCpuTemperature(50)).toBe(50);
  });

  it('honours another factor and rejects a non-positive one', () => {
    expect(new TemperatureCompensator({ factor: 1 }).compensate(30, 40, 52).temperature).toBe(8);
    expect(() => new TemperatureCompensator({ factor: 0 })).toThrow(/factor must be > 0/);
    expect(() => new TemperatureCompensator({ history: 0 })).toThrow(/positive integer/);
  });

  it('clamps corrected humidity to 0..100', () => {
    expect(correctHumidity(30, 40, 10)).toBe(100);
    expect(correctHumidity(30, 10, 60)).toBe(0);
    expect(correctHumidity(30, 40, 20.222222222222221)).toBeCloseTo(88.888889, 6);
  });
});

describe('CPU temperature', () => {
  it('parses sysfs millidegrees', () => {
    expect(parseThermalZone('52000\n')).toBe(52);
    expect(parseThermalZone('48312')).toBe(48.312);
    expect(() => parseThermalZone('hot')).toThrow(/millidegree/);
  });

  it('reads an injected thermal-zone path', async () => {
    const zone = await createFakeThermalZone(52.6);
    const source = sysfsCpuTemperature(zone.path);
    expect(await source()).toBe(52.6);
    await zone.set(61);
    expect(await source()).toBe(61);
  });

  it('falls back to 40.0 °C like the reference when the file is missing or unreadable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opensensor-cpu-'));
    expect(await sysfsCpuTemperature(join(dir, 'missing'))()).toBe(CPU_TEMPERATURE_FALLBACK);
    await writeFile(join(dir, 'garbage'), 'n/a\n');
    expect(await sysfsCpuTemperature(join(dir, 'garbage'))()).toBe(40);
    await expect(sysfsCpuTemperature(join(dir, 'missing'), { fallback: null })()).rejects.toThrow(/ENOENT/);
  });
});
