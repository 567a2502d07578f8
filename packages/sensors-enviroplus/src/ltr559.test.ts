import { describe, expect, it } from 'vitest';
import { computeLux, LTR559 } from './ltr559.js';
import { attachFakeLtr559, FakeI2cBus } from './testing.js';

const noSleep = async () => {};

async function ready(image?: string) {
  const bus = new FakeI2cBus();
  const dev = attachFakeLtr559(bus, image);
  const ltr = new LTR559(bus, { sleep: noSleep });
  await ltr.init();
  return { bus, dev, ltr };
}

describe('LTR559', () => {
  it('reads 76141.84 lux and proximity 240 from the reference mock image', async () => {
    const { ltr } = await ready();
    const r = await ltr.read();
    expect(r.lux.toFixed(5)).toBe('76141.83975');
    expect(Math.trunc(r.lux)).toBe(76141);
    expect(r.proximity).toBe(240);
  });

  it('reads CH1 before CH0 (bytes 0x88..0x8B are CH1 low/high, CH0 low/high)', async () => {
    const { dev, ltr } = await ready();
    // CH1 = 0x0100 (256), CH0 = 0x0400 (1024): ratio 20 -> band 0.
    dev.set(0x88, [0x00, 0x01, 0x00, 0x04]);
    const expected = (1024 * 17743 - 256 * -11059) / 0.5 / 4 / 10000;
    expect((await ltr.read()).lux).toBe(expected);
    // Swapping the channels gives ratio 80 -> band 2, a different value: proves the order matters.
    expect(computeLux(256, 1024, 4, 50)).not.toBe(expected);
  });

  it('uses the four ratio bands and their coefficients', () => {
    expect(computeLux(0, 0, 4, 50)).toBe(0); // ratio 101 -> band 3
    expect(computeLux(1000, 100, 1, 100)).toBeCloseTo(1000 * 1.7743 + 100 * 1.1059, 6); // ratio 9.1 -> band 0
    expect(computeLux(1000, 1000, 1, 100)).toBeCloseTo(1000 * 4.2785 - 1000 * 1.9548, 6); // ratio 50 -> band 1
    expect(computeLux(300, 1000, 1, 100)).toBeCloseTo(300 * 0.5926 + 1000 * 0.1185, 6); // ratio 76.9 -> band 2
    expect(computeLux(100, 1000, 1, 100)).toBe(0); // ratio 90.9 -> band 3
  });

  it('decodes proximity with the 11-bit mask, including a saturated value', async () => {
    const { dev, ltr } = await ready();
    dev.set(0x8d, [0x34, 0x02]);
    expect((await ltr.read()).proximity).toBe(564);
    dev.set(0x8d, [0xff, 0x87]);
    expect((await ltr.read()).proximity).toBe(2047);
  });

  it('resets, waits for the reset bit to clear, sets interrupts before activating, and configures like Pimoroni', async () => {
    const { dev } = await ready();
    expect(dev.writes).toEqual([
      [0x80, 0x02],
      [0x8f, 0x00],
      [0x82, 0x1b],
      [0x83, 0x01],
      [0x80, 0x09],
      [0x81, 0x23],
      [0x84, 0x02],
      [0x85, 0x08],
      [0x97, 0xff],
      [0x98, 0xff],
      [0x99, 0x00],
      [0x9a, 0x00],
      [0x90, 0xff],
      [0x91, 0x0f],
      [0x92, 0x00],
      [0x93, 0x00],
      [0x94, 0x00],
      [0x95, 0x00],
    ]);
  });

  it('applies a configured gain and integration time to the registers and the lux formula', async () => {
    const bus = new FakeI2cBus();
    const dev = attachFakeLtr559(bus);
    const ltr = new LTR559(bus, { gain: 8, integrationMs: 200, sleep: noSleep });
    await ltr.init();
    expect(dev.lastWrite(0x80)).toBe((0b011 << 2) | 1);
    expect(dev.lastWrite(0x85)).toBe((0b010 << 3) | 0b010);
    expect((await ltr.read()).lux).toBeCloseTo(76141.83975 * (4 / 8) * (50 / 200), 6);
  });

  it('rejects unsupported gain values', () => {
    expect(() => new LTR559(new FakeI2cBus(), { gain: 3 as 4 })).toThrow(/gain must be one of/);
  });

  it('rejects a wrong part id and reports a missing chip', async () => {
    const bus = new FakeI2cBus();
    attachFakeLtr559(bus).set(0x86, 0x90);
    await expect(new LTR559(bus, { sleep: noSleep }).init()).rejects.toMatchObject({
      code: 'WRONG_CHIP',
      chip: 'LTR559',
      address: '0x23',
    });
    await expect(new LTR559(new FakeI2cBus(), { sleep: noSleep }).init()).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('times out when the soft reset never completes', async () => {
    const bus = new FakeI2cBus();
    bus.loadImage(0x23, '86: 92'); // no self-clearing reset bit
    await expect(new LTR559(bus, { sleep: noSleep }).init()).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('surfaces an I2C error between the light and proximity reads', async () => {
    const { bus, ltr } = await ready();
    bus.fail(0x23, { code: 'EIO', afterReads: 1, times: 1 });
    await expect(ltr.read()).rejects.toThrow(/LTR559 at 0x23: I2C error while reading proximity: EIO/);
    expect((await ltr.read()).proximity).toBe(240);
  });
});
