import {
  SENSEHAT_COLUMN_INFO,
  SENSEHAT_COLUMNS,
  SENSEHAT_SENSORS,
  SENSEHAT_SIGNATURE,
} from '@opensensor/sensors-sensehat/columns';
import { gaussian, seededRandom, smooth, uniform } from './noise.js';
import { SimulatedBoard } from './simulated-board.js';
import type { SimulatedFaults } from './simulated-enviroplus.js';

/** The Sense HAT lake columns, in lake order (same names as @opensensor/sensors-sensehat). */
export const SENSEHAT_SIM_COLUMNS = SENSEHAT_COLUMNS;
export type SenseHatSimColumn = (typeof SENSEHAT_SIM_COLUMNS)[number];
export type SenseHatSimReading = Record<SenseHatSimColumn, number | null>;

/** Fixed traits of one simulated Sense HAT station, drawn once from its seed. */
export interface SenseHatSite {
  seed: number;
  longitudeDeg: number;
  /** Room temperature the heating aims at, °C. */
  roomTempC: number;
  diurnalAmpC: number;
  meanHumidity: number;
  meanPressureHpa: number;
  /** The HAT sits over the Pi's CPU: the HTS221 reads this much warm. */
  cpuHeatC: number;
  /** How the board is mounted: a small tilt and a heading, degrees. */
  mountRollDeg: number;
  mountPitchDeg: number;
  headingDeg: number;
  /** Local geomagnetic field: total intensity (µT) and inclination (degrees, down positive). */
  fieldMicroTesla: number;
  dipDeg: number;
}

