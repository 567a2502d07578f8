import { type Clock, type Sleep, systemClock } from '@opensensor/errors';
import {
  BoardBus,
  type BoardFacade,
  type BoardSample,
  describeError,
  formatAddress,
  type SensorReadResult,
  SensorSlot,
  type SensorSlotStatus,
  SensorSlots,
} from '@opensensor/sensors-core';
import { type CommandI2cBus, isCommandBus } from './command-bus.js';
import { ICP10125, ICP10125_ADDRESS, type Icp10125Mode } from './icp10125.js';
import {
  BREAKOUT_COLUMN_INFO,
  BREAKOUT_COLUMNS,
  BREAKOUT_SENSORS,
  BREAKOUT_SIGNATURE,
  type BreakoutColumn,
  type BreakoutReading,
  type BreakoutSensor,
  emptyBreakoutReading,
} from './reading.js';
import { SCD4X_ADDRESS, SCD4x, type Scd4xOptions } from './scd4x.js';
import { absoluteHumidity, SGP30, SGP30_ADDRESS, type Sgp30Reading, sgp30HumidityWord } from './sgp30.js';

/** What detection found for one sensor of a board. */
export type SensorStatus<S extends string = string> = SensorSlotStatus<S>;

export type BreakoutSensorStatus = SensorStatus<BreakoutSensor>;

/**
 * One reading of all breakouts; `warmup` is true for the first `warmupReadings` samples and while
 * the SGP30 still reports its start-up values.
 */
export interface BreakoutSample extends BoardSample<BreakoutSensor, BreakoutColumn> {
  reading: BreakoutReading;
  sensors: Record<BreakoutSensor, SensorReadResult>;
}

/** Starts a repeating job and returns its stop function; injected so tests drive the SGP30 cadence. */
export type RepeatTimer = (tick: () => void, everyMs: number) => () => void;

const intervalTimer: RepeatTimer = (tick, everyMs) => {
  const handle = setInterval(tick, everyMs);
  handle.unref();
  return () => clearInterval(handle);
};

export interface BreakoutOptions {
  /** I2C bus with plain transfers; when absent `/dev/i2c-<busNumber>` is opened with i2c-bus. */
  bus?: CommandI2cBus;
  busNumber?: number;
  scd4x?: false | Omit<Scd4xOptions, 'clock' | 'sleep'>;
  sgp30?: false | { address?: number };
  icp10125?: false | { address?: number; mode?: Icp10125Mode };
  /** Send the ICP-10125 pressure to the SCD4x (CO₂ compensation). Default true. */
  pressureCompensation?: boolean;
  /** Send absolute humidity from the SCD4x to the SGP30. Default true. */
  humidityCompensation?: boolean;
  /**
   * Measure the SGP30 in the background this often (its baseline algorithm expects 1 s); a reading
   * takes the newest result. 0 measures only when read. Default 1000 ms.
   */
  sgp30EveryMs?: number;
  /** Default: `setInterval`, unref'd. */
  timer?: RepeatTimer;
  /** Per-sensor timeout, default 2000 ms (the SCD4x gets its data-ready wait on top). */
  sensorTimeoutMs?: number;
  /** Samples flagged as warm-up at start, default 1. */
  warmupReadings?: number;
  /** Try absent sensors again every N reads (0 = never), default 60. */
  retryAbsentEvery?: number;
  /** Re-initialise a sensor after this many failed reads in a row, default 3. */
  reinitAfterFailures?: number;
  clock?: Clock;
  /** Injected for tests: command execution waits and data-ready polls. */
  sleep?: Sleep;
  onWarning?: (message: string) => void;
}

/**
 * SCD4x, SGP30 and ICP-10125 breakouts as one device: finds which answer, reads them with a
 * per-sensor timeout, cross-compensates (pressure → SCD4x, humidity → SGP30) and returns one reading
 * with the lake's column names. A missing or failing sensor yields nulls and an error count.
 */
