import {
  ENVIROPLUS_COLUMN_INFO,
  ENVIROPLUS_SENSORS,
  ENVIROPLUS_SIGNATURE,
  type EnviroplusSensor,
} from '@opensensor/sensors-enviroplus/columns';
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
import { SimulatedBoard } from './simulated-board.js';

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

// Which columns each chip fills (the lake order groups them by chip); this order also numbers the
// fault channels, so it stays as it is for reproducible fleets.
const GROUPS: Record<EnviroplusSensor, readonly EnviroplusSimColumn[]> = {
  bme280: ENVIROPLUS_SIM_COLUMNS.slice(0, 5),
  gas: ENVIROPLUS_SIM_COLUMNS.slice(5, 8),
  ltr559: ENVIROPLUS_SIM_COLUMNS.slice(8, 10),
  pms5003: ENVIROPLUS_SIM_COLUMNS.slice(10),
};
type Sensor = keyof typeof GROUPS;
const SENSORS = Object.keys(GROUPS) as Sensor[];

/** Failed reads per sensor. */
export type SimulatedErrorCounts = Record<EnviroplusSensor, number>;

const CHIPS = {
  bme280: ['BME280', '0x76'],
  ltr559: ['LTR559', '0x23'],
  gas: ['ADS1015 + MICS6814', '0x49'],
  pms5003: ['PMS5003', '/dev/serial0'],
} as const;

/**
 * A simulated Enviro+ board: a `BoardFacade` like the real `Enviroplus` (same kind, sensors,
 * columns and signature), one reading with the lake's column names at `now()`, nulls and counted
 * errors for the seeded faults. Faults are seeded too, so a fleet with faults is reproducible.
 */
export class SimulatedEnviroplus extends SimulatedBoard<EnviroplusSensor, EnviroplusSimColumn> {
  readonly climate: SiteClimate;
  /** Garbage frames the PMS5003 reader skipped (the reading survives them). */
  pms5003GarbageFrames = 0;
  private readonly reading: EnviroplusSimReading;
  private readonly faults: SimulatedFaults | undefined;

  constructor(options: SimulatedEnviroplusOptions) {
    const reading = emptySimReading();
    super(
      {
        kind: 'enviroplus',
        sensors: ENVIROPLUS_SENSORS,
        chips: CHIPS,
        columns: ENVIROPLUS_SIM_COLUMNS,
        columnInfo: ENVIROPLUS_COLUMN_INFO,
        signature: ENVIROPLUS_SIGNATURE,
      },
      options.now,
      reading,
    );
    this.reading = reading;
    this.faults = options.faults;
    this.climate = siteClimate(options.seed);
    for (const [name, p] of Object.entries(options.faults ?? {})) {
      if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
        throw new RangeError(`fault probability ${name} must be between 0 and 1, got ${String(p)}`);
      }
    }
  }

  readAt(tMs: number): EnviroplusSimReading {
    const r = enviroplusAt(this.climate, tMs, this.reading);
    const f = this.faults;
    if (!f) return r;
    const step = Math.floor(tMs / 1000);
    SENSORS.forEach((sensor, i) => {
      const dropped = (f.dropout ?? 0) > 0 && uniform(this.climate.seed, 100 + i, step) < (f.dropout ?? 0);
      const failed = (f.i2cError ?? 0) > 0 && uniform(this.climate.seed, 200 + i, step) < (f.i2cError ?? 0);
      if (dropped || failed) {
        this.fail(sensor);
        for (const col of GROUPS[sensor]) r[col] = null;
      }
    });
    if ((f.pmsGarbage ?? 0) > 0 && uniform(this.climate.seed, 300, step) < (f.pmsGarbage ?? 0)) {
      this.pms5003GarbageFrames++;
    }
    return r;
  }
}
