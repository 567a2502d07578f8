import { describe, expect, it } from 'vitest';
import { Breakout, type BreakoutOptions } from './breakout.js';
import { BREAKOUT_COLUMN_INFO, BREAKOUT_COLUMNS } from './reading.js';
import { createFakeBreakoutBus, type FakeBreakout, type FakeBreakoutOptions } from './testing.js';

function manualTimer() {
  const ticks: Array<() => void> = [];
  let stopped = 0;
  return {
    timer: (tick: () => void) => {
      ticks.push(tick);
      return () => {
        stopped++;
      };
    },
    fire: () => {
      for (const t of ticks) t();
    },
    get started() {
      return ticks.length;
    },
    get stopped() {
      return stopped;
    },
  };
}

function board(fakeOptions: FakeBreakoutOptions = {}, options: Partial<BreakoutOptions> = {}) {
  const fake: FakeBreakout = createFakeBreakoutBus(fakeOptions);
  const warnings: string[] = [];
  const b = new Breakout({
    bus: fake.bus,
    clock: fake.time.clock,
    sleep: fake.time.sleep,
    sgp30EveryMs: 0,
    onWarning: (m) => warnings.push(m),
    ...options,
  });
  return { b, fake, warnings };
}

describe('Breakout facade', () => {
  it('detects the three breakouts with their serial numbers', async () => {
    const { b } = board();
    expect((await b.detect()).map((s) => [s.sensor, s.chip, s.address, s.state, s.detail])).toEqual([
      ['scd4x', 'SCD4x', '0x62', 'ok', 'serial 0xF8969F073BBE'],
      ['sgp30', 'SGP30', '0x58', 'ok', 'serial 0x000001482B3C'],
      ['icp10125', 'ICP-10125', '0x63', 'ok', undefined],
    ]);
  });

  it('returns one reading with every lake column from the reference vectors, pressure in hPa', async () => {
    const { b } = board();
    const sample = await b.read();
    expect(Object.keys(sample.reading)).toEqual([...BREAKOUT_COLUMNS]);
    expect(Object.keys(BREAKOUT_COLUMN_INFO)).toEqual([...BREAKOUT_COLUMNS]);
    const r = sample.reading;
    expect(r.co2).toBe(500);
    expect(r.temperature?.toFixed(4)).toBe('25.0016');
    expect(r.humidity?.toFixed(4)).toBe('37.0010');
    expect([r.eco2, r.tvoc]).toEqual([400, 0]);
    expect(r.pressure).toBeCloseTo(1005.267703138252, 8);
    expect(r.pressure_temperature).toBe(24.998931884765625);
    expect(sample.warmup).toBe(true);
    expect(Object.values(sample.sensors).every((s) => s.state === 'ok')).toBe(true);
    expect(sample.errors).toEqual({ scd4x: 0, sgp30: 0, icp10125: 0 });
  });

  it('cross-compensates: ICP-10125 pressure to the SCD4x, SCD4x humidity to the SGP30', async () => {
    const { b, fake } = board();
    await b.read();
    expect(fake.scd4x?.ambientPressureHpa).toBe(1005);
    // AH(25.0016 °C, 37.001 %RH) ≈ 8.50 g/m³.
    expect((fake.sgp30?.humidityWord ?? 0) / 256).toBeCloseTo(8.5, 1);
    const sets = () => fake.sgp30?.commands.filter((c) => c.command === 0x2061).length;
    await b.read();
    expect(sets()).toBe(1);
  });

  it('stays in warm-up while the SGP30 reports its start values, then leaves it', async () => {
    const { b, fake } = board();
    expect((await b.read()).warmup).toBe(true);
    fake.time.advance(16_000);
    const s = await b.read();
    expect(s.warmup).toBe(false);
    expect([s.reading.eco2, s.reading.tvoc]).toEqual([420, 13]);
  });

  it('measures the SGP30 on its own 1 s cadence and serves the newest result', async () => {
    const t = manualTimer();
    const { b, fake } = board({}, { sgp30EveryMs: 1000, timer: t.timer });
    await b.detect();
    expect(t.started).toBe(1);
    fake.time.advance(16_000);
    t.fire();
    await new Promise((r) => setImmediate(r));
    const before = fake.sgp30?.commands.filter((c) => c.command === 0x2008).length;
    expect(before).toBe(1);
    const s = await b.read();
    expect([s.reading.eco2, s.reading.tvoc]).toEqual([420, 13]);
    // Served from the background measurement: no extra measure command.
    expect(fake.sgp30?.commands.filter((c) => c.command === 0x2008).length).toBe(before);
    await b.close();
    expect(t.stopped).toBe(1);
    // close() stops the SCD4x measurement.
    expect(fake.scd4x?.commands.at(-1)?.command).toBe(0x3f86);
  });

  it('nulls a missing sensor and keeps the others', async () => {
    const { b } = board({ icp10125: false });
    const status = await b.detect();
    expect(status[2]).toMatchObject({ state: 'absent' });
    const s = await b.read();
    expect(s.reading.pressure).toBeNull();
    expect(s.reading.pressure_temperature).toBeNull();
    expect(s.reading.co2).toBe(500);
    expect(s.sensors.icp10125.state).toBe('absent');
    expect(s.errors.icp10125).toBe(0);
  });

  it('counts CRC errors and bus faults per sensor, and recovers', async () => {
    const { b, fake } = board();
    await b.read();
    if (fake.icp10125) fake.icp10125.corruptWords = 1;
    fake.bus.fail(0x58, { code: 'EIO', times: 1 });
    const s = await b.read();
    expect(s.reading.pressure).toBeNull();
    expect(s.sensors.icp10125.error).toMatch(
      /ICP-10125 at 0x63: measuring \(0x6825\): CRC mismatch in word 0/,
    );
    expect(s.reading.eco2).toBeNull();
    expect(s.sensors.sgp30.error).toMatch(/SGP30 at 0x58: I2C error while measuring air quality .*EIO/);
    expect(s.reading.co2).toBe(500);
    const ok = await b.read();
    expect(ok.reading.pressure).not.toBeNull();
    expect(ok.reading.eco2).toBe(400);
    expect(ok.errors).toEqual({ scd4x: 0, sgp30: 1, icp10125: 1 });
  });

  it('marks every sensor absent with the reason when the bus cannot be opened', async () => {
    const b = new Breakout({ busNumber: 250, sgp30EveryMs: 0 });
    const status = await b.detect();
    expect(status.every((s) => s.state === 'absent')).toBe(true);
    expect(status[0]?.detail).toMatch(/no I2C bus: .*i2c/);
    expect(Object.values((await b.read()).reading).every((v) => v === null)).toBe(true);
    await b.close();
  });
});
