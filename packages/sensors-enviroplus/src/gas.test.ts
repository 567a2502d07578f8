import { describe, expect, it } from 'vitest';
import { ads1x15ConfigWord, ads1x15Volts, GasSensor, mics6814Resistance } from './gas.js';
import { attachFakeAds1x15, FakeGpio, FakeI2cBus } from './testing.js';

const noSleep = async () => {};

describe('ADS1x15 conversions', () => {
  it('uses the single-shot config words of the reference', () => {
    expect([0, 1, 2, 3].map((c) => ads1x15ConfigWord(c as 0).toString(16))).toEqual([
      'c183',
      'd183',
      'e183',
      'f183',
    ]);
  });

  it('converts big-endian ADS1015 and ADS1115 words at ±6.144 V', () => {
    expect(ads1x15Volts(0x0f, 0xc1, 'ads1015')).toBe(0.756);
    expect(ads1x15Volts(0xff, 0xf0, 'ads1015')).toBe(-0.003); // negative 12-bit code
    expect(ads1x15Volts(0x7f, 0xff, 'ads1115')).toBeCloseTo(6.1438, 4);
    expect(ads1x15Volts(0x10, 0x00, 'ads1115')).toBe(0.768);
  });

  it('guards the divider formula at and above 3.3 V', () => {
    expect(mics6814Resistance(0.756)).toBeCloseTo(16641.5094, 4);
    expect(ads1x15Volts(0x44, 0xc0, 'ads1015')).toBe(3.3000000000000003);
    expect(mics6814Resistance(3.3000000000000003)).toBeNull();
    expect(mics6814Resistance(3.3)).toBeNull();
    expect(mics6814Resistance(-0.01)).toBeNull();
    expect(mics6814Resistance(0)).toBe(0);
  });
});

describe('GasSensor', () => {
  it('reproduces the Pimoroni vectors 16641 / 16727 / 16813 Ω (as kΩ)', async () => {
    const bus = new FakeI2cBus();
    attachFakeAds1x15(bus, { conversions: { 0: 0x0fc1, 1: 0x0fd1, 2: 0x0fe1, 3: 0x0ff1 } });
    const gas = new GasSensor(bus, { heater: false, adc: 'ads1015', sleep: noSleep });
    await gas.init();
    const r = await gas.read();
    expect(Math.trunc((r.oxidised as number) * 1000)).toBe(16641);
    expect(Math.trunc((r.reducing as number) * 1000)).toBe(16727);
    expect(Math.trunc((r.nh3 as number) * 1000)).toBe(16813);
    expect(r.oxidised).toBeCloseTo(16.6415094, 7);
    expect(await gas.readVolts(3)).toBe(0.765);
  });

  it('starts each conversion with the right config word and polls until done', async () => {
    const bus = new FakeI2cBus();
    const adc = attachFakeAds1x15(bus, { busyPolls: 2 });
    const gas = new GasSensor(bus, { heater: false, adc: 'ads1015', sleep: noSleep });
    await gas.init();
    await gas.read();
    expect(adc.configWrites).toEqual([0xc183, 0xd183, 0xe183]);
    const configReads = bus.log.filter(([kind, , reg]) => kind === 'read' && reg === 0x01).length;
    expect(configReads).toBe(1 + 3 * 3); // the presence probe, then 2 busy + 1 done per channel
  });

  it('tells an ADS1115 from an ADS1015 by the low four bits', async () => {
    const volts = [0.7, 0.9, 1.1, 0.2] as const;
    for (const chip of ['ads1015', 'ads1115'] as const) {
      const bus = new FakeI2cBus();
      attachFakeAds1x15(bus, { chip, volts });
      const gas = new GasSensor(bus, { heater: false, sleep: noSleep });
      await gas.init();
      expect(gas.adc).toBe(chip);
      const r = await gas.read();
      // Both chips must give the same resistance within their resolution.
      expect(r.oxidised).toBeCloseTo((0.7 * 56000) / (3.3 - 0.7) / 1000, 0);
    }
  });

  it('returns null for an element at or above the 3.3 V supply', async () => {
    const bus = new FakeI2cBus();
    attachFakeAds1x15(bus, { conversions: { 0: 0x44c0 }, volts: [0, 1, 1, 1] });
    const gas = new GasSensor(bus, { heater: false, adc: 'ads1015', sleep: noSleep });
    await gas.init();
    const r = await gas.read();
    expect(r.oxidised).toBeNull();
    // 1 V quantises to code 333 = 0.999 V on an ADS1015.
    expect(r.reducing).toBeCloseTo((0.999 * 56) / (3.3 - 0.999), 9);
  });

  it('turns the heater on at GPIO24 and off on close', async () => {
    const bus = new FakeI2cBus();
    attachFakeAds1x15(bus);
    const gpio = new FakeGpio();
    const gas = new GasSensor(bus, { gpio, sleep: noSleep });
    await gas.init();
    expect(gas.heaterOn).toBe(true);
    expect(gpio.values.get(24)).toBe(1);
    await gas.close();
    expect(gpio.history).toEqual([
      [24, 1],
      [24, 0],
    ]);
    expect(gpio.released.has(24)).toBe(true);
  });

  it('with heater: false never touches GPIO', async () => {
    const bus = new FakeI2cBus();
    attachFakeAds1x15(bus);
    const gpio = new FakeGpio();
    const gas = new GasSensor(bus, { gpio, heater: false, sleep: noSleep });
    await gas.init();
    expect(gpio.history).toEqual([]);
  });

  it('degrades with one warning when GPIO is unavailable', async () => {
    const bus = new FakeI2cBus();
    attachFakeAds1x15(bus);
    const warnings: string[] = [];
    const gas = new GasSensor(bus, {
      gpio: new FakeGpio({ unavailable: true }),
      onWarning: (m) => warnings.push(m),
      sleep: noSleep,
    });
    await gas.init();
    expect(gas.heaterOn).toBe(false);
    expect((await gas.read()).oxidised).toBeGreaterThan(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/GPIO24 \(MICS6814 heater\) not driven/);
  });

  it('reports a missing ADC and an I2C error in the middle of a read', async () => {
    await expect(new GasSensor(new FakeI2cBus(), { heater: false }).init()).rejects.toMatchObject({
      code: 'NOT_FOUND',
      address: '0x49',
    });
    const bus = new FakeI2cBus();
    attachFakeAds1x15(bus);
    const gas = new GasSensor(bus, { heater: false, adc: 'ads1015', sleep: noSleep });
    await gas.init();
    bus.fail(0x49, { code: 'EIO', afterReads: 3 });
    await expect(gas.read()).rejects.toThrow(/ADS1015 at 0x49: I2C error while .*EIO/);
  });

  it('times out a conversion that never completes', async () => {
    const bus = new FakeI2cBus();
    attachFakeAds1x15(bus, { busyPolls: 1000 });
    const gas = new GasSensor(bus, { heater: false, adc: 'ads1115', sleep: noSleep });
    await gas.init();
    await expect(gas.read()).rejects.toMatchObject({ code: 'TIMEOUT', chip: 'ADS1115' });
  });
});
