/**
 * @opensensor/sensors-enviroplus: drivers for the Pimoroni Enviro+ (BME280, LTR559, MICS6814 through
 * ADS1015/ADS1115, PMS5003), CPU-heat compensation and a board facade with the lake's column names.
 */
// The shared types a user of this package meets in its options and errors (one class, from
// @opensensor/sensors-core, so `instanceof SensorError` holds across board packages).

export type {
  /** @deprecated import `Clock` from `@opensensor/errors`, where every package's clock type is declared. */
  Clock,
  /** @deprecated import `Sleep` from `@opensensor/errors`, where every package's sleep type is declared. */
  Sleep,
} from '@opensensor/errors';
export {
  type ClosableI2cBus,
  type I2cBus,
  OptionalDependencyError,
  openI2cBus,
  SensorError,
  type SensorErrorCode,
  type SensorReadResult,
  type SensorReadState,
} from '@opensensor/sensors-core';
export {
  altitudeFromPressure,
  BME280,
  BME280_ADDRESS,
  BME280_ALT_ADDRESS,
  type Bme280Calibration,
  type Bme280Options,
  type Bme280Raw,
  type Bme280Reading,
  compensateBme280,
  decodeBme280Calibration,
  decodeBme280Raw,
} from './bme280.js';
export {
  type CompensatedClimate,
  type CompensationOptions,
  CPU_TEMPERATURE_FALLBACK,
  CPU_TEMPERATURE_PATH,
  type CpuTemperatureSource,
  correctHumidity,
  parseThermalZone,
  sysfsCpuTemperature,
  TemperatureCompensator,
} from './compensation.js';
export {
  Enviroplus,
  type EnviroplusOptions,
  type EnviroplusSample,
  type SensorStatus,
} from './enviroplus.js';
export {
  ADS1X15_ADDRESS,
  type AdcChip,
  ads1x15ConfigWord,
  ads1x15Volts,
  GAS_HEATER_PIN,
  type GasReading,
  GasSensor,
  type GasSensorOptions,
  mics6814Resistance,
} from './gas.js';
export {
  type Gpio,
  type GpioLine,
  GpioUnavailableError,
  type GpioValue,
  LibgpiodGpio,
  type LibgpiodGpioOptions,
} from './gpio.js';
export {
  computeLux,
  LTR559,
  LTR559_ADDRESS,
  type Ltr559Gain,
  type Ltr559IntegrationMs,
  type Ltr559Options,
  type Ltr559Reading,
} from './ltr559.js';
export {
  openSerialPort,
  PMS5003_DEFAULT_DEVICE,
  PMS5003_ENABLE_PIN,
  PMS5003_RESET_PIN,
  Pms5003,
  type Pms5003Options,
  type Pms5003Port,
  type Pms5003ReadOptions,
} from './pms5003.js';
export {
  decodePms5003Frame,
  encodePms5003Frame,
  PMS5003_FRAME_LENGTH,
  type Pms5003Frame,
  Pms5003FrameError,
  type Pms5003FrameProblem,
  Pms5003FrameSync,
  type Pms5003SyncStats,
} from './pms5003-frame.js';
export {
  ENVIROPLUS_COLUMN_INFO,
  ENVIROPLUS_COLUMNS,
  ENVIROPLUS_SENSORS,
  ENVIROPLUS_SIGNATURE,
  type EnviroplusColumn,
  type EnviroplusReading,
  type EnviroplusSensor,
  emptyReading,
} from './reading.js';
