import { describe, expect, it } from 'vitest';
import { ICP10125, icp10125Convert, toInt16 } from './icp10125.js';
import { createFakeTime, FakeCommandI2cBus, FakeIcp10125 } from './testing.js';

const OTP = [1580, -3000, 2150, 3843] as const;

describe('ICP-10125 conversion [CALC, TDK algorithm re-implemented independently]', () => {
  it('converts raw counts with signed OTP constants', () => {
    const r = icp10125Convert(OTP, 0x6666, 0xab12cd);
    expect(r.pressure).toBeCloseTo(100526.7703138252, 6);
    expect(r.temperature).toBe(24.998931884765625);
    expect(icp10125Convert(OTP, 0x5a3c, 0xab12cd).pressure).toBeCloseTo(100521.74541672171, 6);
  });

  it('would be 3.4 hPa off with the constants read unsigned (the pitfall)', () => {
    const unsigned = icp10125Convert([1580, 0xf448, 2150, 3843], 0x6666, 0xab12cd);
    expect(unsigned.pressure).toBeCloseTo(100183.96156141837, 6);
    expect(toInt16(0xf448)).toBe(-3000);
    expect(toInt16(0x7fff)).toBe(32767);
  });
});

describe('ICP-10125 driver', () => {
  function setup() {
    const time = createFakeTime();
    const bus = new FakeCommandI2cBus();
    const chip = bus.attach(0x63, new FakeIcp10125(time.clock));
    return { time, bus, chip };
  }

  it('resets, checks the id, reads signed OTP and measures in normal mode', async () => {
    const { time, bus, chip } = setup();
    const icp = new ICP10125(bus, { sleep: time.sleep });
    await icp.init();
    expect(icp.calibration).toEqual(OTP);
    expect(chip.commands.map((c) => c.command)).toEqual([
      0x805d, 0xefc8, 0xc595, 0xc7f7, 0xc7f7, 0xc7f7, 0xc7f7,
    ]);
    expect(chip.lastArgs(0xc595)).toEqual([0x0066]);
    const r = await icp.read();
    expect(bus.log.at(-1)?.[3]).toEqual([0x66, 0x66, 0x93, 0xab, 0x12, 0x45, 0xcd, 0x5a, 0xce]);
    expect(r.pressure).toBeCloseTo(100526.7703138252, 6);
    expect(r.temperature).toBe(24.998931884765625);
    expect(time.sleeps.at(-1)).toBe(7);
  });

  it('honours the slower modes’ conversion times', async () => {
    const { time, bus } = setup();
    const icp = new ICP10125(bus, { sleep: time.sleep, mode: 'ultra-low-noise' });
    await icp.init();
    await icp.read();
    expect(time.sleeps.at(-1)).toBe(95);
    expect(() => new ICP10125(bus, { mode: 'fast' as never })).toThrow(/mode must be one of/);
  });

  it('rejects another chip by product id, and a corrupted id read by CRC', async () => {
    const { time, bus, chip } = setup();
    chip.id = 0x0000;
    await expect(new ICP10125(bus, { sleep: time.sleep }).init()).rejects.toMatchObject({
      code: 'WRONG_CHIP',
      message: expect.stringMatching(/ICP-10125 at 0x63: product id is 0x00, expected 0x08/),
    });
    chip.id = 0x0148;
    chip.corruptWords = 1;
    await expect(new ICP10125(bus, { sleep: time.sleep }).init()).rejects.toThrow(/CRC mismatch/);
  });
});
