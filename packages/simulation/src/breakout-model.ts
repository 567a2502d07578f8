import {
  BREAKOUT_COLUMN_INFO,
  BREAKOUT_COLUMNS,
  BREAKOUT_SENSORS,
  BREAKOUT_SIGNATURE,
} from '@opensensor/sensors-breakout/columns';
import { gaussian, seededRandom, smooth, uniform } from './noise.js';
import { applyFaults, checkFaults } from './sensehat-model.js';
import { SimulatedBoard } from './simulated-board.js';
import type { SimulatedFaults } from './simulated-enviroplus.js';

/** The breakout lake columns, in lake order (same names as @opensensor/sensors-breakout). */
export const BREAKOUT_SIM_COLUMNS = BREAKOUT_COLUMNS;
export type BreakoutSimColumn = (typeof BREAKOUT_SIM_COLUMNS)[number];
export type BreakoutSimReading = Record<BreakoutSimColumn, number | null>;

/** Fixed traits of one simulated room, drawn once from its seed. */
export interface BreakoutSite {
  seed: number;
  longitudeDeg: number;
  /** Room volume, m³. */
  volumeM3: number;
  /** Most people in the room at once. */
  maxOccupants: number;
  /** Air changes per hour while the building is in use, and at night. */
  dayAirChanges: number;
  nightAirChanges: number;
  outdoorCo2: number;
  roomTempC: number;
  meanHumidity: number;
  meanPressureHpa: number;
}

