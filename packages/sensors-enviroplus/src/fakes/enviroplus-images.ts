import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeI2cBus, type RegisterFileDevice } from '@opensensor/sensors-core/testing';
import type { AdcChip } from '../gas.js';
import { FakeAds1x15, type FakeAds1x15Options } from './fake-ads1x15.js';

/** BME280 image from Bosch-format test calibration: 24.7894877676 °C, 1006.61517564 hPa, 68.66996648709039 %RH. */
export const BME280_IMAGE = `
D0: 60
88: 69 6D 36 64 32 00 E9 98 02 D6 D0 0B 23 16 88 FF F9 FF 8C 3C F8 C6 70 17 00 4B
E1: 78 01 00 11 2E 03 1E
F3: 00
F7: 4F CA 00 81 32 70 76 49
`;

/** LTR559 image: both ALS channels saturated (76141.84 lux at gain 4, 50 ms) and proximity 240. */
export const LTR559_IMAGE = `
86: 92   87: 05   88: FF FF FF FF   8C: FF   8D: F0 00
`;

/** Attaches a BME280 register file at `address` (default 0x76). */
export function attachFakeBme280(bus: FakeI2cBus, address = 0x76, image = BME280_IMAGE): RegisterFileDevice {
  return bus.loadImage(address, image);
}

/** Attaches an LTR559 register file at 0x23 whose soft-reset bit completes immediately. */
export function attachFakeLtr559(bus: FakeI2cBus, image = LTR559_IMAGE): RegisterFileDevice {
  return bus.loadImage(0x23, image, { selfClearing: { 128: 0x02 } });
}

/** Attaches an ADS1015/ADS1115 at 0x49. */
export function attachFakeAds1x15(bus: FakeI2cBus, options: FakeAds1x15Options = {}): FakeAds1x15 {
  return bus.attach(0x49, new FakeAds1x15(options));
}

export interface FakeEnviroplusOptions {
  bme280?: boolean;
  ltr559?: boolean;
  /** ADC fitted for the gas sensor, or false for a board without it (Enviro mini). Default ads1015. */
  gas?: AdcChip | false;
  /** Gas element voltages on AIN0..AIN3. */
  gasVolts?: readonly [number, number, number, number];
}

/** A bus with the Enviro+ I2C chips answering with the reference test images. */
export function createFakeEnviroplusBus(options: FakeEnviroplusOptions = {}): FakeI2cBus {
  const bus = new FakeI2cBus();
  if (options.bme280 ?? true) attachFakeBme280(bus);
  if (options.ltr559 ?? true) attachFakeLtr559(bus);
  const gas = options.gas ?? 'ads1015';
  if (gas) attachFakeAds1x15(bus, { chip: gas, ...(options.gasVolts ? { volts: options.gasVolts } : {}) });
  return bus;
}

/**
 * A thermal-zone file in a fresh temp directory holding `celsius` as millidegrees, for
 * `sysfsCpuTemperature(path)`. `set()` changes the value.
 */
export async function createFakeThermalZone(
  celsius: number,
): Promise<{ path: string; set(celsius: number): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'opensensor-thermal-'));
  const path = join(dir, 'temp');
  const set = (c: number) => writeFile(path, `${Math.round(c * 1000)}\n`);
  await set(celsius);
  return { path, set };
}
