import { FakeI2cBus, type RegisterImage } from '@opensensor/sensors-core/testing';
import { FakeLsm9ds1AccelGyro, StRegisterDevice } from './st-devices.js';

/** HTS221 with both data-ready bits set: 28.85375816993464 °C, 42.73676012461059 %RH. */
export const HTS221_IMAGE = `
0F: BC
27: 03
28: E8 03 2C 01
30: 34 7A 9F 3C 00 04 EC EB 00 00 14 1E CE FF CB 02
`;

/** LPS25H (reference vector): 1023.346923828125 hPa, 25.691666666666666 °C. */
export const LPS25H_IMAGE = `
0F: BD
27: 03
28: 8D F5 3F 7C E0
`;

/** LSM9DS1 accel/gyro at rest, flat: raw 4098 on accel Z (0.999912 g) and gyro X (71.715 dps). */
export const LSM9DS1_AG_IMAGE = `
0F: 68
22: 04
18: 02 10 00 00 00 00
28: 00 00 00 00 02 10
`;

/** LSM9DS1 magnetometer: raw 4098 on X (57.372 µT, negated by the axis fix-up). */
export const LSM9DS1_MAG_IMAGE = `
0F: 3D
28: 02 10 00 00 00 00
`;

export function attachFakeHts221(bus: FakeI2cBus, image: RegisterImage = HTS221_IMAGE): StRegisterDevice {
  return bus.attach(0x5f, new StRegisterDevice(image));
}

export function attachFakeLps25h(
  bus: FakeI2cBus,
  image: RegisterImage = LPS25H_IMAGE,
  address = 0x5c,
): StRegisterDevice {
  return bus.attach(address, new StRegisterDevice(image));
}

export function attachFakeLsm9ds1(
  bus: FakeI2cBus,
  image: RegisterImage = LSM9DS1_AG_IMAGE,
): FakeLsm9ds1AccelGyro {
  return bus.attach(0x6a, new FakeLsm9ds1AccelGyro(image));
}

export function attachFakeLsm9ds1Mag(
  bus: FakeI2cBus,
  image: RegisterImage = LSM9DS1_MAG_IMAGE,
): StRegisterDevice {
  return bus.attach(0x1c, new StRegisterDevice(image));
}

export interface FakeSenseHatOptions {
  hts221?: boolean;
  lps25h?: boolean;
  lsm9ds1?: boolean;
  lsm9ds1Mag?: boolean;
}

/** A bus with the Sense HAT chips answering with the images above (all fitted by default). */
export function createFakeSenseHatBus(options: FakeSenseHatOptions = {}): FakeI2cBus {
  const bus = new FakeI2cBus();
  if (options.hts221 ?? true) attachFakeHts221(bus);
  if (options.lps25h ?? true) attachFakeLps25h(bus);
  if (options.lsm9ds1 ?? true) attachFakeLsm9ds1(bus);
  if (options.lsm9ds1Mag ?? true) attachFakeLsm9ds1Mag(bus);
  return bus;
}
