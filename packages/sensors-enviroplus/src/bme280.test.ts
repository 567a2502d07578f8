import { SensorError } from '@opensensor/sensors-core';
import { describe, expect, it } from 'vitest';
import {
  altitudeFromPressure,
  BME280,
  compensateBme280,
  decodeBme280Calibration,
  decodeBme280Raw,
} from './bme280.js';
import { attachFakeBme280, BME280_IMAGE, FakeI2cBus } from './testing.js';

const noSleep = async () => {};

describe('BME280 calibration decoding', () => {
  it('decodes the V-BME-2 calibration words with their signs', async () => {
    const bus = new FakeI2cBus();
    attachFakeBme280(bus);
    const bme = new BME280(bus, { sleep: noSleep });
    await bme.init();
    expect(bme.calibrationData).toEqual({
      T1: 28009,
      T2: 25654,
      T3: 50,
      P1: 39145,
      P2: -10750,
      P3: 3024,
      P4: 5667,
      P5: -120,
      P6: -7,
      P7: 15500,
      P8: -14600,
      P9: 6000,
      H1: 75,
      H2: 376,
      H3: 0,
      H4: 286,
      H5: 50,
      H6: 30,
    });
  });

  it('sign-extends dig_H4 and dig_H5 as 12-bit values (V-BME-3)', () => {
    const a = new Uint8Array(26);
    // E4 = EA, E5 = x3 -> 0xEA3 -> -349
    expect(decodeBme280Calibration(a, Uint8Array.from([0, 0, 0, 0xea, 0x03, 0, 0])).H4).toBe(-349);
    expect(decodeBme280Calibration(a, Uint8Array.from([0, 0, 0, 0xea, 0xf3, 0, 0])).H4).toBe(-349);
    const c = decodeBme280Calibration(a, Uint8Array.from([0, 0, 0, 0x11, 0xe3, 0xfe, 0]));
    expect(c.H4).toBe(275);
    expect(c.H5).toBe(-18);
  });

  it('decodes negative 16-bit words and a negative dig_H6', () => {
    const a = new Uint8Array(26);
    a.set([0x00, 0x80], 2); // T2 = -32768
    a.set([0xff, 0xff], 4); // T3 = -1
    a.set([0xff, 0xff], 0); // T1 is unsigned: 65535
    const c = decodeBme280Calibration(a, Uint8Array.from([0x00, 0xff, 0x80, 0, 0, 0, 0x9c]));
    expect(c.T1).toBe(65535);
    expect(c.T2).toBe(-32768);
    expect(c.T3).toBe(-1);
    expect(c.H2).toBe(-256);
    expect(c.H3).toBe(0x80); // unsigned byte
    expect(c.H6).toBe(-100);
  });

  it('rejects calibration blocks that are too short', () => {
    expect(() => decodeBme280Calibration(new Uint8Array(10), new Uint8Array(7))).toThrow(/26 \+ 7 bytes/);
  });
});

describe('BME280 compensation (V-BME-2)', () => {
  it('assembles the 20-bit raw values', () => {
    expect(decodeBme280Raw(Uint8Array.from([0x4f, 0xca, 0x00, 0x81, 0x32, 0x70, 0x76, 0x49]))).toEqual({
      adcP: 326816,
      adcT: 529191,
      adcH: 30281,
    });
  });

  it('reads 24.7894877676 °C, 1006.61517564 hPa and 68.66996648709039 %RH through the fake bus', async () => {
    const bus = new FakeI2cBus();
    attachFakeBme280(bus);
    const bme = new BME280(bus, { sleep: noSleep });
    await bme.init();
    const r = await bme.read();
    expect(r.temperature.toFixed(10)).toBe('24.7894877676');
    expect(r.pressure.toFixed(8)).toBe('1006.61517564');
    expect(r.humidity).toBe(68.66996648709039);
    expect(altitudeFromPressure(r.pressure).toFixed(3)).toBe('55.385');
  });

  it('uses the API humidity form, which differs from the datasheet form when dig_H3 != 0', () => {
    const bus = new FakeI2cBus();
    const dev = attachFakeBme280(bus);
    const c = decodeBme280Calibration(Uint8Array.from(dev.get(0x88, 26)), Uint8Array.from(dev.get(0xe1, 7)));
    const raw = { adcT: 529191, adcP: 326816, adcH: 30281 };
    expect(compensateBme280(raw, { ...c, H3: 10 }).humidity.toFixed(4)).toBe('69.1889');
  });

  it('clamps humidity to 0..100', () => {
    const bus = new FakeI2cBus();
    const dev = attachFakeBme280(bus);
    const c = decodeBme280Calibration(Uint8Array.from(dev.get(0x88, 26)), Uint8Array.from(dev.get(0xe1, 7)));
    expect(compensateBme280({ adcT: 529191, adcP: 326816, adcH: 65535 }, c).humidity).toBe(100);
    expect(compensateBme280({ adcT: 529191, adcP: 326816, adcH: 0 }, c).humidity).toBe(0);
  });
});

