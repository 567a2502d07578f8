import { type Clock, realSleep, type Sleep, systemClock } from '@opensensor/errors';
import { CommandDevice, type CommandI2cBus } from './command-bus.js';

export const SGP30_ADDRESS = 0x58;

/** Command codes and maximum durations (ms) of the SGP30. */
export const SGP30_COMMANDS = {
  initAirQuality: [0x2003, 10],
  measureAirQuality: [0x2008, 12],
  getBaseline: [0x2015, 10],
  setBaseline: [0x201e, 10],
  setHumidity: [0x2061, 10],
  getFeatureSet: [0x202f, 10],
  getSerialId: [0x3682, 1],
} as const satisfies Record<string, readonly [number, number]>;

/** After iaq_init the SGP30 reports 400 ppm / 0 ppb for about 15 s. */
export const SGP30_WARMUP_MS = 15_000;

export interface Sgp30Reading {
  /** Equivalent CO₂, ppm. */
  eco2: number;
  /** Total volatile organic compounds, ppb. */
  tvoc: number;
}

/** Absolute humidity (g/m³) from temperature and relative humidity (Sensirion's approximation). */
export function absoluteHumidity(celsius: number, relativeHumidity: number): number {
  const svp = 6.112 * Math.exp((17.62 * celsius) / (243.12 + celsius));
  return (216.7 * ((relativeHumidity / 100) * svp)) / (273.15 + celsius);
}

/** The set_humidity word: g/m³ in 8.8 fixed point (0 turns compensation off). */
export function sgp30HumidityWord(gramsPerCubicMetre: number): number {
  return Math.max(0, Math.min(0xffff, Math.round(gramsPerCubicMetre * 256)));
}

export interface Sgp30Options {
  address?: number;
  clock?: Clock;
  sleep?: Sleep;
}

/** Sensirion SGP30 air-quality sensor (eCO₂, TVOC). */
export class SGP30 {
  readonly address: number;
  private readonly dev: CommandDevice;
  private readonly clock: Clock;
  private startedAt: number | undefined;
  private serial: number | undefined;
  private features: number | undefined;

  constructor(bus: CommandI2cBus, options: Sgp30Options = {}) {
    this.address = options.address ?? SGP30_ADDRESS;
    this.clock = options.clock ?? systemClock;
    this.dev = new CommandDevice(bus, 'SGP30', this.address, options.sleep ?? realSleep);
  }

  get serialNumber(): number | undefined {
    return this.serial;
  }

  /** Feature set word: product type in bits 15:12, version in the low byte. */
  get featureSet(): number | undefined {
    return this.features;
  }

  /** True for the first 15 s after init, while the sensor still reports its fixed start values. */
  get warmingUp(): boolean {
    return this.startedAt === undefined || this.clock.now() - this.startedAt < SGP30_WARMUP_MS;
  }

  /** Reads identity, then starts the air-quality algorithm (iaq_init). */
  async init(): Promise<void> {
    this.startedAt = undefined;
    [this.features] = await this.run('getFeatureSet', 'reading the feature set', {
      read: 1,
      firstContact: true,
    });
    const [a, b, c] = (await this.run('getSerialId', 'reading the serial id', { read: 3 })) as [
      number,
      number,
      number,
    ];
    this.serial = a * 2 ** 32 + b * 2 ** 16 + c;
    await this.run('initAirQuality', 'starting the air-quality algorithm');
    this.startedAt = this.clock.now();
  }

  /** One measurement. Call every second: the sensor's baseline compensation assumes that rate. */
  async read(): Promise<Sgp30Reading> {
    if (this.startedAt === undefined) throw this.dev.error('NOT_READY', 'read() called before init()');
    const [eco2, tvoc] = (await this.run('measureAirQuality', 'measuring air quality', { read: 2 })) as [
      number,
      number,
    ];
    return { eco2, tvoc };
  }

  /** Humidity compensation from absolute humidity in g/m³ (0 turns it off). */
  async setHumidity(gramsPerCubicMetre: number): Promise<void> {
    await this.run('setHumidity', 'setting humidity', { args: [sgp30HumidityWord(gramsPerCubicMetre)] });
  }

  /** The algorithm baseline, to store and restore across restarts. */
  async getBaseline(): Promise<Sgp30Reading> {
    const [eco2, tvoc] = (await this.run('getBaseline', 'reading the baseline', { read: 2 })) as [
      number,
      number,
    ];
    return { eco2, tvoc };
  }

  /** Restores a stored baseline; the chip takes TVOC first, then eCO₂. */
  async setBaseline(baseline: Sgp30Reading): Promise<void> {
    await this.run('setBaseline', 'setting the baseline', { args: [baseline.tvoc, baseline.eco2] });
  }

  private run(
    name: keyof typeof SGP30_COMMANDS,
    what: string,
    o: { args?: number[]; read?: number; firstContact?: boolean } = {},
  ): Promise<number[]> {
    const [code, delayMs] = SGP30_COMMANDS[name];
    return this.dev.command(code, what, { ...o, delayMs });
  }
}
