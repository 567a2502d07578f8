import { describe, expect, it } from 'vitest';
import { absoluteHumidity, SGP30, sgp30HumidityWord } from './sgp30.js';
import { createFakeTime, FakeCommandI2cBus, FakeSgp30 } from './testing.js';

describe('SGP30 humidity (reference G-3)', () => {
  it('computes absolute humidity and the 8.8 fixed-point word', () => {
    expect(absoluteHumidity(25, 50).toFixed(5)).toBe('11.48389');
    expect(absoluteHumidity(20, 60).toFixed(5)).toBe('10.34570');
    expect(sgp30HumidityWord(15.5)).toBe(0x0f80);
    expect(sgp30HumidityWord(absoluteHumidity(25, 50))).toBe(0x0b7c);
    expect(sgp30HumidityWord(absoluteHumidity(20, 60))).toBe(0x0a58);
    expect(sgp30HumidityWord(1000)).toBe(0xffff);
  });
});

describe('SGP30 driver', () => {
  it('reads identity, starts, reports 400/0 for 15 s, then the measurement (G-2)', async () => {
    const time = createFakeTime();
    const bus = new FakeCommandI2cBus();
    const chip = bus.attach(0x58, new FakeSgp30(time.clock));
    const sgp = new SGP30(bus, { clock: time.clock, sleep: time.sleep });
    await sgp.init();
    expect(chip.commands.map((c) => c.command)).toEqual([0x202f, 0x3682, 0x2003]);
    expect(sgp.featureSet).toBe(0x0020);
    expect(sgp.serialNumber).toBe(0x01482b3c);
    expect(sgp.warmingUp).toBe(true);
    expect(await sgp.read()).toEqual({ eco2: 400, tvoc: 0 });
    expect(bus.log.at(-1)?.[3]).toEqual([0x01, 0x90, 0x4c, 0x00, 0x00, 0x81]);
    time.advance(15_000);
    expect(sgp.warmingUp).toBe(false);
    expect(await sgp.read()).toEqual({ eco2: 420, tvoc: 13 });
    expect(bus.log.at(-1)?.[3]).toEqual([0x01, 0xa4, 0x4d, 0x00, 0x0d, 0xcd]);
  });

  it('sends humidity and baselines in the chip order (TVOC first)', async () => {
    const time = createFakeTime();
    const bus = new FakeCommandI2cBus();
    const chip = bus.attach(0x58, new FakeSgp30(time.clock));
    const sgp = new SGP30(bus, { clock: time.clock, sleep: time.sleep });
    await sgp.init();
    await sgp.setHumidity(absoluteHumidity(25, 50));
    expect(chip.humidityWord).toBe(0x0b7c);
    await sgp.setBaseline({ eco2: 0x1234, tvoc: 0x5678 });
    expect(chip.lastArgs(0x201e)).toEqual([0x5678, 0x1234]);
    expect(await sgp.getBaseline()).toEqual({ eco2: 0x1234, tvoc: 0x5678 });
    expect(bus.log.filter(([k]) => k === 'write').at(-2)?.[3]).toEqual([
      0x1e, 0x56, 0x78, 0x7d, 0x12, 0x34, 0x37,
    ]);
  });

  it('refuses to measure before init', async () => {
    await expect(new SGP30(new FakeCommandI2cBus()).read()).rejects.toMatchObject({ code: 'NOT_READY' });
  });
});
