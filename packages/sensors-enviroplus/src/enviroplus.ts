import { BME280 } from './bme280.js';
import {
  type CompensationOptions,
  type CpuTemperatureSource,
  sysfsCpuTemperature,
  TemperatureCompensator,
} from './compensation.js';
import { describeError, formatAddress, OptionalDependencyError, SensorError } from './errors.js';
import { ADS1X15_ADDRESS, type AdcChip, GasSensor } from './gas.js';
import { emitWarning, type Gpio, GpioGuard, LibgpiodGpio } from './gpio.js';
import { type ClosableI2cBus, type I2cBus, openI2cBus } from './i2c.js';
import { LTR559, type Ltr559Gain, type Ltr559IntegrationMs } from './ltr559.js';
import { PMS5003_DEFAULT_DEVICE, Pms5003, type Pms5003Port } from './pms5003.js';
import { type EnviroplusReading, emptyReading } from './reading.js';
import { type Clock, type Sleep, systemClock, withTimeout } from './timing.js';

export const ENVIROPLUS_SENSORS = ['bme280', 'ltr559', 'gas', 'pms5003'] as const;
export type EnviroplusSensor = (typeof ENVIROPLUS_SENSORS)[number];

/** What {@link Enviroplus.detect} found for one sensor. */
export interface SensorStatus {
  sensor: EnviroplusSensor;
  /** Chip name, e.g. `BME280`, `ADS1115 + MICS6814`. */
  chip: string;
  /** I2C address (`0x76`) or serial device. */
  address: string;
  /** `ok`: answered; `absent`: did not answer (or could not be opened); `error`: answered, then failed; `disabled`: turned off by options. */
  state: 'ok' | 'absent' | 'error' | 'disabled';
  /** Why it is absent or failing, or extra facts (ADC type, heater). */
  detail?: string;
}

/** Outcome of one sensor in one reading. */
export type SensorReadState = 'ok' | 'absent' | 'error' | 'timeout' | 'busy' | 'disabled';

export interface SensorReadResult {
  state: SensorReadState;
  error?: string;
}

/** One reading of the whole board. */
export interface EnviroplusSample {
  /** When the reading started, ms since the epoch, from the injected clock. */
  timestamp: number;
  reading: EnviroplusReading;
  /** True for the first `warmupReadings` samples, which the collector should not store. */
  warmup: boolean;
  sensors: Record<EnviroplusSensor, SensorReadResult>;
  /** Failed reads per sensor since construction (absent and disabled sensors do not count). */
  errors: Readonly<Record<EnviroplusSensor, number>>;
  /** CPU temperature used for compensation, °C; null when compensation is off. */
  cpuTemperature: number | null;
}

export interface EnviroplusOptions {
  /** I2C bus; when absent `/dev/i2c-<busNumber>` is opened with i2c-bus (and closed by {@link Enviroplus.close}). */
  bus?: I2cBus;
  busNumber?: number;
  bme280?: false | { address?: number };
  ltr559?: false | { gain?: Ltr559Gain; integrationMs?: Ltr559IntegrationMs };
  gas?: false | { heater?: boolean; adc?: AdcChip | 'auto'; address?: number };
  pms5003?:
    | false
    | {
        port?: Pms5003Port;
        device?: string;
        enablePin?: number;
        resetPin?: number;
        /** Wait for a frame at most this long, default 5000 ms. */
        readTimeoutMs?: number;
        /** Reuse a frame received at most this long ago, default 2500 ms (frames arrive every 0.2–2.3 s). */
        maxAgeMs?: number;
      };
  /** GPIO for the gas heater and PMS5003 pins; default: libgpiod tools; `false`: never touch GPIO. */
  gpio?: Gpio | false;
  /** Default: `/sys/class/thermal/thermal_zone0/temp`. */
  cpuTemperature?: CpuTemperatureSource;
  /** CPU-heat compensation of temperature and humidity; `false` stores the raw values in both columns. */
  compensation?: false | CompensationOptions;
  /** Per-sensor timeout for I2C sensors, default 2000 ms. */
  sensorTimeoutMs?: number;
  /** Samples flagged as warm-up at start, default 10 (the reference skips the first 10). */
  warmupReadings?: number;
  /** Try absent sensors again every N reads (0 = never), default 60. */
  retryAbsentEvery?: number;
  /** Re-initialise a sensor after this many failed reads in a row (it may have lost power), default 3. */
  reinitAfterFailures?: number;
  clock?: Clock;
  onWarning?: (message: string) => void;
  /** Injected for tests (sensor reset waits). */
  sleep?: Sleep;
}

