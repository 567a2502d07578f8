/**
 * @opensensor/sensors-breakout: drivers for Breakout Garden-style I2C sensors (Sensirion SCD4x and
 * SGP30, TDK ICP-10125) with CRC-checked command transfers, and a board facade with the lake's
 * column names.
 */

export type {
  /** @deprecated import `Clock` from `@opensensor/errors`, where every package's clock type is declared. */
  Clock,
  /** @deprecated import `Sleep` from `@opensensor/errors`, where every package's sleep type is declared. */
  Sleep,
} from '@opensensor/errors';
export {
  openI2cBus,
  SensorError,
  type SensorErrorCode,
  type SensorReadResult,
  type SensorReadState,
} from '@opensensor/sensors-core';
export {
  Breakout,
  type BreakoutOptions,
  type BreakoutSample,
  type BreakoutSensorStatus,
  type RepeatTimer,
  type SensorStatus,
} from './breakout.js';
export {
  CommandDevice,
  type CommandI2cBus,
  type CommandOptions,
  isCommandBus,
} from './command-bus.js';
export { CrcError, decodeWords, encodeCommand, sensirionCrc8 } from './crc.js';
export {
  ICP10125,
  ICP10125_ADDRESS,
  ICP10125_MODES,
  type Icp10125Mode,
  type Icp10125Options,
  type Icp10125Otp,
  type Icp10125Reading,
  icp10125Convert,
  toInt16,
} from './icp10125.js';
export {
  BREAKOUT_COLUMN_INFO,
  BREAKOUT_COLUMNS,
  BREAKOUT_SENSORS,
  BREAKOUT_SIGNATURE,
  type BreakoutColumn,
  type BreakoutReading,
  type BreakoutSensor,
  type ColumnInfo,
  emptyBreakoutReading,
} from './reading.js';
export {
  decodeScd4xMeasurement,
  SCD4X_ADDRESS,
  SCD4X_COMMANDS,
  SCD4x,
  type Scd4xOptions,
  type Scd4xReading,
  scd4xDataReady,
  scd4xSerialNumber,
  scd4xTemperatureOffsetWord,
} from './scd4x.js';
export {
  absoluteHumidity,
  SGP30,
  SGP30_ADDRESS,
  SGP30_COMMANDS,
  SGP30_WARMUP_MS,
  type Sgp30Options,
  type Sgp30Reading,
  sgp30HumidityWord,
} from './sgp30.js';
