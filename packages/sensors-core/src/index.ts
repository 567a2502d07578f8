/**
 * @opensensor/sensors-core: what every OpenSensor board package shares — the I2C bus interface and
 * opener, Clock/Sleep, `SensorError`, the sensor slot, and the board facade contract.
 */

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
export { type Clock, realSleep, type Sleep, systemClock, withTimeout } from './timing.js';
