import type { ColumnInfo } from '@opensensor/sensors-core';

/** Measurement columns of a breakout station's lake files, in lake order (after `timestamp`). */
export const BREAKOUT_COLUMNS = [
  'co2',
  'temperature',
  'humidity',
  'eco2',
  'tvoc',
  'pressure',
  'pressure_temperature',
] as const;

export type BreakoutColumn = (typeof BREAKOUT_COLUMNS)[number];

/** The sensors of the board, in status order. */
export const BREAKOUT_SENSORS = ['scd4x', 'sgp30', 'icp10125'] as const;
export type BreakoutSensor = (typeof BREAKOUT_SENSORS)[number];
/** What `auto` detection looks for: any of the three, each breakout is fitted on its own. */
export const BREAKOUT_SIGNATURE: readonly BreakoutSensor[] = BREAKOUT_SENSORS;

export type { ColumnInfo };

export const BREAKOUT_COLUMN_INFO: Readonly<Record<BreakoutColumn, ColumnInfo>> = {
  co2: { unit: 'ppm', description: 'CO₂ concentration from the SCD4x (photoacoustic NDIR)' },
  temperature: { unit: '°C', description: 'Air temperature from the SCD4x' },
  humidity: { unit: '%RH', description: 'Relative humidity from the SCD4x' },
  eco2: { unit: 'ppm', description: 'Equivalent CO₂ estimated by the SGP30 from VOCs (400 during start-up)' },
  tvoc: { unit: 'ppb', description: 'Total volatile organic compounds from the SGP30 (0 during start-up)' },
  pressure: {
    unit: 'hPa',
    description: 'Barometric pressure from the ICP-10125 (the chip reports Pa; stored as hPa)',
  },
  pressure_temperature: { unit: '°C', description: 'Temperature of the ICP-10125' },
};

/** One breakout reading keyed by lake column; null where the sensor is missing or failed. */
export type BreakoutReading = Record<BreakoutColumn, number | null>;

/** A reading with every column null. */
export function emptyBreakoutReading(): BreakoutReading {
  const reading = {} as BreakoutReading;
  for (const column of BREAKOUT_COLUMNS) reading[column] = null;
  return reading;
}