export function senseHatSite(seed: number): SenseHatSite {
  const r = seededRandom(seed ^ 0x5e45e4a7);
  const between = (lo: number, hi: number) => lo + (hi - lo) * r();
  return {
    seed,
    longitudeDeg: between(-10, 30),
    roomTempC: between(19.5, 23),
    diurnalAmpC: between(0.8, 2.2),
    meanHumidity: between(35, 55),
    meanPressureHpa: between(1006, 1020),
    cpuHeatC: between(6, 12),
    mountRollDeg: between(-3, 3),
    mountPitchDeg: between(-3, 3),
    headingDeg: between(0, 360),
    fieldMicroTesla: between(44, 54),
    dipDeg: between(55, 70),
  };
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RAD = Math.PI / 180;
const CH = {
  weather: 31,
  tempNoise: 32,
  humid: 33,
  humidNoise: 34,
  front: 35,
  frontFast: 36,
  pressNoise: 37,
  accel: 38,
  gyro: 41,
  mag: 44,
  heading: 47,
} as const;

const round = (v: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

/** A world vector in the frame of a board with this roll (about X) and pitch (about Y). */
function toBody(x: number, y: number, z: number, roll: number, pitch: number): [number, number, number] {
  const x1 = x * Math.cos(pitch) - z * Math.sin(pitch);
  const z1 = x * Math.sin(pitch) + z * Math.cos(pitch);
  return [x1, y * Math.cos(roll) + z1 * Math.sin(roll), -y * Math.sin(roll) + z1 * Math.cos(roll)];
}

/**
 * A Sense HAT on a shelf indoors: heated room with a diurnal swing and the Pi's heat on the
 * HTS221, pressure fronts, an IMU at rest (gravity plus noise, gyro noise around zero) and a
 * magnetometer whose heading drifts a few degrees as nearby iron and currents change. Pure: the
 * same site and instant always give the same reading.
 */
export function senseHatAt(site: SenseHatSite, tMs: number, out: SenseHatSimReading): SenseHatSimReading {
  const s = site.seed;
  const step = Math.floor(tMs / 1000);
  const localHour = (((tMs / HOUR + site.longitudeDeg / 15) % 24) + 24) % 24;

  const air =
    site.roomTempC +
    site.diurnalAmpC * Math.sin((2 * Math.PI * (localHour - 10)) / 24) +
    0.7 * smooth(s, CH.weather, tMs, 2 * DAY);
  const temperature = air + site.cpuHeatC + 0.03 * gaussian(s, CH.tempNoise, step);
  const humidity = Math.min(
    100,
    Math.max(5, site.meanHumidity - 2 * (air - site.roomTempC) + 6 * smooth(s, CH.humid, tMs, 1.5 * DAY)) *
      // The warm sensor sees lower relative humidity than the room.
      Math.exp(-0.06 * site.cpuHeatC) +
      0.2 * gaussian(s, CH.humidNoise, step),
  );
  const pressure =
    site.meanPressureHpa +
    11 * smooth(s, CH.front, tMs, 3 * DAY) +
    3 * smooth(s, CH.frontFast, tMs, 20 * HOUR) +
    0.015 * gaussian(s, CH.pressNoise, step);

  const roll = site.mountRollDeg * RAD;
  const pitch = site.mountPitchDeg * RAD;
  const [gx, gy, gz] = toBody(0, 0, 1, roll, pitch);
  const headingDeg = (((site.headingDeg + 4 * smooth(s, CH.heading, tMs, 6 * HOUR)) % 360) + 360) % 360;
  const yaw = headingDeg * RAD;
  const horizontal = site.fieldMicroTesla * Math.cos(site.dipDeg * RAD);
  const vertical = site.fieldMicroTesla * Math.sin(site.dipDeg * RAD);
  // Heading convention of the driver: yaw = -atan2(hy, hx) in the levelled frame; Z up, field dips down.
  const [mx, my, mz] = toBody(
    horizontal * Math.cos(yaw),
    -horizontal * Math.sin(yaw),
    -vertical,
    roll,
    pitch,
  );

  out.temperature = round(temperature, 2);
  out.humidity = round(humidity, 2);
  out.pressure = round(pressure, 3);
  out.pressure_temperature = round(
    air + site.cpuHeatC * 0.8 + 0.02 * gaussian(s, CH.tempNoise + 100, step),
    2,
  );
  out.accel_x = round(gx + 0.002 * gaussian(s, CH.accel, step), 5);
  out.accel_y = round(gy + 0.002 * gaussian(s, CH.accel + 1, step), 5);
  out.accel_z = round(gz + 0.002 * gaussian(s, CH.accel + 2, step), 5);
  out.gyro_x = round(0.002 * gaussian(s, CH.gyro, step), 5);
  out.gyro_y = round(0.002 * gaussian(s, CH.gyro + 1, step), 5);
  out.gyro_z = round(0.002 * gaussian(s, CH.gyro + 2, step), 5);
  out.mag_x = round(mx + 0.3 * gaussian(s, CH.mag, step), 3);
  out.mag_y = round(my + 0.3 * gaussian(s, CH.mag + 1, step), 3);
  out.mag_z = round(mz + 0.3 * gaussian(s, CH.mag + 2, step), 3);
  out.pitch = round(site.mountPitchDeg + 0.1 * gaussian(s, CH.accel + 3, step), 2);
  out.roll = round(site.mountRollDeg + 0.1 * gaussian(s, CH.accel + 4, step), 2);
  const heading = (headingDeg + 0.4 * gaussian(s, CH.mag + 3, step) + 360) % 360;
  out.yaw = round(heading > 180 ? heading - 360 : heading, 2);
  out.compass_heading = round(heading, 2);
  return out;
}

export function emptySenseHatSimReading(): SenseHatSimReading {
  const r = {} as SenseHatSimReading;
  for (const c of SENSEHAT_SIM_COLUMNS) r[c] = null;
  return r;
}

const SENSEHAT_GROUPS = {
  hts221: ['temperature', 'humidity'],
  lps25h: ['pressure', 'pressure_temperature'],
  lsm9ds1: [
    'accel_x',
    'accel_y',
    'accel_z',
    'gyro_x',
    'gyro_y',
    'gyro_z',
    'pitch',
    'roll',
    'yaw',
    'compass_heading',
  ],
  lsm9ds1_mag: ['mag_x', 'mag_y', 'mag_z', 'yaw', 'compass_heading'],
} as const satisfies Record<string, readonly SenseHatSimColumn[]>;
type SenseHatSimSensor = keyof typeof SENSEHAT_GROUPS;
const SENSEHAT_SIM_SENSORS = Object.keys(SENSEHAT_GROUPS) as SenseHatSimSensor[];

export interface SimulatedSenseHatOptions {
  seed: number;
  /** The instant a reading is for (the scheduler's clock). */
  now: () => number;
  /** `dropout` and `i2cError` apply; `pmsGarbage` has no meaning on this board. */
  faults?: SimulatedFaults;
}

export type SimulatedSenseHatErrorCounts = Record<SenseHatSimSensor, number>;

/** A simulated Sense HAT: a `BoardFacade` like the real `SenseHat`, with seeded faults. */
export class SimulatedSenseHat extends SimulatedBoard<SenseHatSimSensor, SenseHatSimColumn> {
  readonly site: SenseHatSite;
  private readonly reading: SenseHatSimReading;
  private readonly faults: SimulatedFaults | undefined;

  constructor(options: SimulatedSenseHatOptions) {
    const reading = emptySenseHatSimReading();
    super(
      {
        kind: 'sensehat',
        sensors: SENSEHAT_SENSORS,
        chips: {
          hts221: ['HTS221', '0x5f'],
          lps25h: ['LPS25H', '0x5c'],
          lsm9ds1: ['LSM9DS1', '0x6a'],
          lsm9ds1_mag: ['LSM9DS1 magnetometer', '0x1c'],
        } as const,
        columns: SENSEHAT_SIM_COLUMNS,
        columnInfo: SENSEHAT_COLUMN_INFO,
        signature: SENSEHAT_SIGNATURE,
      },
      options.now,
      reading,
    );
    this.reading = reading;
    this.faults = options.faults;
    this.site = senseHatSite(options.seed);
    checkFaults(options.faults);
  }

  readAt(tMs: number): SenseHatSimReading {
    const r = senseHatAt(this.site, tMs, this.reading);
    applyFaults(this.faults, this.site.seed, tMs, SENSEHAT_SIM_SENSORS, (sensor) => {
      this.fail(sensor);
      for (const col of SENSEHAT_GROUPS[sensor]) r[col] = null;
    });
    return r;
  }
}

/** Throws a RangeError naming the first fault probability outside 0..1. */
export function checkFaults(faults: SimulatedFaults | undefined): void {
  for (const [name, p] of Object.entries(faults ?? {})) {
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new RangeError(`fault probability ${name} must be between 0 and 1, got ${String(p)}`);
    }
  }
}

/** Calls `fail(sensor)` for each sensor a seeded dropout or I2C error hits at this instant. */
export function applyFaults<S extends string>(
  faults: SimulatedFaults | undefined,
  seed: number,
  tMs: number,
  sensors: readonly S[],
  fail: (sensor: S) => void,
): void {
  if (!faults) return;
  const step = Math.floor(tMs / 1000);
  const dropout = faults.dropout ?? 0;
  const i2cError = faults.i2cError ?? 0;
  sensors.forEach((sensor, i) => {
    const dropped = dropout > 0 && uniform(seed, 100 + i, step) < dropout;
    const failed = i2cError > 0 && uniform(seed, 200 + i, step) < i2cError;
    if (dropped || failed) fail(sensor);
  });
}
