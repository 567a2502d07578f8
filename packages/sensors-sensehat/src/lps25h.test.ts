import { describe, expect, it } from 'vitest';
import { LPS25H, lps25hPressure, lps25hTemperature } from './lps25h.js';
import { attachFakeLps25h, FakeI2cBus } from './testing.js';

const noSleep = async () => {};

describe('LPS25H scaling (reference vectors)', () => {
  it.each([
    [[0x8d, 0xf5, 0x3f], '1023.346924', [0x7c, 0xe0], '25.691667'],
    [[0x00, 0x50, 0x3f], '1013.000000', [0x00, 0x00], '42.500000'],
    [[0x00, 0x00, 0x40], '1024.000000', [0x30, 0xf8], '38.333333'],
  ])('%j -> %s hPa, %j -> %s °C', (p, hPa, t, celsius) => {
    expect(lps25hPressure(p[0] as number, p[1] as number, p[2] as number).toFixed(6)).toBe(hPa);
    expect(lps25hTemperature(Buffer.from(t).readInt16LE(0)).toFixed(6)).toBe(celsius);
  });
});

describe('LPS25H driver', () => {
  it('configures like RTIMULib and reads pressure and temperature in one auto-increment block', async () => {
    const bus = new FakeI2cBus();
    const chip = attachFakeLps25h(bus);
    const lps = new LPS25H(bus, { sleep: noSleep });
    await lps.init();
    expect(chip.writes).toEqual([
      [0x20, 0xc4],
      [0x10, 0x05],
      [0x2e, 0xc0],
      [0x21, 0x40],
    ]);
    expect(await lps.read()).toEqual({ pressure: 1023.346923828125, temperature: 25.691666666666666 });
    expect(bus.log.at(-1)?.slice(0, 3)).toEqual(['read', 0x5c, 0xa8]);
  });

  it('reads at the alternative address', async () => {
    const bus = new FakeI2cBus();
    attachFakeLps25h(bus, undefined, 0x5d).set(0x28, [0x00, 0x50, 0x3f, 0x00, 0x00]);
    const lps = new LPS25H(bus, { address: 0x5d, sleep: noSleep });
    await lps.init();
    expect(await lps.read()).toEqual({ pressure: 1013, temperature: 42.5 });
  });

  it('names the chip and address when a read fails', async () => {
    const bus = new FakeI2cBus();
    attachFakeLps25h(bus);
    const lps = new LPS25H(bus, { sleep: noSleep });
    await lps.init();
    bus.fail(0x5c, { code: 'EIO' });
    await expect(lps.read()).rejects.toThrow(/LPS25H at 0x5c: I2C error while reading status: EIO/);
  });
});
