import { ENVIROPLUS_COLUMNS } from '@opensensor/sensors-enviroplus/columns';
import { gaussian, seededRandom, smooth, uniform } from './noise.js';

/** The Enviro+ lake columns, in lake order: the board facade's own list. */
export const ENVIROPLUS_SIM_COLUMNS = ENVIROPLUS_COLUMNS;
export type EnviroplusSimColumn = (typeof ENVIROPLUS_SIM_COLUMNS)[number];
export type EnviroplusSimReading = Record<EnviroplusSimColumn, number | null>;

/** Fixed traits of one simulated site, drawn once from its seed. */
export interface SiteClimate {
  seed: number;
  latitudeDeg: number;
  longitudeDeg: number;
  meanTempC: number;
  seasonalAmpC: number;
  diurnalAmpC: number;
  meanHumidity: number;
  meanPressureHpa: number;
  maxLux: number;
  /** CPU heat reaching the BME280 on an Enviro+ (why compensation exists). */
  cpuHeatC: number;
  pmBackground: number;
  oxidisedBaseKohm: number;
  reducingBaseKohm: number;
  nh3BaseKohm: number;
}

export function siteClimate(seed: number): SiteClimate {
  const r = seededRandom(seed);
  const between = (lo: number, hi: number) => lo + (hi - lo) * r();
  return {
    seed,
    latitudeDeg: between(35, 60),
    longitudeDeg: between(-10, 30),
    meanTempC: between(7, 16),
    seasonalAmpC: between(5, 10),
    diurnalAmpC: between(2.5, 6.5),
    meanHumidity: between(55, 80),
    meanPressureHpa: between(1006, 1020),
    maxLux: between(15_000, 55_000),
    cpuHeatC: between(4, 9),
    pmBackground: between(2, 12),
    oxidisedBaseKohm: between(15, 60),
    reducingBaseKohm: between(150, 600),
    nh3BaseKohm: between(40, 200),
  };
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// Noise channels: each physical process draws from its own stream.
const CH = {
  weather: 1,
  tempFast: 2,
  tempNoise: 3,
  humid: 4,
  humidNoise: 5,
  front: 6,
  frontFast: 7,
  pressNoise: 8,
  cloud: 9,
  luxNoise: 10,
  proxEvent: 11,
  proxValue: 12,
  pmSlow: 13,
  episode: 14,
  episodeShape: 15,
  pmNoise: 16,
  gasDrift: 17,
  gasNoise: 18,
  cpu: 19,
} as const;

/** Saturation vapour pressure (hPa), Magnus formula. */
function saturationHpa(tC: number): number {
  return 6.112 * Math.exp((17.62 * tC) / (243.12 + tC));
}

const round = (v: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

/**
 * The physical state of a site at one instant: diurnal and seasonal temperature with weather,
 * humidity anti-correlated with temperature, slow pressure fronts, daylight from solar elevation with
 * clouds, PM background with rush hours and episodes, gas resistances drifting slowly and falling
 * during pollution. Pure: the same climate and instant always give the same reading.
 */
export function enviroplusAt(c: SiteClimate, tMs: number, out: EnviroplusSimReading): EnviroplusSimReading {
  const s = c.seed;
  const dayOfYear = Math.floor((tMs % (365.25 * DAY)) / DAY);
  const localHour = (((tMs / HOUR + c.longitudeDeg / 15) % 24) + 24) % 24;
  const step = Math.floor(tMs / 1000);

  const season = -c.seasonalAmpC * Math.cos((2 * Math.PI * (dayOfYear - 15)) / 365.25);
  const baseline = c.meanTempC + season;
  const temperature =
    baseline +
    c.diurnalAmpC * Math.sin((2 * Math.PI * (localHour - 9)) / 24) +
    3 * smooth(s, CH.weather, tMs, 2 * DAY) +
    0.8 * smooth(s, CH.tempFast, tMs, 5 * HOUR) +
    0.04 * gaussian(s, CH.tempNoise, step);

  const humidity = Math.min(
    100,
    Math.max(
      8,
      c.meanHumidity -
        3.2 * (temperature - baseline) +
        10 * smooth(s, CH.humid, tMs, 1.5 * DAY) +
        0.25 * gaussian(s, CH.humidNoise, step),
    ),
  );
  const pressure =
    c.meanPressureHpa +
    11 * smooth(s, CH.front, tMs, 3 * DAY) +
    3 * smooth(s, CH.frontFast, tMs, 20 * HOUR) +
    0.03 * gaussian(s, CH.pressNoise, step);

  // The BME280 sits next to the CPU: it reads warmer, and relative humidity lower for the same vapour.
  const rawTemperature = temperature + c.cpuHeatC + 0.6 * smooth(s, CH.cpu, tMs, HOUR);
  const vapour = (humidity / 100) * saturationHpa(temperature);
  const rawHumidity = Math.min(100, (100 * vapour) / saturationHpa(rawTemperature));

  const declination = ((23.44 * Math.PI) / 180) * Math.sin((2 * Math.PI * (284 + dayOfYear)) / 365);
  const lat = (c.latitudeDeg * Math.PI) / 180;
  const hourAngle = (15 * (localHour - 12) * Math.PI) / 180;
  const sinElevation =
    Math.sin(lat) * Math.sin(declination) + Math.cos(lat) * Math.cos(declination) * Math.cos(hourAngle);
  const cloud = 0.25 + 0.75 * (0.5 + 0.5 * smooth(s, CH.cloud, tMs, 3 * HOUR));
  const lux =
    sinElevation > 0
      ? c.maxLux * sinElevation ** 1.2 * cloud + Math.abs(gaussian(s, CH.luxNoise, step))
      : Math.abs(0.4 * gaussian(s, CH.luxNoise, step));

  const minute = Math.floor(tMs / 60_000);
  const proximity =
    uniform(s, CH.proxEvent, minute) < 0.015
      ? 200 + Math.floor(1300 * uniform(s, CH.proxValue, step))
      : Math.floor(4 * uniform(s, CH.proxValue, step));

  // PM: background with daily swings, rush hours, and seeded pollution episodes of 20–150 minutes.
  const rush =
    Math.exp(-(((localHour - 8) / 1.2) ** 2)) * 0.8 + Math.exp(-(((localHour - 18) / 1.5) ** 2)) * 0.6;
  let episodes = 0;
  const hour = Math.floor(tMs / HOUR);
  for (let h = hour - 3; h <= hour; h++) {
    if (uniform(s, CH.episode, h) >= 0.035) continue;
    const start = h * HOUR + uniform(s, CH.episodeShape, h * 3) * HOUR;
    const duration = (20 + 130 * uniform(s, CH.episodeShape, h * 3 + 1)) * 60_000;
    const peak = 15 + 100 * uniform(s, CH.episodeShape, h * 3 + 2);
    const x = (tMs - start) / duration;
    if (x > 0 && x < 3) episodes += peak * Math.min(1, x * 4) * Math.exp(-Math.max(0, x - 0.25) * 1.6);
  }
  const background = c.pmBackground * (1 + 0.4 * smooth(s, CH.pmSlow, tMs, 12 * HOUR)) * (1 + rush);
  const pm25 = Math.max(0, Math.round(background + episodes + 0.6 * gaussian(s, CH.pmNoise, step)));
  const pm1 = Math.max(0, Math.round(pm25 * 0.68 + 0.4 * gaussian(s, CH.pmNoise, step + 7)));
  const pm10 = Math.max(pm25, Math.round(pm25 * 1.3 + 1 + Math.abs(gaussian(s, CH.pmNoise, step + 13))));
  const p03 = Math.max(0, Math.round(pm1 * 95 + 120 + 15 * gaussian(s, CH.pmNoise, step + 17)));

  // Metal-oxide resistances: slow drift, and lower while pollution (reducing gases) is high.
  const pollution = Math.min(1, (episodes + rush * c.pmBackground) / 60);
  const drift = Math.exp(0.25 * smooth(s, CH.gasDrift, tMs, 5 * DAY));
  const gasNoise = 1 + 0.01 * gaussian(s, CH.gasNoise, step);

  out.temperature = round(temperature, 2);
  out.raw_temperature = round(rawTemperature, 2);
  out.pressure = round(pressure, 2);
  out.humidity = round(humidity, 2);
  out.raw_humidity = round(rawHumidity, 2);
  out.oxidised = round(c.oxidisedBaseKohm * drift * (1 + 0.5 * pollution) * gasNoise, 3);
  out.reducing = round(c.reducingBaseKohm * drift * (1 - 0.55 * pollution) * gasNoise, 3);
  out.nh3 = round(c.nh3BaseKohm * drift * (1 - 0.35 * pollution) * gasNoise, 3);
  out.lux = round(lux, 2);
  out.proximity = proximity;
  out.pm1 = pm1;
  out.pm25 = pm25;
  out.pm10 = pm10;
  out.particles_03um = p03;
  out.particles_05um = Math.round(p03 * 0.3);
  out.particles_10um = Math.round(pm25 * 4.2);
  out.particles_25um = Math.round(pm10 * 0.35);
  out.particles_50um = Math.round(pm10 * 0.08);
  out.particles_100um = Math.round(pm10 * 0.02);
  return out;
}

export function emptySimReading(): EnviroplusSimReading {
  const r = {} as EnviroplusSimReading;
  for (const c of ENVIROPLUS_SIM_COLUMNS) r[c] = null;
  return r;
}
