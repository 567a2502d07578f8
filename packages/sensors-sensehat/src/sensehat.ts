import {
  type Clock,
  type ClosableI2cBus,
  type I2cBus,
  openI2cBus,
  type Sleep,
} from '@opensensor/sensors-enviroplus';
import { describeError, hex } from './chip-io.js';
import { HTS221, HTS221_ADDRESS } from './hts221.js';
import { LPS25H, LPS25H_ADDRESS } from './lps25h.js';
import {
  type ImuReading,
  LSM9DS1,
  LSM9DS1_AG_ADDRESS,
  LSM9DS1_MAG_ADDRESS,
  LSM9DS1Magnetometer,
  type Vector3,
} from './lsm9ds1.js';
import { orientationFromImu } from './orientation.js';
import { emptySenseHatReading, type SenseHatReading } from './reading.js';
import { type SensorReadResult, SensorSlot, type SensorStatus } from './sensor-slot.js';

export const SENSEHAT_SENSORS = ['hts221', 'lps25h', 'lsm9ds1', 'lsm9ds1_mag'] as const;
export type SenseHatSensor = (typeof SENSEHAT_SENSORS)[number];
export type SenseHatSensorStatus = SensorStatus<SenseHatSensor>;

/** One reading of the whole Sense HAT. */
export interface SenseHatSample {
  /** When the reading started, ms since the epoch, from the injected clock. */
  timestamp: number;
  reading: SenseHatReading;
  /** True for the first `warmupReadings` samples, which the collector should not store. */
  warmup: boolean;
  sensors: Record<SenseHatSensor, SensorReadResult>;
  /** Failed reads per sensor since construction (absent and disabled sensors do not count). */
  errors: Readonly<Record<SenseHatSensor, number>>;
}

export interface SenseHatOptions {
  /** I2C bus; when absent `/dev/i2c-<busNumber>` is opened with i2c-bus (and closed by {@link SenseHat.close}). */
  bus?: I2cBus;
  busNumber?: number;
  hts221?: false | { address?: number };
  lps25h?: false | { address?: number };
  /** Accelerometer and gyroscope. */
  lsm9ds1?: false | { address?: number };
  /** Magnetometer; `offset` is a hard-iron correction in µT. */
  lsm9ds1Mag?: false | { address?: number; offset?: Vector3 };
  /** Per-sensor timeout, default 2000 ms. */
  sensorTimeoutMs?: number;
  /** Samples flagged as warm-up at start, default 2 (the LPS25H FIFO mean fills first). */
  warmupReadings?: number;
  /** Try absent sensors again every N reads (0 = never), default 60. */
  retryAbsentEvery?: number;
  /** Re-initialise a sensor after this many failed reads in a row, default 3. */
  reinitAfterFailures?: number;
  clock?: Clock;
  /** Injected for tests (the LSM9DS1 reboot wait, data-ready polls). */
  sleep?: Sleep;
  onWarning?: (message: string) => void;
}

const systemClock: Clock = { now: () => Date.now() };

/**
 * The Raspberry Pi Sense HAT as one device: finds which sensors answer, reads them with a
 * per-sensor timeout and returns one reading with the lake's column names. A missing or failing
 * sensor yields nulls and an error count; it never stops the others.
 */
export class SenseHat {
  private readonly options: SenseHatOptions;
  private readonly clock: Clock;
  private readonly warmupReadings: number;
  private readonly retryAbsentEvery: number;
  private bus: I2cBus | undefined;
  private ownedBus: ClosableI2cBus | undefined;
  private busError: string | undefined;
  private readonly slots: {
    hts221: SensorSlot<'hts221', HTS221>;
    lps25h: SensorSlot<'lps25h', LPS25H>;
    lsm9ds1: SensorSlot<'lsm9ds1', LSM9DS1>;
    lsm9ds1_mag: SensorSlot<'lsm9ds1_mag', LSM9DS1Magnetometer>;
  };
  private detected: Promise<SenseHatSensorStatus[]> | undefined;
  private reads = 0;
  private readonly imu: ImuReading = { accel: { x: 0, y: 0, z: 0 }, gyro: { x: 0, y: 0, z: 0 } };
  private readonly mag: Vector3 = { x: 0, y: 0, z: 0 };

