/**
 * @opensensor/sensors-sensehat: drivers for the Raspberry Pi Sense HAT (HTS221, LPS25H, LSM9DS1),
 * orientation from gravity and the magnetic field, and a board facade with the lake's column names.
 */

export type {
  /** @deprecated import `Clock` from `@opensensor/errors`, where every package's clock type is declared. */
  Clock,
  /** @deprecated import `Sleep` from `@opensensor/errors`, where every package's sleep type is declared. */
  Sleep,
} from '@opensensor/errors';
export {
  type I2cBus,
  openI2cBus,
  SensorError,
  type SensorErrorCode,
  type SensorReadResult,
  type SensorReadState,
} from '@opensensor/sensors-core';
export {
  decodeHts221Calibration,
  HTS221,
  HTS221_ADDRESS,
  type Hts221Calibration,
  type Hts221Options,
  type Hts221Reading,
  hts221Humidity,
  hts221Temperature,
} from './hts221.js';
export {
  LPS25H,
  LPS25H_ADDRESS,
  LPS25H_ALT_ADDRESS,
  type Lps25hOptions,
  type Lps25hReading,
  lps25hPressure,
  lps25hTemperature,
} from './lps25h.js';
export {
  decodeLsm9ds1Vector,
  type ImuReading,
  LSM9DS1,
  LSM9DS1_AG_ADDRESS,
  LSM9DS1_AG_ALT_ADDRESS,
  LSM9DS1_AXIS_NEGATION,
  LSM9DS1_MAG_ADDRESS,
  LSM9DS1_MAG_ALT_ADDRESS,
  LSM9DS1_SCALES,
  LSM9DS1Magnetometer,
  type Lsm9ds1MagOptions,
  type Lsm9ds1Options,
  type Vector3,
} from './lsm9ds1.js';
export { type Orientation, orientationFromImu } from './orientation.js';
export {
  type ColumnInfo,
  emptySenseHatReading,
  SENSEHAT_COLUMN_INFO,
  SENSEHAT_COLUMNS,
  SENSEHAT_SENSORS,
  SENSEHAT_SIGNATURE,
  type SenseHatColumn,
  type SenseHatReading,
  type SenseHatSensor,
} from './reading.js';
export {
  SenseHat,
  type SenseHatOptions,
  type SenseHatSample,
  type SenseHatSensorStatus,
  type SensorStatus,
} from './sensehat.js';
