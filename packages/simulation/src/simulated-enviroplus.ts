import {
  ENVIROPLUS_SIM_COLUMNS,
  type EnviroplusSimColumn,
  type EnviroplusSimReading,
  emptySimReading,
  enviroplusAt,
  type SiteClimate,
  siteClimate,
} from './enviroplus-model.js';
import { uniform } from './noise.js';

/** Probabilities per reading (0–1) of the faults a real station shows. */
export interface SimulatedFaults {
  /** A sensor does not answer for one reading: its columns are null. */
  dropout?: number;
  /** An I2C transfer fails mid-read (EIO/NACK): that sensor's columns are null. */
  i2cError?: number;
  /** The PMS5003 stream carries garbage bytes; the reader resynchronises, the reading survives. */
  pmsGarbage?: number;
}

export interface SimulatedEnviroplusOptions {
  seed: number;
  /** The instant a reading is for (the scheduler's clock). */
  now: () => number;
  faults?: SimulatedFaults;
}

// Which columns each chip fills (the lake order groups them by chip).
const GROUPS: Record<'bme280' | 'gas' | 'ltr559' | 'pms5003', readonly EnviroplusSimColumn[]> = {
  bme280: ENVIROPLUS_SIM_COLUMNS.slice(0, 5),
  gas: ENVIROPLUS_SIM_COLUMNS.slice(5, 8),
  ltr559: ENVIROPLUS_SIM_COLUMNS.slice(8, 10),
  pms5003: ENVIROPLUS_SIM_COLUMNS.slice(10),
};
type Sensor = keyof typeof GROUPS;
const SENSORS = Object.keys(GROUPS) as Sensor[];

export interface SimulatedErrorCounts {
  bme280: number;
  gas: number;
  ltr559: number;
  pms5003: number;
  /** Garbage frames the PMS5003 reader skipped. */
  pms5003Frames: number;
}

/**
 * A simulated Enviro+ board with the same shape as the real facade: `init()`, `read()` (one reading
 * with the lake's column names, nulls for failed sensors) and error counters. Faults are seeded too,
 * so a fleet with faults is reproducible.
 */
export class SimulatedEnviroplus {
  readonly name = 'enviroplus (simulated)';
  readonly columns = ENVIROPLUS_SIM_COLUMNS;
  readonly climate: SiteClimate;
  readonly errors: SimulatedErrorCounts = { bme280: 0, gas: 0, ltr559: 0, pms5003: 0, pms5003Frames: 0 };
  private readonly reading = emptySimReading();

  constructor(private readonly options: SimulatedEnviroplusOptions) {
    this.climate = siteClimate(options.seed);
    for (const [name, p] of Object.entries(options.faults ?? {})) {
      if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
        throw new RangeError(`fault probability ${name} must be between 0 and 1, got ${String(p)}`);
      }
    }
  }

  async init(): Promise<void> {}

  async detect(): Promise<Record<Sensor, boolean>> {
    return { bme280: true, gas: true, ltr559: true, pms5003: true };
  }

  /**
   * The reading for `now()`. The returned object is reused by the next call (no allocation per
   * reading): copy it if you keep it.
   */
  async read(): Promise<EnviroplusSimReading> {
    return this.readAt(this.options.now());
  }

  readAt(tMs: number): EnviroplusSimReading {
    const r = enviroplusAt(this.climate, tMs, this.reading);
    const f = this.options.faults;
    if (!f) return r;
    const step = Math.floor(tMs / 1000);
    SENSORS.forEach((sensor, i) => {
      const dropped = (f.dropout ?? 0) > 0 && uniform(this.climate.seed, 100 + i, step) < (f.dropout ?? 0);
      const failed = (f.i2cError ?? 0) > 0 && uniform(this.climate.seed, 200 + i, step) < (f.i2cError ?? 0);
      if (dropped || failed) {
        this.errors[sensor]++;
        for (const col of GROUPS[sensor]) r[col] = null;
      }
    });
    if ((f.pmsGarbage ?? 0) > 0 && uniform(this.climate.seed, 300, step) < (f.pmsGarbage ?? 0)) {
      this.errors.pms5003Frames++;
    }
    return r;
  }

  async close(): Promise<void> {}
}