  constructor(options: SenseHatOptions = {}) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.warmupReadings = options.warmupReadings ?? 2;
    this.retryAbsentEvery = options.retryAbsentEvery ?? 60;
    this.bus = options.bus;
    const policy = {
      timeoutMs: options.sensorTimeoutMs ?? 2000,
      reinitAfterFailures: options.reinitAfterFailures ?? 3,
    };
    const sleep = options.sleep ? { sleep: options.sleep } : {};
    const o = <T extends object>(v: false | T | undefined): T | Record<string, never> => (v ? v : {});
    const hts = o(options.hts221);
    const lps = o(options.lps25h);
    const ag = o(options.lsm9ds1);
    const mag = o(options.lsm9ds1Mag);
    this.slots = {
      hts221: new SensorSlot(
        'hts221',
        'HTS221',
        hex(hts.address ?? HTS221_ADDRESS),
        () => this.bus && new HTS221(this.bus, { ...hts, ...sleep }),
        policy,
        options.hts221 === false,
      ),
      lps25h: new SensorSlot(
        'lps25h',
        'LPS25H',
        hex(lps.address ?? LPS25H_ADDRESS),
        () => this.bus && new LPS25H(this.bus, { ...lps, ...sleep }),
        policy,
        options.lps25h === false,
      ),
      lsm9ds1: new SensorSlot(
        'lsm9ds1',
        'LSM9DS1',
        hex(ag.address ?? LSM9DS1_AG_ADDRESS),
        () => this.bus && new LSM9DS1(this.bus, { ...ag, ...sleep }),
        policy,
        options.lsm9ds1 === false,
      ),
      lsm9ds1_mag: new SensorSlot(
        'lsm9ds1_mag',
        'LSM9DS1 magnetometer',
        hex(mag.address ?? LSM9DS1_MAG_ADDRESS),
        () => this.bus && new LSM9DS1Magnetometer(this.bus, mag),
        policy,
        options.lsm9ds1Mag === false,
      ),
    };
  }

  /** Number of samples taken so far. */
  get readCount(): number {
    return this.reads;
  }

  /** Failed reads per sensor so far. */
  get errors(): Readonly<Record<SenseHatSensor, number>> {
    const s = this.slots;
    return {
      hts221: s.hts221.errors,
      lps25h: s.lps25h.errors,
      lsm9ds1: s.lsm9ds1.errors,
      lsm9ds1_mag: s.lsm9ds1_mag.errors,
    };
  }

  /** Probes every enabled sensor and sets up those that answer. Runs once; later calls return the same result. */
  detect(): Promise<SenseHatSensorStatus[]> {
    this.detected ??= this.runDetect();
    return this.detected;
  }

  /** Current status of every sensor, after {@link detect}. */
  status(): SenseHatSensorStatus[] {
    return SENSEHAT_SENSORS.map((s) => ({ ...this.slots[s].status }));
  }

  /** Takes one sample of all sensors. Never throws because of a sensor. */
  async read(): Promise<SenseHatSample> {
    await this.detect();
    const timestamp = this.clock.now();
    this.reads++;
    if (this.retryAbsentEvery > 0 && this.reads % this.retryAbsentEvery === 0) await this.initAbsent();

    // One transfer at a time on a shared bus is what the kernel does anyway; in sequence the IMU
    // and magnetometer samples are also as close together as they can be.
    const s = this.slots;
    const hts = await s.hts221.read((d) => d.read());
    const lps = await s.lps25h.read((d) => d.read());
    const imu = await s.lsm9ds1.read((d) => d.read(this.imu));
    const mag = await s.lsm9ds1_mag.read((d) => d.read(this.mag));

    const r = emptySenseHatReading();
    if (hts.value) {
      r.temperature = hts.value.temperature;
      r.humidity = hts.value.humidity;
    }
    if (lps.value) {
      r.pressure = lps.value.pressure;
      r.pressure_temperature = lps.value.temperature;
    }
    if (imu.value) {
      const { accel, gyro } = imu.value;
      r.accel_x = accel.x;
      r.accel_y = accel.y;
      r.accel_z = accel.z;
      r.gyro_x = gyro.x;
      r.gyro_y = gyro.y;
      r.gyro_z = gyro.z;
      const o = orientationFromImu(accel, mag.value);
      r.pitch = o.pitch;
      r.roll = o.roll;
      r.yaw = o.yaw;
      r.compass_heading = o.compassHeading;
    }
    if (mag.value) {
      r.mag_x = mag.value.x;
      r.mag_y = mag.value.y;
      r.mag_z = mag.value.z;
    }
    return {
      timestamp,
      reading: r,
      warmup: this.reads <= this.warmupReadings,
      sensors: { hts221: hts.result, lps25h: lps.result, lsm9ds1: imu.result, lsm9ds1_mag: mag.result },
      errors: this.errors,
    };
  }

  /** Closes the bus this instance opened (a bus passed in stays open). */
  async close(): Promise<void> {
    const bus = this.ownedBus;
    this.ownedBus = undefined;
    if (!bus) return;
    try {
      await bus.close();
    } catch (error) {
      (this.options.onWarning ?? ((m: string) => process.emitWarning(m)))(
        `closing the Sense HAT bus: ${describeError(error)}`,
      );
    }
  }

  private async runDetect(): Promise<SenseHatSensorStatus[]> {
    await this.openBusIfNeeded();
    for (const sensor of SENSEHAT_SENSORS) await this.slots[sensor].init(this.busError);
    return this.status();
  }

  private async initAbsent(): Promise<void> {
    await this.openBusIfNeeded();
    for (const sensor of SENSEHAT_SENSORS) {
      const slot = this.slots[sensor];
      if (slot.status.state === 'absent') await slot.init(this.busError);
    }
  }

  private async openBusIfNeeded(): Promise<void> {
    if (this.bus || SENSEHAT_SENSORS.every((x) => this.slots[x].status.state === 'disabled')) return;
    try {
      this.ownedBus = await openI2cBus(this.options.busNumber ?? 1);
      this.bus = this.ownedBus;
      this.busError = undefined;
    } catch (error) {
      this.busError = describeError(error);
    }
  }
}
