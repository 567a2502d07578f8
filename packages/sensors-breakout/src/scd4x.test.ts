import { describe, expect, it } from 'vitest';
import {
  decodeScd4xMeasurement,
  SCD4x,
  scd4xDataReady,
  scd4xSerialNumber,
  scd4xTemperatureOffsetWord,
} from './scd4x.js';
import { createFakeTime, FakeCommandI2cBus, FakeScd4x } from './testing.js';

function setup(options: { running?: boolean } = {}) {
  const time = createFakeTime();
  const bus = new FakeCommandI2cBus();
  const chip = bus.attach(0x62, new FakeScd4x(time.clock, options));
  return { time, bus, chip };
}

describe('SCD4x conversions (reference vectors)', () => {
  it('S-1: 500 ppm, 25.00 °C, 37.00 %RH', () => {
    const r = decodeScd4xMeasurement([0x01f4, 0x6667, 0x5eb9]);
    expect(r.co2).toBe(500);
    expect(r.temperature.toFixed(4)).toBe('25.0016');
    expect(r.humidity.toFixed(4)).toBe('37.0010');
  });

  it('S-2, S-4, S-5, S-6', () => {
    expect(scd4xSerialNumber([0xf896, 0x9f07, 0x3bbe])).toBe(0xf8969f073bbe);
    expect(scd4xTemperatureOffsetWord(5.4)).toBe(0x07e6);
    expect(((175 * 0x0912) / 65536).toFixed(4)).toBe('6.2004');
    expect([scd4xDataReady(0x8006), scd4xDataReady(0x8000)]).toEqual([true, false]);
    const t = (w: number) => decodeScd4xMeasurement([0, w, 0]).temperature;
    expect([t(0x0000), t(0x8000), t(0xffff).toFixed(4)]).toEqual([-45, 42.5, '129.9973']);
  });
});

describe('SCD4x driver', () => {
  it('stops, reads the serial, starts, and waits for the first measurement', async () => {
    const { time, bus, chip } = setup();
    const scd = new SCD4x(bus, {
      clock: time.clock,
      sleep: time.sleep,
      temperatureOffset: 5.4,
      altitude: 1950,
    });
    await scd.init();
    expect(chip.commands.map((c) => c.command)).toEqual([0x3f86, 0x3682, 0x241d, 0x2427, 0x21b1]);
    expect(time.sleeps.slice(0, 2)).toEqual([500, 1]);
    expect(scd.serialNumber).toBe(0xf8969f073bbe);
    expect(chip.temperatureOffsetWord).toBe(0x07e6);
    expect(chip.altitude).toBe(0x079e);
    const r = await scd.read();
    expect(r.co2).toBe(500);
    expect(r.temperature.toFixed(2)).toBe('25.00');
    // The first result arrives one 5 s period after start; it was polled every 100 ms.
    expect(time.sleeps.filter((ms) => ms === 100).length).toBe(50);
  });

  it('reuses a recent measurement while the next is not ready, then reads the new one', async () => {
    const { time, bus, chip } = setup();
    const scd = new SCD4x(bus, { clock: time.clock, sleep: time.sleep });
    await scd.init();
    await scd.read();
    chip.setMeasurement(812, 21.5, 48);
    time.advance(1000);
    expect((await scd.read()).co2).toBe(500);
    time.advance(4000);
    const r = await scd.read();
    expect(r.co2).toBe(812);
    expect(r.temperature).toBeCloseTo(21.5, 2);
    expect(r.humidity).toBeCloseTo(48, 2);
  });

  it('recovers a sensor left measuring by a previous run (it refuses other commands until stopped)', async () => {
    const { time, bus } = setup({ running: true });
    const scd = new SCD4x(bus, { clock: time.clock, sleep: time.sleep });
    await scd.init();
    expect((await scd.read()).co2).toBe(500);
  });

  it('fails on the real chip when a command delay is skipped', async () => {
    const { time, bus } = setup();
    const scd = new SCD4x(bus, { clock: time.clock, sleep: async () => {} });
    await expect(scd.init()).rejects.toThrow(
      /SCD4x at 0x62: I2C error while reading the serial number \(0x3682\): .*EREMOTEIO/,
    );
    time.advance(500);
  });

  it('sends ambient pressure only when it moves by a whole hPa', async () => {
    const { time, bus, chip } = setup();
    const scd = new SCD4x(bus, { clock: time.clock, sleep: time.sleep });
    await scd.init();
    await scd.setAmbientPressure(987.0);
    expect(chip.ambientPressureHpa).toBe(0x03db);
    await scd.setAmbientPressure(987.3);
    await scd.setAmbientPressure(988.2);
    expect(chip.commands.filter((c) => c.command === 0xe000).map((c) => c.args[0])).toEqual([987, 988]);
    await expect(scd.setAmbientPressure(12)).rejects.toThrow(/700–1200 hPa, got 12/);
  });

  it('reports a corrupted transfer as an I/O error naming the CRC', async () => {
    const { time, bus, chip } = setup();
    const scd = new SCD4x(bus, { clock: time.clock, sleep: time.sleep });
    await scd.init();
    await scd.read();
    time.advance(5000);
    chip.corruptWords = 1;
    await expect(scd.read()).rejects.toMatchObject({
      code: 'IO',
      message: expect.stringMatching(/reading data-ready status \(0xe4b8\): CRC mismatch in word 0/),
    });
  });

  it('times out as not-ready when no measurement comes', async () => {
    const { time, bus, chip } = setup();
    const scd = new SCD4x(bus, { clock: time.clock, sleep: time.sleep, readyTimeoutMs: 1000 });
    await scd.init();
    chip.running = false; // lost power: no more data
    await expect(scd.read()).rejects.toThrow(/no measurement ready within 1000 ms/);
  });

  it('treats a NACK at set-up as not fitted', async () => {
    const time = createFakeTime();
    await expect(new SCD4x(new FakeCommandI2cBus(), { sleep: time.sleep }).init()).rejects.toMatchObject({
      code: 'NOT_FOUND',
      address: '0x62',
    });
  });
});
