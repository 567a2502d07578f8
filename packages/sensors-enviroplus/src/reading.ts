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
