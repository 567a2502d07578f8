/**
 * @opensensor/parquet-hive-writer/testing: realistic, seeded window data for tests, benchmarks and
 * demos. Pure functions of their arguments, so a test can rebuild the exact rows it wrote.
 */
import type { MaskedColumn, WindowRows } from './rows.js';
import { SENSOR_SCHEMA } from './schemas.js';
import type { LakeWindow } from './window.js';

/** A small seeded PRNG (mulberry32): deterministic across runs and platforms. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SensorRowsOptions {
  window: LakeWindow;
  /** Seconds between readings (default 5, the reference cadence). */
  intervalSec?: number;
  /** Default 1. */
  seed?: number;
  /** Probability that a value is null (a failed read); default 0.01. */
  nullRate?: number;
  /** First reading's offset into the window in ms (default 0): a partial first window starts later. */
  offsetMs?: number;
}

// Typical indoor levels and how far they wander; particle counts and PM are whole numbers.
const PROFILE: Record<string, [base: number, swing: number, integer: boolean]> = {
  temperature: [21.5, 1.5, false],
  raw_temperature: [28.0, 2.0, false],
  pressure: [1013.2, 2.0, false],
  humidity: [45.0, 5.0, false],
  raw_humidity: [38.0, 4.0, false],
  oxidised: [30.0, 6.0, false],
  reducing: [250.0, 30.0, false],
  nh3: [90.0, 10.0, false],
  lux: [120.0, 60.0, false],
  proximity: [4.0, 3.0, true],
  pm1: [3.0, 2.0, true],
  pm25: [5.0, 3.0, true],
  pm10: [7.0, 4.0, true],
  particles_03um: [600.0, 200.0, true],
  particles_05um: [180.0, 60.0, true],
  particles_10um: [40.0, 15.0, true],
  particles_25um: [5.0, 3.0, true],
  particles_50um: [1.0, 1.0, true],
  particles_100um: [0.0, 1.0, true],
};

/** `WindowRows` in the typed-array form a pipeline accumulates. */
export interface SensorWindowRows extends WindowRows {
  readonly timestamp: Float64Array;
  readonly columns: Readonly<Record<string, MaskedColumn>>;
}

/**
 * Readings for every SENSOR_SCHEMA column over one window, as a pipeline would accumulate them:
 * timestamps in a Float64Array, values in Float32Array + null mask, smoothly varying with sensor noise.
 */
export function sensorWindowRows(options: SensorRowsOptions): SensorWindowRows {
  const { window } = options;
  const intervalMs = (options.intervalSec ?? 5) * 1000;
  const offset = options.offsetMs ?? 0;
  const nullRate = options.nullRate ?? 0.01;
  const random = seededRandom(options.seed ?? 1);
  const n = Math.max(0, Math.ceil((window.end - window.start - offset) / intervalMs));
  const timestamp = new Float64Array(n);
  for (let i = 0; i < n; i++) timestamp[i] = window.start + offset + i * intervalMs;
  const columns: Record<string, MaskedColumn> = {};
  SENSOR_SCHEMA.columns.forEach((column, k) => {
    const [base, swing, integer] = PROFILE[column.name] ?? [0, 1, false];
    const values = new Float32Array(n);
    const nulls = new Uint8Array(n);
    const phase = random() * Math.PI * 2;
    for (let i = 0; i < n; i++) {
      if (random() < nullRate) {
        nulls[i] = 1;
        continue;
      }
      const t = (timestamp[i] as number) / 3_600_000;
      const v = base + swing * Math.sin(t * 2 * Math.PI + phase + k) + (random() - 0.5) * swing * 0.1;
      values[i] = integer ? Math.max(0, Math.round(v)) : v;
    }
    columns[column.name] = { values, nulls };
  });
  return { timestamp, columns };
}
export { type LakeReader, lakeGlob, openLakeReader } from './duckdb-reader.js';
