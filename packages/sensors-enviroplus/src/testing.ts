/**
 * Test doubles for code that uses @opensensor/sensors-enviroplus: a register-level I2C bus with
 * fault injection, ADS1x15 and PMS5003 models, a recording GPIO and board presets.
 */

export {
  FakeI2cBus,
  type FakeI2cDevice,
  type I2cFault,
  i2cSystemError,
  PLAIN_READ,
  parseRegisterImage,
  RegisterFileDevice,
  type RegisterFileOptions,
  type RegisterImage,
} from '@opensensor/sensors-core/testing';
export {
  attachFakeAds1x15,
  attachFakeBme280,
  attachFakeLtr559,
  BME280_IMAGE,
  createFakeEnviroplusBus,
  createFakeThermalZone,
  type FakeEnviroplusOptions,
  LTR559_IMAGE,
} from './fakes/enviroplus-images.js';
export { FakeAds1x15, type FakeAds1x15Options } from './fakes/fake-ads1x15.js';
export { FakeGpio } from './fakes/fake-gpio.js';
export { FakePms5003Port } from './fakes/fake-pms5003-port.js';
export { encodePms5003Frame } from './pms5003-frame.js';
