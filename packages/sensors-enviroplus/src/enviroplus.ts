import { type Clock, type Sleep, systemClock } from '@opensensor/errors';
import type { I2cBus } from '@opensensor/sensors-core';
import {
  BoardBus,
  type BoardFacade,
  type BoardSample,
  describeError,
  formatAddress,
  SensorError,
  type SensorReadResult,
  SensorSlot,
  type SensorSlotStatus,
  SensorSlots,
} from '@opensensor/sensors-core';
import { BME280 } from './bme280.js';
import {
  type CompensationOptions,
  type CpuTemperatureSource,
  sysfsCpuTemperature,
  TemperatureCompensator,
} from './compensation.js';
import { ADS1X15_ADDRESS, type AdcChip, GasSensor } from './gas.js';
import { emitWarning, type Gpio, GpioGuard, LibgpiodGpio } from './gpio.js';
import { LTR559, type Ltr559Gain, type Ltr559IntegrationMs } from './ltr559.js';
import { PMS5003_DEFAULT_DEVICE, Pms5003, type Pms5003Port } from './pms5003.js';
import {
  ENVIROPLUS_COLUMN_INFO,
  ENVIROPLUS_COLUMNS,
  ENVIROPLUS_SENSORS,
  ENVIROPLUS_SIGNATURE,
  type EnviroplusColumn,
  type EnviroplusReading,
  type EnviroplusSensor,
  emptyReading,
} from './reading.js';

/** What {@link Enviroplus.detect} found for one sensor. */
export type SensorStatus = SensorSlotStatus<EnviroplusSensor>;

/** One reading of the whole board; `warmup` is true for the first `warmupReadings` samples. */
export interface EnviroplusSample extends BoardSample<EnviroplusSensor, EnviroplusColumn> {
  reading: EnviroplusReading;
  sensors: Record<EnviroplusSensor, SensorReadResult>;
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

type EnviroplusDriver = BME280 | LTR559 | GasSensor | Pms5003;

interface EnviroplusSlots {
  bme280: EnviroplusSlot<'bme280', BME280>;
  ltr559: EnviroplusSlot<'ltr559', LTR559>;
  gas: EnviroplusSlot<'gas', GasSensor>;
  pms5003: EnviroplusSlot<'pms5003', Pms5003>;
}

type BmeValues = { temperature: number; pressure: number; humidity: number };

/**
 * The Pimoroni Enviro+ as one device: finds which sensors answer, reads them concurrently with a
 * per-sensor timeout and returns one reading with the lake's column names. A missing or failing
 * sensor yields nulls and an error count; it never stops the others.
 */
export class Enviroplus implements BoardFacade<EnviroplusSensor, EnviroplusColumn, EnviroplusSample> {
  readonly kind = 'enviroplus';
  readonly name = 'enviroplus';
  readonly sensors = ENVIROPLUS_SENSORS;
  readonly columns = ENVIROPLUS_COLUMNS;
  readonly columnInfo = ENVIROPLUS_COLUMN_INFO;
  readonly signature = ENVIROPLUS_SIGNATURE;
  private readonly options: EnviroplusOptions;
  private readonly clock: Clock;
  private readonly warn: (message: string) => void;
  private readonly guard: GpioGuard;
  private readonly cpuTemperature: CpuTemperatureSource;
  private readonly compensator: TemperatureCompensator | null;
  private readonly warmupReadings: number;
  private readonly retryAbsentEvery: number;
  private readonly i2c: BoardBus;
  private readonly slots: EnviroplusSlots;
  private readonly group: SensorSlots<EnviroplusSensor>;
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
    this.warmupReadings = options.warmupReadings ?? 10;
    this.retryAbsentEvery = options.retryAbsentEvery ?? 60;
    this.i2c = new BoardBus({ bus: options.bus, busNumber: options.busNumber });
    const sensorTimeoutMs = options.sensorTimeoutMs ?? 2000;
    const policy = { timeoutMs: sensorTimeoutMs, reinitAfterFailures: options.reinitAfterFailures ?? 3 };
    const sleep = options.sleep ? { sleep: options.sleep } : {};
    const bme = options.bme280 === false ? undefined : options.bme280;
    const ltr = options.ltr559 === false ? undefined : options.ltr559;
    const gas = options.gas === false ? undefined : options.gas;
    const pms = options.pms5003 === false ? undefined : options.pms5003;
    this.slots = {
      bme280: new EnviroplusSlot(
        'bme280',
        'BME280',
        formatAddress(bme?.address ?? 0x76),
        () => this.i2c.bus && new BME280(this.i2c.bus, { ...bme, ...sleep }),
        policy,
        options.bme280 === false,
      ),
      ltr559: new EnviroplusSlot(
        'ltr559',
        'LTR559',
        '0x23',
        () => this.i2c.bus && new LTR559(this.i2c.bus, { ...ltr, ...sleep }),
        policy,
        options.ltr559 === false,
      ),
      gas: new EnviroplusSlot(
        'gas',
        'ADS1x15 + MICS6814',
        formatAddress(gas?.address ?? ADS1X15_ADDRESS),
        () => this.i2c.bus && new GasSensor(this.i2c.bus, { ...gas, gpioGuard: this.guard, ...sleep }),
        policy,
        options.gas === false,
      ),
      pms5003: new EnviroplusSlot(
        'pms5003',
        'PMS5003',
        pms?.port?.path ?? pms?.device ?? PMS5003_DEFAULT_DEVICE,
        () => new Pms5003({ ...pms, gpioGuard: this.guard, clock: this.clock, ...sleep }),
        // The reader applies its own frame timeout; the outer one is a backstop.
        {
          ...policy,
          timeoutMs: (pms?.readTimeoutMs ?? 5000) + 1000,
          initTimeoutMs: sensorTimeoutMs + 5000,
        },
        options.pms5003 === false,
      ),
    };
    this.group = new SensorSlots(ENVIROPLUS_SENSORS, this.slots, {
      bus: this.i2c,
      busSensors: ['bme280', 'ltr559', 'gas'],
    });
  }