export function breakoutSite(seed: number): BreakoutSite {
  const r = seededRandom(seed ^ 0x0b7ea0c7);
  const between = (lo: number, hi: number) => lo + (hi - lo) * r();
  return {
    seed,
    longitudeDeg: between(-10, 30),
    volumeM3: between(60, 120),
    maxOccupants: Math.floor(between(2, 6)),
    dayAirChanges: between(1, 2.5),
    nightAirChanges: between(0.2, 0.5),
    outdoorCo2: between(415, 435),
    roomTempC: between(20, 23),
    meanHumidity: between(35, 55),
    meanPressureHpa: between(1006, 1020),
  };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SLOT = 15 * MINUTE;
/** CO₂ exhaled per seated adult, litres per hour. */
const LITRES_CO2_PER_PERSON_HOUR = 18;
const CH = {
  occupancy: 51,
  co2Noise: 52,
  voc: 53,
  vocShape: 54,
  vocNoise: 55,
  weather: 56,
  tempNoise: 57,
  humid: 58,
  front: 59,
  frontFast: 60,
  pressNoise: 61,
} as const;

const round = (v: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

/** Local hour and whether it is a working day (Mon–Fri) at `tMs`. */
function localTime(site: BreakoutSite, tMs: number): { hour: number; workday: boolean } {
  const local = tMs + (site.longitudeDeg / 15) * HOUR;
  const weekday = (Math.floor(local / DAY) + 4) % 7; // 1970-01-01 was a Thursday (4)
  return { hour: (((local % DAY) + DAY) % DAY) / HOUR, workday: weekday >= 1 && weekday <= 5 };
}

/** People in the room during the 15-minute slot `slot`: seeded, on working days 8–18 with a lunch dip. */
export function occupancyAt(site: BreakoutSite, slot: number): number {
  const { hour, workday } = localTime(site, slot * SLOT);
  const u = uniform(site.seed, CH.occupancy, slot);
  if (!workday || hour < 8 || hour >= 18) return u < 0.01 ? 1 : 0;
  const lunch = hour >= 12 && hour < 13 ? 0.4 : 1;
  return Math.round(site.maxOccupants * lunch * (0.3 + 0.7 * u));
}

function airChanges(site: BreakoutSite, slot: number): number {
  const { hour, workday } = localTime(site, slot * SLOT);
  return workday && hour >= 7 && hour < 19 ? site.dayAirChanges : site.nightAirChanges;
}

/**
 * Room CO₂ (ppm) at `tMs`: a well-mixed box with constant occupancy and ventilation per 15-minute
 * slot, solved exactly slot by slot from 24 h before (enough for the night-time decay to forget
 * the start), so it is a pure function of the instant.
 */
export function roomCo2At(site: BreakoutSite, tMs: number): number {
  const current = Math.floor(tMs / SLOT);
  let co2 = site.outdoorCo2;
  for (let slot = current - 96; slot <= current; slot++) {
    const hours = slot === current ? (tMs - slot * SLOT) / HOUR : SLOT / HOUR;
    const lambda = airChanges(site, slot);
    const source = (occupancyAt(site, slot) * LITRES_CO2_PER_PERSON_HOUR * 1000) / site.volumeM3; // ppm/h
    const equilibrium = site.outdoorCo2 + source / lambda;
    co2 = equilibrium + (co2 - equilibrium) * Math.exp(-lambda * hours);
  }
  return co2;
}

/**
 * An SCD4x, SGP30 and ICP-10125 in an office: CO₂ rising with seeded occupancy during working
 * hours and decaying with ventilation at night (400–2000 ppm), temperature and humidity nudged by
 * the people, eCO₂ and TVOC following CO₂ plus seeded VOC events (cleaning, cooking), and pressure
 * fronts. Pure: the same site and instant always give the same reading.
 */
export function breakoutAt(site: BreakoutSite, tMs: number, out: BreakoutSimReading): BreakoutSimReading {
  const s = site.seed;
  const step = Math.floor(tMs / 1000);
  const co2 = Math.min(2000, Math.max(400, roomCo2At(site, tMs) + 3 * gaussian(s, CH.co2Noise, step)));
  const occupants = occupancyAt(site, Math.floor(tMs / SLOT));
  const { hour } = localTime(site, tMs);
  const temperature =
    site.roomTempC +
    0.8 * Math.sin((2 * Math.PI * (hour - 10)) / 24) +
    0.25 * occupants +
    0.5 * smooth(s, CH.weather, tMs, 2 * DAY) +
    0.03 * gaussian(s, CH.tempNoise, step);
  const humidity = Math.min(
    95,
    Math.max(15, site.meanHumidity + 1.2 * occupants + 6 * smooth(s, CH.humid, tMs, 1.5 * DAY)),
  );

  // VOC events of 10–60 minutes, a few per week.
  let voc = 0;
  const hourIndex = Math.floor(tMs / HOUR);
  for (let h = hourIndex - 1; h <= hourIndex; h++) {
    if (uniform(s, CH.voc, h) >= 0.04) continue;
    const start = h * HOUR + uniform(s, CH.vocShape, h * 3) * HOUR;
    const duration = (10 + 50 * uniform(s, CH.vocShape, h * 3 + 1)) * MINUTE;
    const peak = 150 + 900 * uniform(s, CH.vocShape, h * 3 + 2);
    const x = (tMs - start) / duration;
    if (x > 0 && x < 2) voc += peak * Math.min(1, x * 5) * Math.exp(-Math.max(0, x - 0.2) * 2);
  }
  const excess = co2 - site.outdoorCo2;
  const tvoc = Math.max(0, Math.round(20 + 0.25 * excess + voc + 4 * gaussian(s, CH.vocNoise, step)));
  const eco2 = Math.max(
    400,
    Math.round(400 + 0.9 * excess + 0.6 * voc + 8 * gaussian(s, CH.vocNoise, step + 7)),
  );
  const pressure =
    site.meanPressureHpa +
    11 * smooth(s, CH.front, tMs, 3 * DAY) +
    3 * smooth(s, CH.frontFast, tMs, 20 * HOUR) +
    0.004 * gaussian(s, CH.pressNoise, step);

  out.co2 = Math.round(co2);
  out.temperature = round(temperature, 2);
  out.humidity = round(humidity, 2);
  out.eco2 = eco2;
  out.tvoc = tvoc;
  out.pressure = round(pressure, 3);
  out.pressure_temperature = round(temperature + 0.6, 2);
  return out;
}

export function emptyBreakoutSimReading(): BreakoutSimReading {
  const r = {} as BreakoutSimReading;
  for (const c of BREAKOUT_SIM_COLUMNS) r[c] = null;
  return r;
}

const BREAKOUT_GROUPS = {
  scd4x: ['co2', 'temperature', 'humidity'],
  sgp30: ['eco2', 'tvoc'],
  icp10125: ['pressure', 'pressure_temperature'],
} as const satisfies Record<string, readonly BreakoutSimColumn[]>;
type BreakoutSimSensor = keyof typeof BREAKOUT_GROUPS;
const BREAKOUT_SIM_SENSORS = Object.keys(BREAKOUT_GROUPS) as BreakoutSimSensor[];

export interface SimulatedBreakoutOptions {
  seed: number;
  /** The instant a reading is for (the scheduler's clock). */
  now: () => number;
  /** `dropout` and `i2cError` apply; `pmsGarbage` has no meaning on this board. */
  faults?: SimulatedFaults;
}

export type SimulatedBreakoutErrorCounts = Record<BreakoutSimSensor, number>;

/** Simulated SCD4x/SGP30/ICP-10125 breakouts: a `BoardFacade` like the real `Breakout`, with seeded faults. */
export class SimulatedBreakout extends SimulatedBoard<BreakoutSimSensor, BreakoutSimColumn> {
  readonly site: BreakoutSite;
  private readonly reading: BreakoutSimReading;
  private readonly faults: SimulatedFaults | undefined;

  constructor(options: SimulatedBreakoutOptions) {
    const reading = emptyBreakoutSimReading();
    super(
      {
        kind: 'breakout',
        sensors: BREAKOUT_SENSORS,
        chips: {
          scd4x: ['SCD4x', '0x62'],
          sgp30: ['SGP30', '0x58'],
          icp10125: ['ICP-10125', '0x63'],
        } as const,
        columns: BREAKOUT_SIM_COLUMNS,
        columnInfo: BREAKOUT_COLUMN_INFO,
        signature: BREAKOUT_SIGNATURE,
      },
      options.now,
      reading,
    );
    this.reading = reading;
    this.faults = options.faults;
    this.site = breakoutSite(options.seed);
    checkFaults(options.faults);
  }

  readAt(tMs: number): BreakoutSimReading {
    const r = breakoutAt(this.site, tMs, this.reading);
    applyFaults(this.faults, this.site.seed, tMs, BREAKOUT_SIM_SENSORS, (sensor) => {
      this.fail(sensor);
      for (const col of BREAKOUT_GROUPS[sensor]) r[col] = null;
    });
    return r;
  }
}