interface Slot<D> {
  sensor: EnviroplusSensor;
  chip: string;
  address: string;
  driver: D | undefined;
  status: SensorStatus;
  pending: boolean;
  failuresInRow: number;
  needsInit: boolean;
}

type BmeValues = { temperature: number; pressure: number; humidity: number };

/**
 * The Pimoroni Enviro+ as one device: finds which sensors answer, reads them concurrently with a
 * per-sensor timeout and returns one reading with the lake's column names. A missing or failing
 * sensor yields nulls and an error count; it never stops the others.
 */
export class Enviroplus {
  private readonly options: EnviroplusOptions;
  private readonly clock: Clock;
  private readonly warn: (message: string) => void;
  private readonly guard: GpioGuard;
  private readonly cpuTemperature: CpuTemperatureSource;
  private readonly compensator: TemperatureCompensator | null;
  private readonly sensorTimeoutMs: number;
  private readonly warmupReadings: number;
  private readonly retryAbsentEvery: number;
  private readonly reinitAfterFailures: number;
  private bus: I2cBus | undefined;
  private ownedBus: ClosableI2cBus | undefined;
  private busError: string | undefined;
  private readonly slots: {
    bme280: Slot<BME280>;
    ltr559: Slot<LTR559>;
    gas: Slot<GasSensor>;
    pms5003: Slot<Pms5003>;
  };
  private readonly errorCounts: Record<EnviroplusSensor, number> = {
    bme280: 0,
    ltr559: 0,
    gas: 0,
    pms5003: 0,
  };
  private detected: Promise<SensorStatus[]> | undefined;
  private reads = 0;

