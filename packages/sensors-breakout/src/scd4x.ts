import { type Clock, realSleep, type Sleep, systemClock } from '@opensensor/errors';
import { CommandDevice, type CommandI2cBus } from './command-bus.js';

export const SCD4X_ADDRESS = 0x62;

/** Command codes and execution times (ms) of the SCD40/SCD41. */
export const SCD4X_COMMANDS = {
  startPeriodicMeasurement: [0x21b1, 0],
  readMeasurement: [0xec05, 1],
  stopPeriodicMeasurement: [0x3f86, 500],
  getDataReadyStatus: [0xe4b8, 1],
  setTemperatureOffset: [0x241d, 1],
  getTemperatureOffset: [0x2318, 1],
  setSensorAltitude: [0x2427, 1],
  setAmbientPressure: [0xe000, 1],
  getSerialNumber: [0x3682, 1],
  reinit: [0x3646, 20],
} as const satisfies Record<string, readonly [number, number]>;

/** One SCD4x measurement. */
export interface Scd4xReading {
  /** CO₂, ppm. */
  co2: number;
  /** °C. */
  temperature: number;
  /** %RH. */
  humidity: number;
}

/** Converts the three read_measurement words (CO₂ ppm, T ticks, RH ticks). */
export function decodeScd4xMeasurement(words: readonly number[]): Scd4xReading {
  const [co2, t, rh] = words as [number, number, number];
  return { co2, temperature: -45 + (175 * t) / 65536, humidity: (100 * rh) / 65536 };
}

/** get_data_ready_status: new data when any of the low 11 bits is set. */
export function scd4xDataReady(word: number): boolean {
  return (word & 0x07ff) !== 0;
}

/** The set_temperature_offset word for `celsius` (truncated, as the Sensirion and Pimoroni drivers do). */
export function scd4xTemperatureOffsetWord(celsius: number): number {
  return Math.trunc((celsius * 65536) / 175);
}

/** The 48-bit serial number from get_serial_number's three words. */
export function scd4xSerialNumber(words: readonly number[]): number {
  const [a, b, c] = words as [number, number, number];
  return a * 2 ** 32 + b * 2 ** 16 + c;
}

export interface Scd4xOptions {
  address?: number;
  /** Self-heating offset the sensor subtracts from its temperature, °C (sent at init when set). */
  temperatureOffset?: number;
  /** Altitude for pressure compensation, metres (sent at init when set; ambient pressure overrides it). */
  altitude?: number;
  /** Reuse the last measurement while no new one is ready, if at most this old. Default 10000 ms. */
  maxAgeMs?: number;
  /** Without a recent measurement, poll data-ready this long. Default 6000 ms (one period is 5 s). */
  readyTimeoutMs?: number;
  /** Poll interval, default 100 ms (Pimoroni). */
  pollMs?: number;
  clock?: Clock;
  sleep?: Sleep;
}

/** Sensirion SCD40/SCD41 CO₂ sensor in periodic measurement mode (a result every 5 s). */
export class SCD4x {
  readonly address: number;
  private readonly dev: CommandDevice;
  private readonly options: Scd4xOptions;
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private running = false;
  private last: { reading: Scd4xReading; at: number } | undefined;
  private serial: number | undefined;
  private pressureSentHpa: number | undefined;

  constructor(bus: CommandI2cBus, options: Scd4xOptions = {}) {
    this.options = options;
    this.address = options.address ?? SCD4X_ADDRESS;
    this.sleep = options.sleep ?? realSleep;
    this.clock = options.clock ?? systemClock;
    this.dev = new CommandDevice(bus, 'SCD4x', this.address, this.sleep);
  }

  /** The 48-bit serial number read at init. */
  get serialNumber(): number | undefined {
    return this.serial;
  }

  /**
   * Stops any running measurement (the sensor keeps measuring across a restart of this process and
   * then refuses most commands), reads the serial number, applies settings and starts periodic mode.
   */
  async init(): Promise<void> {
    this.running = false;
    this.last = undefined;
    this.pressureSentHpa = undefined;
    await this.run('stopPeriodicMeasurement', 'stopping periodic measurement', { firstContact: true });
    this.serial = scd4xSerialNumber(
      await this.run('getSerialNumber', 'reading the serial number', { read: 3 }),
    );
    if (this.options.temperatureOffset !== undefined) {
      await this.run('setTemperatureOffset', 'setting the temperature offset', {
        args: [scd4xTemperatureOffsetWord(this.options.temperatureOffset)],
      });
    }
    if (this.options.altitude !== undefined) {
      await this.run('setSensorAltitude', 'setting the altitude', {
        args: [Math.round(this.options.altitude)],
      });
    }
    await this.run('startPeriodicMeasurement', 'starting periodic measurement');
    this.running = true;
  }

  /**
   * The newest measurement: read when the sensor has one ready, else the previous one while it is
   * younger than `maxAgeMs`, else (just after start) poll until the first one arrives.
   */
  async read(): Promise<Scd4xReading> {
    if (!this.running) throw this.dev.error('NOT_READY', 'read() called before init()');
    if (await this.dataReady()) return this.readMeasurement();
    const maxAge = this.options.maxAgeMs ?? 10_000;
    if (this.last && this.clock.now() - this.last.at <= maxAge) return this.last.reading;
    const timeout = this.options.readyTimeoutMs ?? 6000;
    const poll = this.options.pollMs ?? 100;
    for (let waited = 0; waited < timeout; waited += poll) {
      await this.sleep(poll);
      if (await this.dataReady()) return this.readMeasurement();
    }
    throw this.dev.error('NOT_READY', `no measurement ready within ${timeout} ms`);
  }

  /**
   * Pressure compensation from a barometer, hPa (allowed during periodic measurement). Sent only when
   * it moved by at least 1 hPa, the command's resolution.
   */
  async setAmbientPressure(hPa: number): Promise<void> {
    const word = Math.round(hPa);
    if (!(word >= 700 && word <= 1200)) {
      throw new RangeError(`SCD4x ambient pressure must be 700–1200 hPa, got ${hPa}`);
    }
    if (this.pressureSentHpa === word) return;
    await this.run('setAmbientPressure', 'setting the ambient pressure', { args: [word] });
    this.pressureSentHpa = word;
  }

  /** Stops periodic measurement, so the sensor idles and accepts configuration again. */
  async close(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.run('stopPeriodicMeasurement', 'stopping periodic measurement');
  }

  private async dataReady(): Promise<boolean> {
    const [word] = await this.run('getDataReadyStatus', 'reading data-ready status', { read: 1 });
    return scd4xDataReady(word as number);
  }

  private async readMeasurement(): Promise<Scd4xReading> {
    const reading = decodeScd4xMeasurement(
      await this.run('readMeasurement', 'reading the measurement', { read: 3 }),
    );
    this.last = { reading, at: this.clock.now() };
    return reading;
  }

  private run(
    name: keyof typeof SCD4X_COMMANDS,
    what: string,
    o: { args?: number[]; read?: number; firstContact?: boolean } = {},
  ): Promise<number[]> {
    const [code, delayMs] = SCD4X_COMMANDS[name];
    return this.dev.command(code, what, { ...o, delayMs });
  }
}
