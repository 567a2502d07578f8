import type { ColumnInfo } from '@opensensor/sensors-core';

/** Measurement columns of a Sense HAT station's lake files, in lake order (after `timestamp`). */
export const SENSEHAT_COLUMNS = [
  'temperature',
  'humidity',
  'pressure',
  'pressure_temperature',
  'accel_x',
  'accel_y',
  'accel_z',
  'gyro_x',
  'gyro_y',
  'gyro_z',
  'mag_x',
  'mag_y',
  'mag_z',
  'pitch',
  'roll',
  'yaw',
  'compass_heading',
] as const;

export type SenseHatColumn = (typeof SENSEHAT_COLUMNS)[number];

/** The sensors of the board, in status order. */
export const SENSEHAT_SENSORS = ['hts221', 'lps25h', 'lsm9ds1', 'lsm9ds1_mag'] as const;
export type SenseHatSensor = (typeof SENSEHAT_SENSORS)[number];
/** What `auto` detection looks for: the climate chips and the IMU (the magnetometer's address is shared with other parts). */
export const SENSEHAT_SIGNATURE: readonly SenseHatSensor[] = ['hts221', 'lps25h', 'lsm9ds1'];

export type { ColumnInfo };

export const SENSEHAT_COLUMN_INFO: Readonly<Record<SenseHatColumn, ColumnInfo>> = {
  temperature: {
    unit: '°C',
    description: 'Air temperature from the HTS221 (reads warm: the Pi heats the HAT)',
  },
  humidity: { unit: '%RH', description: 'Relative humidity from the HTS221, clamped to 0–100' },
  pressure: { unit: 'hPa', description: 'Barometric pressure from the LPS25H' },
  pressure_temperature: { unit: '°C', description: 'Temperature of the LPS25H die' },
  accel_x: { unit: 'g', description: 'Acceleration along the board X axis (LSM9DS1, ±8 g)' },
  accel_y: { unit: 'g', description: 'Acceleration along the board Y axis' },
  accel_z: { unit: 'g', description: 'Acceleration along the board Z axis (+1 g flat at rest)' },
  gyro_x: { unit: 'rad/s', description: 'Angular rate about X (LSM9DS1, ±500 dps)' },
  gyro_y: { unit: 'rad/s', description: 'Angular rate about Y' },
  gyro_z: { unit: 'rad/s', description: 'Angular rate about Z' },
  mag_x: { unit: 'µT', description: 'Magnetic field along X (LSM9DS1, ±4 gauss)' },
  mag_y: { unit: 'µT', description: 'Magnetic field along Y' },
  mag_z: { unit: 'µT', description: 'Magnetic field along Z' },
  pitch: { unit: '°', description: 'Pitch from gravity, −90..90' },
  roll: { unit: '°', description: 'Roll from gravity, −180..180' },
  yaw: { unit: '°', description: 'Tilt-compensated magnetic heading, −180..180' },
  compass_heading: { unit: '°', description: 'Tilt-compensated heading from magnetic north, 0..360' },
};

/** One Sense HAT reading keyed by lake column; null where the sensor is missing or failed. */
export type SenseHatReading = Record<SenseHatColumn, number | null>;

/** A reading with every column null. */
export function emptySenseHatReading(): SenseHatReading {
  const reading = {} as SenseHatReading;
  for (const column of SENSEHAT_COLUMNS) reading[column] = null;
  return reading;
}