  constructor(options: EnviroplusOptions = {}) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.warn = options.onWarning ?? emitWarning;
    this.guard = new GpioGuard(
      options.gpio === false ? undefined : (options.gpio ?? new LibgpiodGpio()),
      this.warn,
    );
    this.cpuTemperature = options.cpuTemperature ?? sysfsCpuTemperature();
    this.compensator =
      options.compensation === false ? null : new TemperatureCompensator(options.compensation);
    this.sensorTimeoutMs = options.sensorTimeoutMs ?? 2000;
    this.warmupReadings = options.warmupReadings ?? 10;
    this.retryAbsentEvery = options.retryAbsentEvery ?? 60;
    this.reinitAfterFailures = options.reinitAfterFailures ?? 3;
    this.bus = options.bus;
    const bme = options.bme280 === false ? undefined : options.bme280;
    const gas = options.gas === false ? undefined : options.gas;
    const pms = options.pms5003 === false ? undefined : options.pms5003;
    this.slots = {
      bme280: slot('bme280', 'BME280', formatAddress(bme?.address ?? 0x76), options.bme280 === false),
      ltr559: slot('ltr559', 'LTR559', '0x23', options.ltr559 === false),
      gas: slot(
        'gas',
        'ADS1x15 + MICS6814',
        formatAddress(gas?.address ?? ADS1X15_ADDRESS),
        options.gas === false,
      ),
      pms5003: slot(
        'pms5003',
        'PMS5003',
        pms?.port?.path ?? pms?.device ?? PMS5003_DEFAULT_DEVICE,
        options.pms5003 === false,
      ),
    };
  }

  /** Number of samples taken so far. */
  get readCount(): number {
    return this.reads;
  }

  /** Failed reads per sensor so far. */
  get errors(): Readonly<Record<EnviroplusSensor, number>> {
    return { ...this.errorCounts };
  }

  /** Probes every enabled sensor (concurrently) and sets up those that answer. Runs once; later calls return the same result. */
  detect(): Promise<SensorStatus[]> {
    this.detected ??= this.runDetect();
    return this.detected;
  }

  /** Current status of every sensor, after {@link detect}. */
  status(): SensorStatus[] {
    return ENVIROPLUS_SENSORS.map((s) => ({ ...this.slots[s].status }));
  }

  /** Takes one sample of all sensors. Never throws because of a sensor. */
  async read(): Promise<EnviroplusSample> {
    await this.detect();
    const timestamp = this.clock.now();
    this.reads++;
    if (this.retryAbsentEvery > 0 && this.reads % this.retryAbsentEvery === 0) await this.retryAbsent();

    const reading = emptyReading();
    const pmsOptions = this.options.pms5003 === false ? undefined : this.options.pms5003;
    const [bme, ltr, gas, pms, cpu] = await Promise.all([
      this.readSlot(this.slots.bme280, (d) => d.read(), this.sensorTimeoutMs),
      this.readSlot(this.slots.ltr559, (d) => d.read(), this.sensorTimeoutMs),
      this.readSlot(this.slots.gas, (d) => d.read(), this.sensorTimeoutMs),
      // The reader applies its own frame timeout; the outer one is a backstop.
      this.readSlot(
        this.slots.pms5003,
        (d) => d.read({ maxAgeMs: pmsOptions?.maxAgeMs ?? 2500 }),
        (pmsOptions?.readTimeoutMs ?? 5000) + 1000,
      ),
      this.compensator ? this.readCpuTemperature() : Promise.resolve(null),
    ]);

    if (bme.value) this.fillClimate(reading, bme.value, cpu);
    if (ltr.value) {
      reading.lux = ltr.value.lux;
      reading.proximity = ltr.value.proximity;
    }
    if (gas.value) {
      reading.oxidised = gas.value.oxidised;
      reading.reducing = gas.value.reducing;
      reading.nh3 = gas.value.nh3;
    }
    if (pms.value) {
      const f = pms.value;
      reading.pm1 = f.pm1;
      reading.pm25 = f.pm25;
      reading.pm10 = f.pm10;
      reading.particles_03um = f.particles_03um;
      reading.particles_05um = f.particles_05um;
      reading.particles_10um = f.particles_10um;
      reading.particles_25um = f.particles_25um;
      reading.particles_50um = f.particles_50um;
      reading.particles_100um = f.particles_100um;
    }
    return {
      timestamp,
      reading,
      warmup: this.reads <= this.warmupReadings,
      sensors: { bme280: bme.result, ltr559: ltr.result, gas: gas.result, pms5003: pms.result },
      errors: this.errors,
      cpuTemperature: cpu,
    };
  }

  /** Turns the gas heater off, releases GPIO, closes the serial port and the bus this instance opened. */
  async close(): Promise<void> {
    const gas = this.slots.gas.driver;
    const pms = this.slots.pms5003.driver;
    const results = await Promise.allSettled([gas?.close(), pms?.close()]);
    if (this.ownedBus) {
      const bus = this.ownedBus;
      this.ownedBus = undefined;
      await bus.close();
    }
    for (const result of results) {
      if (result.status === 'rejected') this.warn(`closing the Enviro+: ${describeError(result.reason)}`);
    }
  }

  private async runDetect(): Promise<SensorStatus[]> {
    await this.openBusIfNeeded();
    await Promise.all(ENVIROPLUS_SENSORS.map((s) => this.initSlot(s)));
    return this.status();
  }

  private async openBusIfNeeded(): Promise<void> {
    const needsBus = (['bme280', 'ltr559', 'gas'] as const).some(
      (x) => this.slots[x].status.state !== 'disabled',
    );
    if (this.bus || !needsBus) return;
    try {
      this.ownedBus = await openI2cBus(this.options.busNumber ?? 1);
      this.bus = this.ownedBus;
      this.busError = undefined;
    } catch (error) {
      this.busError = describeError(error);
    }
  }

  private async retryAbsent(): Promise<void> {
    await this.openBusIfNeeded();
    await Promise.all(
      ENVIROPLUS_SENSORS.filter((s) => this.slots[s].status.state === 'absent').map((s) => this.initSlot(s)),
    );
  }

  private createDriver(sensor: EnviroplusSensor): BME280 | LTR559 | GasSensor | Pms5003 | undefined {
    const o = this.options;
    const sleep = o.sleep;
    if (sensor === 'pms5003') {
      const pms = o.pms5003 === false ? {} : (o.pms5003 ?? {});
      return new Pms5003({ ...pms, gpioGuard: this.guard, clock: this.clock, ...(sleep ? { sleep } : {}) });
    }
    const bus = this.bus;
    if (!bus) return undefined;
    if (sensor === 'bme280') {
      return new BME280(bus, { ...(o.bme280 === false ? {} : o.bme280), ...(sleep ? { sleep } : {}) });
    }
    if (sensor === 'ltr559') {
      return new LTR559(bus, { ...(o.ltr559 === false ? {} : o.ltr559), ...(sleep ? { sleep } : {}) });
    }
    const gas = o.gas === false ? {} : (o.gas ?? {});
    return new GasSensor(bus, { ...gas, gpioGuard: this.guard, ...(sleep ? { sleep } : {}) });
  }

  private async initSlot(sensor: EnviroplusSensor): Promise<void> {
    const s = this.slots[sensor] as Slot<BME280 | LTR559 | GasSensor | Pms5003>;
    if (s.status.state === 'disabled') return;
    const driver = s.driver ?? this.createDriver(sensor);
    if (!driver) {
      s.status = { ...s.status, state: 'absent', detail: `no I2C bus: ${this.busError ?? 'not opened'}` };
      return;
    }
    const timeoutMs = sensor === 'pms5003' ? this.sensorTimeoutMs + 5000 : this.sensorTimeoutMs;
    try {
      await withTimeout(
        driver.init(),
        timeoutMs,
        () => new SensorError(s.chip, s.address, 'timeout', `no answer within ${timeoutMs} ms`),
      );
    } catch (error) {
      const absent =
        error instanceof OptionalDependencyError ||
        (error instanceof SensorError && (error.code === 'not-found' || error.code === 'wrong-chip'));
      if (absent && !s.driver) {
        s.status = { ...s.status, state: 'absent', detail: describeError(error) };
      } else {
        // It answered before or answered badly: keep it, and let the next read try init again.
        s.driver = driver;
        s.needsInit = true;
        s.status = { ...s.status, state: 'error', detail: describeError(error) };
      }
      return;
    }
    s.driver = driver;
    s.needsInit = false;
    s.failuresInRow = 0;
    s.status = { ...s.status, state: 'ok', ...this.describeDriver(driver) };
    if (driver instanceof Pms5003) {
      // An open port proves little: the sensor counts as answering once a valid frame arrives.
      try {
        await driver.read();
      } catch (error) {
        s.status = { ...s.status, state: 'error', detail: describeError(error) };
      }
    }
  }

  private describeDriver(driver: BME280 | LTR559 | GasSensor | Pms5003): Partial<SensorStatus> {
    if (driver instanceof GasSensor) {
      const adc = driver.adc === 'ads1115' ? 'ADS1115' : 'ADS1015';
      return { chip: `${adc} + MICS6814`, detail: `heater ${driver.heaterOn ? 'on' : 'not driven'}` };
    }
    return {};
  }

  private async readSlot<D extends BME280 | LTR559 | GasSensor | Pms5003, R>(
    s: Slot<D>,
    read: (driver: D) => Promise<R>,
    timeoutMs: number,
  ): Promise<{ value: R | null; result: SensorReadResult }> {
    if (s.status.state === 'disabled') return { value: null, result: { state: 'disabled' } };
    if (!s.driver || s.status.state === 'absent') {
      return {
        value: null,
        result: { state: 'absent', ...(s.status.detail ? { error: s.status.detail } : {}) },
      };
    }
    if (s.pending) {
      this.errorCounts[s.sensor]++;
      return { value: null, result: { state: 'busy', error: 'the previous read has not finished' } };
    }
    const driver = s.driver;
    s.pending = true;
    const attempt = (async () => {
      if (s.needsInit) {
        await driver.init();
        s.needsInit = false;
      }
      return read(driver);
    })();
    attempt.then(
      () => {
        s.pending = false;
      },
      () => {
        s.pending = false;
      },
    );
    try {
      const value = await withTimeout(
        attempt,
        timeoutMs,
        () => new SensorError(s.chip, s.address, 'timeout', `read took longer than ${timeoutMs} ms`),
      );
      s.failuresInRow = 0;
      if (s.status.state !== 'ok') s.status = { ...s.status, state: 'ok', ...this.describeDriver(driver) };
      return { value, result: { state: 'ok' } };
    } catch (error) {
      this.errorCounts[s.sensor]++;
      s.failuresInRow++;
      if (s.failuresInRow >= this.reinitAfterFailures) s.needsInit = true;
      s.status = { ...s.status, state: 'error', detail: describeError(error) };
      const timedOut = error instanceof SensorError && error.code === 'timeout';
      return { value: null, result: { state: timedOut ? 'timeout' : 'error', error: describeError(error) } };
    }
  }

  private async readCpuTemperature(): Promise<number | null> {
    try {
      return await this.cpuTemperature();
    } catch (error) {
      this.warn(`CPU temperature unavailable, temperature not compensated: ${describeError(error)}`);
      return null;
    }
  }

  private fillClimate(reading: EnviroplusReading, bme: BmeValues, cpu: number | null): void {
    reading.raw_temperature = bme.temperature;
    reading.raw_humidity = bme.humidity;
    reading.pressure = bme.pressure;
    if (this.compensator && cpu !== null) {
      const c = this.compensator.compensate(bme.temperature, bme.humidity, cpu);
      reading.temperature = c.temperature;
      reading.humidity = c.humidity;
    } else {
      reading.temperature = bme.temperature;
      reading.humidity = bme.humidity;
    }
  }
}

function slot<D>(sensor: EnviroplusSensor, chip: string, address: string, disabled: boolean): Slot<D> {
  return {
    sensor,
    chip,
    address,
    driver: undefined,
    status: { sensor, chip, address, state: disabled ? 'disabled' : 'absent' },
    pending: false,
    failuresInRow: 0,
    needsInit: true,
  };
}
