/**
 * Test doubles for code that uses @opensensor/sensors-breakout: command-level models of the SCD4x,
 * SGP30 and ICP-10125 that enforce execution times and CRCs, on the fake I2C bus of
 * @opensensor/sensors-core extended with plain transfers.
 */
export { type I2cFault, i2cSystemError } from '@opensensor/sensors-core/testing';
export { createFakeBreakoutBus, type FakeBreakout, type FakeBreakoutOptions } from './fakes/breakout-bus.js';
export {
  FakeIcp10125,
  FakeScd4x,
  FakeSgp30,
  ICP10125_REFERENCE_OTP,
  SCD4X_REFERENCE,
} from './fakes/fake-chips.js';
export {
  type CommandOutcome,
  createFakeTime,
  FakeCommandDevice,
  FakeCommandI2cBus,
  type FakeTime,
  nack,
  PLAIN_READ,
} from './fakes/fake-command-bus.js';
