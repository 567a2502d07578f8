/**
 * Test doubles for code that uses @opensensor/sensors-core or a board package: a register-level I2C
 * bus with fault injection, a fake clock, and the conformance checks every board facade passes.
 */
export {
  type BoardConformanceOptions,
  boardConformance,
  type ConformanceCase,
} from './conformance.js';
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
} from './fakes/fake-i2c-bus.js';
export { createFakeTime, type FakeTime } from './fakes/fake-time.js';