export class Breakout implements BoardFacade<BreakoutSensor, BreakoutColumn, BreakoutSample> {
  readonly kind = 'breakout';
  readonly name = 'breakout';
  readonly sensors = BREAKOUT_SENSORS;
  readonly columns = BREAKOUT_COLUMNS;
  readonly columnInfo = BREAKOUT_COLUMN_INFO;
  readonly signature = BREAKOUT_SIGNATURE;
  private readonly options: BreakoutOptions;
  private readonly clock: Clock;
  private readonly warn: (message: string) => void;
  private readonly warmupReadings: number;
  private readonly retryAbsentEvery: number;
  private readonly sgp30EveryMs: number;
  private readonly i2c: BoardBus<CommandI2cBus>;
  private readonly group: SensorSlots<BreakoutSensor>;
  private readonly slots: {
    scd4x: SensorSlot<'scd4x', SCD4x>;
    sgp30: SensorSlot<'sgp30', SGP30>;
    icp10125: SensorSlot<'icp10125', ICP10125>;
  };
  private detected: Promise<BreakoutSensorStatus[]> | undefined;
  private reads = 0;
  private stopTimer: (() => void) | undefined;
  private sgp30Latest: { value: Sgp30Reading; at: number } | undefined;
  private sgp30Ticking = false;
  private humidityWordSent: number | undefined;
  private readonly warned = new Set<string>();