describe('BME280 setup', () => {
  it('resets and configures like the Pimoroni defaults, ctrl_meas last', async () => {
    const bus = new FakeI2cBus();
    const dev = attachFakeBme280(bus);
    await new BME280(bus, { sleep: noSleep }).init();
    expect(dev.writes).toEqual([
      [0xe0, 0xb6],
      [0xf2, 0x05],
      [0xf5, 0x88],
      [0xf4, 0xb7],
    ]);
  });

  it('works at the alternative address 0x77', async () => {
    const bus = new FakeI2cBus();
    attachFakeBme280(bus, 0x77);
    const bme = new BME280(bus, { address: 0x77, sleep: noSleep });
    await bme.init();
    expect((await bme.read()).pressure).toBeCloseTo(1006.615, 3);
  });

  it('rejects a chip-id mismatch, naming the chip, the address and a BMP280', async () => {
    const bus = new FakeI2cBus();
    attachFakeBme280(bus).set(0xd0, 0x58);
    const error = await new BME280(bus, { sleep: noSleep }).init().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SensorError);
    expect(error).toMatchObject({ chip: 'BME280', address: '0x76', code: 'WRONG_CHIP' });
    expect((error as Error).message).toMatch(/chip id is 0x58.*BMP280.*expected 0x60/);
  });

  it('reports a missing chip (NACK) as not-found', async () => {
    const error = await new BME280(new FakeI2cBus(), { sleep: noSleep }).init().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'SensorError', code: 'NOT_FOUND', address: '0x76' });
    expect((error as Error).message).toMatch(/no device answers.*EREMOTEIO/);
  });

  it('times out when the NVM copy never finishes', async () => {
    const bus = new FakeI2cBus();
    attachFakeBme280(bus).set(0xf3, 0x01);
    await expect(new BME280(bus, { sleep: noSleep }).init()).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('turns an I2C error in the middle of the calibration read into an io SensorError', async () => {
    const bus = new FakeI2cBus();
    attachFakeBme280(bus);
    // chip id + status succeed, then the 26-byte calibration read fails with EIO.
    bus.fail(0x76, { code: 'EIO', afterReads: 2, only: 'read' });
    const error = await new BME280(bus, { sleep: noSleep }).init().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'IO', chip: 'BME280' });
    expect((error as Error).message).toMatch(/while reading calibration: EIO/);
  });

  it('fails a read with EIO mid-stream and recovers on the next one', async () => {
    const bus = new FakeI2cBus();
    attachFakeBme280(bus);
    const bme = new BME280(bus, { sleep: noSleep });
    await bme.init();
    bus.fail(0x76, { code: 'EIO', times: 1 });
    await expect(bme.read()).rejects.toMatchObject({ code: 'IO' });
    expect((await bme.read()).temperature).toBeCloseTo(24.789, 3);
  });

  it('refuses to read before init and refuses reset-value data', async () => {
    const bus = new FakeI2cBus();
    const dev = attachFakeBme280(bus);
    const bme = new BME280(bus, { sleep: noSleep });
    await expect(bme.read()).rejects.toMatchObject({ code: 'NOT_READY' });
    await bme.init();
    dev.set(0xf7, [0x80, 0x00, 0x00, 0x80, 0x00, 0x00, 0x80, 0x00]);
    await expect(bme.read()).rejects.toThrow(/no measurement yet/);
  });

  it('exports the image the tests use', () => {
    expect(BME280_IMAGE).toContain('D0: 60');
  });
});