  /** Number of samples taken so far. */
  get readCount(): number {
    return this.reads;
  }

  /** Failed reads per sensor so far. */
  get errors(): Readonly<Record<EnviroplusSensor, number>> {
    return this.group.errors();
  }

  /** Probes every enabled sensor (concurrently) and sets up those that answer. Runs once; later calls return the same result. */
  detect(): Promise<SensorStatus[]> {
    this.detected ??= this.runDetect();
    return this.detected;
  }

  /** Current status of every sensor, after {@link detect}. */
  status(): SensorStatus[] {
    return this.group.status();
  }

  /** Takes one sample of all sensors. Never throws because of a sensor. */
  async read(): Promise<EnviroplusSample> {
    await this.detect();
    const timestamp = this.clock.now();
    this.reads++;
    if (this.retryAbsentEvery > 0 && this.reads % this.retryAbsentEvery === 0)
      await this.group.setUp('absent');

    const reading = emptyReading();
    const pmsOptions = this.options.pms5003 === false ? undefined : this.options.pms5003;
    const s = this.slots;
    const [bme, ltr, gas, pms, cpu] = await Promise.all([
      s.bme280.read((d) => d.read()),
      s.ltr559.read((d) => d.read()),
      s.gas.read((d) => d.read()),
      s.pms5003.read((d) => d.read({ maxAgeMs: pmsOptions?.maxAgeMs ?? 2500 })),
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
    await this.i2c.close();
    for (const result of results) {
      if (result.status === 'rejected') this.warn(`closing the Enviro+: ${describeError(result.reason)}`);
    }
  }

  private async runDetect(): Promise<SensorStatus[]> {
    await this.group.setUp('all');
    return this.status();
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

/**
 * An Enviro+ sensor: the status names the ADC found and the heater, a set-up timeout reads "no
 * answer", and a PMS5003 counts as answering only once a valid frame arrives (an open port proves
 * little).
 */
class EnviroplusSlot<S extends EnviroplusSensor, D extends EnviroplusDriver> extends SensorSlot<S, D> {
  override async init(noBusReason?: string): Promise<void> {
    await super.init(noBusReason);
    const driver = this.driver;
    if (this.status.state !== 'ok' || !(driver instanceof Pms5003)) return;
    try {
      await driver.read();
    } catch (error) {
      this.status = { ...this.status, state: 'error', detail: describeError(error) };
    }
  }

  protected override answering(driver: D): SensorSlotStatus<S> {
    // A sensor that answers again must not keep the detail of its last failure.
    const { detail: _stale, ...status } = this.status;
    return { ...status, state: 'ok', ...describeDriver(driver) };
  }

  protected override timeoutError(what: 'set-up' | 'read', timeoutMs: number): SensorError {
    if (what === 'read') return super.timeoutError(what, timeoutMs);
    return new SensorError(
      this.status.chip,
      this.status.address,
      'TIMEOUT',
      `no answer within ${timeoutMs} ms`,
    );
  }
}

function describeDriver(driver: EnviroplusDriver): Pick<SensorStatus, 'chip' | 'detail'> | undefined {
  if (driver instanceof GasSensor) {
    const adc = driver.adc === 'ads1115' ? 'ADS1115' : 'ADS1015';
    return { chip: `${adc} + MICS6814`, detail: `heater ${driver.heaterOn ? 'on' : 'not driven'}` };
  }
  return undefined;
}
