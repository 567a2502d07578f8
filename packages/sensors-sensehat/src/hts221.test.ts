import { SensorError } from '@opensensor/sensors-core';
import { describe, expect, it } from 'vitest';
import { decodeHts221Calibration, HTS221, hts221Humidity, hts221Temperature } from './hts221.js';
import { attachFakeHts221, FakeI2cBus, HTS221_IMAGE, StRegisterDevice } from './testing.js';

const noSleep = async () => {};
const CAL = Buffer.from('347A9F3C0004ECEB0000141ECEFFCB02', 'hex');

describe('HTS221 calibration', () => {
  it('decodes the reference points, including bits 9:8 of T0/T1 in 0x35 and signed outputs', () => {
    expect(decodeHts221Calibration(CAL)).toEqual({
      h0: 26,
      h1: 61,
      t0: 19.875,
      t1: 39.5,
      h0Out: -5140,
      h1Out: 7700,
      t0Out: -50,
      t1Out: 715,
    });
  });

  it('interpolates humidity and temperature linearly between the points [CALC]', () => {
    const cal = decodeHts221Calibration(CAL);
    expect(hts221Humidity(cal, 1000)).toBe(42.73676012461059);
    expect(hts221Temperature(cal, 300)).toBe(28.85375816993464);
    // At the reference outputs the reference values come back exactly.
    expect(hts221Humidity(cal, cal.h1Out)).toBeCloseTo(61, 12);
    expect(hts221Temperature(cal, cal.t0Out)).toBeCloseTo(19.875, 12);
    // Past the calibration points the line leaves 0..100 (RTIMULib does not clamp).
    expect(hts221Humidity(cal, 30000)).toBeGreaterThan(100);
  });

  it('rejects a short calibration block', () => {
    expect(() => decodeHts221Calibration(CAL.subarray(0, 8))).toThrow(/needs 16 bytes, got 8/);
  });
});

describe('HTS221 driver', () => {
  it('powers on like RTIMULib and reads with auto-increment sub-addresses', async () => {
    const bus = new FakeI2cBus();
    const chip = attachFakeHts221(bus);
    const hts = new HTS221(bus, { sleep: noSleep });
    await hts.init();
    expect(chip.lastWrite(0x20)).toBe(0x87);
    expect(chip.lastWrite(0x10)).toBe(0x1b);
    expect(await hts.read()).toEqual({ temperature: 28.85375816993464, humidity: 42.73676012461059 });
    const blockReads = bus.log.filter(([kind, , , bytes]) => kind === 'read' && bytes.length > 1);
    expect(blockReads.map(([, , reg]) => reg)).toEqual([0xb0, 0xa8]);
  });

  it('clamps humidity to 0..100', async () => {
    const bus = new FakeI2cBus();
    attachFakeHts221(bus).set(0x28, [0x30, 0x75]); // H_OUT 30000
    const hts = new HTS221(bus, { sleep: noSleep });
    await hts.init();
    expect((await hts.read()).humidity).toBe(100);
  });

  it('waits for data ready and fails with not-ready when it never comes', async () => {
    const bus = new FakeI2cBus();
    const chip = attachFakeHts221(bus).set(0x27, 0x01);
    const sleeps: number[] = [];
    const hts = new HTS221(bus, { sleep: async (ms) => void sleeps.push(ms) });
    await hts.init();
    await expect(hts.read()).rejects.toMatchObject({ code: 'NOT_READY', chip: 'HTS221', address: '0x5f' });
    expect(sleeps.length).toBe(5);
    chip.set(0x27, 0x03);
    expect((await hts.read()).temperature).toBe(28.85375816993464);
  });

  it('tells an absent chip from another chip at the address', async () => {
    const empty = new HTS221(new FakeI2cBus(), { sleep: noSleep });
    const absent = await empty.init().catch((e: unknown) => e);
    expect(absent).toBeInstanceOf(SensorError);
    expect(absent).toMatchObject({ code: 'NOT_FOUND' });
    expect(String(absent)).toMatch(/HTS221 at 0x5f: no device answers .*EREMOTEIO/);

    const bus = new FakeI2cBus();
    bus.attach(0x5f, new StRegisterDevice(HTS221_IMAGE)).set(0x0f, 0x42);
    await expect(new HTS221(bus).init()).rejects.toThrow(/WHO_AM_I \(0xf\) is 0x42, expected 0xbc/);
  });

  it('refuses blank calibration instead of dividing by zero', async () => {
    const bus = new FakeI2cBus();
    attachFakeHts221(bus).set(0x36, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    await expect(new HTS221(bus).init()).rejects.toThrow(/blank or corrupt OTP/);
  });

  it('refuses to read before init', async () => {
    await expect(new HTS221(new FakeI2cBus()).read()).rejects.toMatchObject({ code: 'NOT_READY' });
  });
});
