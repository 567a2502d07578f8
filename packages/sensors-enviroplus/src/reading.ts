import type { ColumnInfo } from '@opensensor/sensors-core';

/** Measurement columns of the lake, in lake order (DESIGN.md §3). */
export const ENVIROPLUS_COLUMNS = [
  'temperature',
  'raw_temperature',
  'pressure',
  'humidity',
  'raw_humidity',
  'oxidised',
  'reducing',
  'nh3',
  'lux',
  'proximity',
  'pm1',
  'pm25',
  'pm10',
  'particles_03um',
  'particles_05um',
  'particles_10um',
  'particles_25um',
  'particles_50um',
  'particles_100um',
] as const;

export type EnviroplusColumn = (typeof ENVIROPLUS_COLUMNS)[number];

/** The sensors of the board, in status order. */
export const ENVIROPLUS_SENSORS = ['bme280', 'ltr559', 'gas', 'pms5003'] as const;
export type EnviroplusSensor = (typeof ENVIROPLUS_SENSORS)[number];
/** What `auto` detection looks for: the climate and light chips (a PMS5003 or an ADC alone is no Enviro+). */
export const ENVIROPLUS_SIGNATURE: readonly EnviroplusSensor[] = ['bme280', 'ltr559'];

const pm = (size: string) => ({
  unit: 'µg/m³',
  description: `${size} mass concentration (CF=1) from the PMS5003`,
});
const count = (size: string) => ({
  unit: 'particles/0.1 L',
  description: `Particles larger than ${size} µm per 0.1 L of air, from the PMS5003`,
});

/** Unit and meaning of each column (DESIGN.md §3). */
export const ENVIROPLUS_COLUMN_INFO: Readonly<Record<EnviroplusColumn, ColumnInfo>> = {
  temperature: { unit: '°C', description: 'Air temperature, the BME280 value compensated for CPU heat' },
  raw_temperature: { unit: '°C', description: 'Temperature as read from the BME280' },
  pressure: { unit: 'hPa', description: 'Barometric pressure from the BME280' },
  humidity: { unit: '%RH', description: 'Relative humidity, compensated for CPU heat' },
  raw_humidity: { unit: '%RH', description: 'Relative humidity as read from the BME280' },
  oxidised: { unit: 'kΩ', description: 'MICS6814 oxidising-gas (NO₂) element resistance' },
  reducing: { unit: 'kΩ', description: 'MICS6814 reducing-gas (CO) element resistance' },
  nh3: { unit: 'kΩ', description: 'MICS6814 NH₃ element resistance' },
  lux: { unit: 'lux', description: 'Illuminance from the LTR559' },
  proximity: { unit: 'counts', description: 'Raw proximity counts from the LTR559' },
  pm1: pm('PM1.0'),
  pm25: pm('PM2.5'),
  pm10: pm('PM10'),
  particles_03um: count('0.3'),
  particles_05um: count('0.5'),
  particles_10um: count('1.0'),
  particles_25um: count('2.5'),
  particles_50um: count('5.0'),
  particles_100um: count('10'),
};

/**
 * One reading of the board, keyed by lake column. Units: °C, hPa, %RH, kΩ, lux, raw proximity
 * counts, µg/m³ (CF=1), particles per 0.1 L. Null where the sensor is missing or failed.
 */
export type EnviroplusReading = Record<EnviroplusColumn, number | null>;

/** A reading with every column null. */
export function emptyReading(): EnviroplusReading {
  const reading = {} as EnviroplusReading;
  for (const column of ENVIROPLUS_COLUMNS) reading[column] = null;
  return reading;
}
