/**
 * Test doubles for code that uses @opensensor/sensors-sensehat: register-level models of the Sense
 * HAT chips (with ST auto-increment semantics) on the fake I2C bus of @opensensor/sensors-core.
 */
export {
  FakeI2cBus,
  type I2cFault,
  type RegisterImage,
} from '@opensensor/sensors-core/testing';
export {
  attachFakeHts221,
  attachFakeLps25h,
  attachFakeLsm9ds1,
  attachFakeLsm9ds1Mag,
  createFakeSenseHatBus,
  type FakeSenseHatOptions,
  HTS221_IMAGE,
  LPS25H_IMAGE,
  LSM9DS1_AG_IMAGE,
  LSM9DS1_MAG_IMAGE,
} from './fakes/sensehat-images.js';
export { encodeLsm9ds1Vector, FakeLsm9ds1AccelGyro, StRegisterDevice } from './fakes/st-devices.js';
