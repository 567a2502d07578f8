/**
 * @opensensor/sensors-core: what every OpenSensor board package shares — the I2C bus interface and
 * opener, `SensorError`, the sensor slot, timeouts, and the board facade contract. `Clock` and
 * `Sleep` are `@opensensor/errors`' (re-exported here, deprecated, for code written before).
 */

export {
  /** @deprecated import `Clock` from `@opensensor/errors`, where every package's clock type is declared. */
  type Clock,
  /** @deprecated import `realSleep` from `@opensensor/errors`. */
  realSleep,
  /** @deprecated import `Sleep` from `@opensensor/errors`, where every package's sleep type is declared. */
  type Sleep,
  /** @deprecated import `systemClock` from `@opensensor/errors`. */
  systemClock,
} from '@opensensor/errors';
export {
  BoardBus,
  type BoardBusOptions,
  SensorSlots,
  type SensorSlotsOptions,
  type SlotMap,
} from './board.js';
export {
  type BoardFacade,
  type BoardSample,
  type ColumnInfo,
  type DetectedBoard,
  detectBoard,
  signatureAnswers,
} from './board-facade.js';
export {
  describeError,
  formatAddress,
  OptionalDependencyError,
  SensorError,
  type SensorErrorCode,
} from './errors.js';
export { type ClosableI2cBus, type I2cBus, i2cStep, openI2cBus, readBlock } from './i2c.js';
export { type IoErrorContext, NOT_FOUND_HINT, toSensorError } from './io-errors.js';
export { loadOptionalModule } from './optional.js';
export {
  type SensorReadResult,
  type SensorReadState,
  SensorSlot,
  type SensorSlotStatus,
  type SlotDriver,
  type SlotPolicy,
} from './sensor-slot.js';
export { withTimeout } from './timing.js';