  constructor(options: BreakoutOptions = {}) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.warn = options.onWarning ?? ((m) => process.emitWarning(m));
    this.warmupReadings = options.warmupReadings ?? 1;
    this.retryAbsentEvery = options.retryAbsentEvery ?? 60;
    this.sgp30EveryMs = options.sgp30EveryMs ?? 1000;
    this.i2c = new BoardBus({
      bus: options.bus,
      busNumber: options.busNumber,
      adopt: async (bus) => {
        if (isCommandBus(bus)) return bus;
        await bus.close();
        throw new Error('the I2C bus object has no i2cRead/i2cWrite (plain transfers are needed)');
      },
    });
    const timeoutMs = options.sensorTimeoutMs ?? 2000;
    const reinitAfterFailures = options.reinitAfterFailures ?? 3;
    const shared = { clock: this.clock, ...(options.sleep ? { sleep: options.sleep } : {}) };
    const scd = options.scd4x || {};
    const sgp = options.sgp30 || {};
    const icp = options.icp10125 || {};
    this.slots = {
      scd4x: new SensorSlot(
        'scd4x',
        'SCD4x',
        formatAddress(scd.address ?? SCD4X_ADDRESS),
        () => this.i2c.bus && new SCD4x(this.i2c.bus, { ...scd, ...shared }),
        // Stopping a running measurement takes 500 ms, and the first result up to one 5 s period.
        { timeoutMs: timeoutMs + (scd.readyTimeoutMs ?? 6000), reinitAfterFailures },
        options.scd4x === false,
      ),
      sgp30: new SensorSlot(
        'sgp30',
        'SGP30',
        formatAddress(sgp.address ?? SGP30_ADDRESS),
        () => this.i2c.bus && new SGP30(this.i2c.bus, { ...sgp, ...shared }),
        { timeoutMs, reinitAfterFailures },
        options.sgp30 === false,
      ),
      icp10125: new SensorSlot(
        'icp10125',
        'ICP-10125',
        formatAddress(icp.address ?? ICP10125_ADDRESS),
        () =>
          this.i2c.bus &&
          new ICP10125(this.i2c.bus, { ...icp, ...(options.sleep ? { sleep: options.sleep } : {}) }),
        { timeoutMs, reinitAfterFailures },
        options.icp10125 === false,
      ),
    };
    this.group = new SensorSlots(BREAKOUT_SENSORS, this.slots, { bus: this.i2c });
  }

  get readCount(): number {
    return this.reads;
  }

  get errors(): Readonly<Record<BreakoutSensor, number>> {
    return this.group.errors();
  }

  /** Probes every enabled sensor and sets up those that answer. Runs once; later calls return the same result. */
  detect(): Promise<BreakoutSensorStatus[]> {
    this.detected ??= this.runDetect();
    return this.detected;
  }

  status(): BreakoutSensorStatus[] {
    return this.group.status().map((status) => {
      const slot = this.slots[status.sensor];
      const serial = slot.driver && 'serialNumber' in slot.driver ? slot.driver.serialNumber : undefined;
      if (status.state === 'ok' && serial !== undefined) {
        status.detail = `serial 0x${serial.toString(16).toUpperCase().padStart(12, '0')}`;
      }
      return status;
    });
  }

  /** Takes one sample of all sensors. Never throws because of a sensor. */
  async read(): Promise<BreakoutSample> {
    await this.detect();
    const timestamp = this.clock.now();
    this.reads++;
    if (this.retryAbsentEvery > 0 && this.reads % this.retryAbsentEvery === 0) await this.initAbsent();

    const s = this.slots;
    // Different addresses: the SCD4x data-ready wait need not hold up the others.
    const [scd, icp, sgp] = await Promise.all([
      s.scd4x.read((d) => d.read()),
      s.icp10125.read((d) => d.read()),
      this.readSgp30(),
    ]);

    const r = emptyBreakoutReading();
    if (scd.value) {
      r.co2 = scd.value.co2;
      r.temperature = scd.value.temperature;
      r.humidity = scd.value.humidity;
    }
    if (sgp.value) {
      r.eco2 = sgp.value.eco2;
      r.tvoc = sgp.value.tvoc;
    }
    if (icp.value) {
      r.pressure = icp.value.pressure / 100;
      r.pressure_temperature = icp.value.temperature;
    }
    await this.compensate(r);
    const sgpDriver = s.sgp30.driver;
    const sgpWarming = s.sgp30.status.state === 'ok' && sgpDriver !== undefined && sgpDriver.warmingUp;
    return {
      timestamp,
      reading: r,
      warmup: this.reads <= this.warmupReadings || sgpWarming,
      sensors: { scd4x: scd.result, sgp30: sgp.result, icp10125: icp.result },
      errors: this.errors,
    };
  }

  /** Stops the background SGP30 cadence and the SCD4x measurement, and closes the bus this instance opened. */
  async close(): Promise<void> {
    this.stopTimer?.();
    this.stopTimer = undefined;
    const scd = this.slots.scd4x.driver;
    if (scd && this.slots.scd4x.status.state === 'ok') {
      try {
        await scd.close();
      } catch (error) {
        this.warn(`stopping the SCD4x: ${describeError(error)}`);
      }
    }
    try {
      await this.i2c.close();
    } catch (error) {
      this.warn(`closing the I2C bus: ${describeError(error)}`);
    }
  }

  private async readSgp30(): Promise<{ value: Sgp30Reading | null; result: SensorReadResult }> {
    const latest = this.sgp30Latest;
    if (this.stopTimer && latest && this.clock.now() - latest.at <= this.sgp30EveryMs * 2.5) {
      return { value: latest.value, result: { state: 'ok' } };
    }
    return this.slots.sgp30.read((d) => d.read());
  }

  /** Background measurement: failures here are not counted (a stale cache makes the next reading measure, and count). */
  private async tickSgp30(): Promise<void> {
    const slot = this.slots.sgp30;
    const driver = slot.driver;
    if (this.sgp30Ticking || !driver || slot.status.state !== 'ok') return;
    this.sgp30Ticking = true;
    try {
      this.sgp30Latest = { value: await driver.read(), at: this.clock.now() };
    } catch {
      this.sgp30Latest = undefined;
    } finally {
      this.sgp30Ticking = false;
    }
  }

  private async compensate(r: BreakoutReading): Promise<void> {
    const { scd4x, sgp30 } = this.slots;
    if (this.options.pressureCompensation !== false && r.pressure !== null && scd4x.status.state === 'ok') {
      const pressure = r.pressure;
      await scd4x.driver
        ?.setAmbientPressure(pressure)
        .catch((e: unknown) =>
          this.warnOnce('scd4x-pressure', `SCD4x pressure compensation: ${describeError(e)}`),
        );
    }
    if (
      this.options.humidityCompensation !== false &&
      r.temperature !== null &&
      r.humidity !== null &&
      sgp30.status.state === 'ok'
    ) {
      const ah = absoluteHumidity(r.temperature, r.humidity);
      const word = sgp30HumidityWord(ah);
      if (word !== this.humidityWordSent) {
        await sgp30.driver
          ?.setHumidity(ah)
          .then(() => {
            this.humidityWordSent = word;
          })
          .catch((e: unknown) =>
            this.warnOnce('sgp30-humidity', `SGP30 humidity compensation: ${describeError(e)}`),
          );
      }
    }
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.warn(message);
  }

  private async runDetect(): Promise<BreakoutSensorStatus[]> {
    await this.group.setUp('all');
    this.startSgp30Cadence();
    return this.status();
  }

  private startSgp30Cadence(): void {
    if (this.stopTimer || this.sgp30EveryMs <= 0 || this.slots.sgp30.status.state !== 'ok') return;
    this.stopTimer = (this.options.timer ?? intervalTimer)(() => void this.tickSgp30(), this.sgp30EveryMs);
  }

  private async initAbsent(): Promise<void> {
    await this.group.setUp('absent');
    this.startSgp30Cadence();
  }
}
