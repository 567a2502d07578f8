import { type Clock, type Sleep, systemClock } from '@opensensor/errors';
import {
  BoardBus,
  type BoardFacade,
  type BoardSample,
  describeError,
  formatAddress,
  type I2cBus,
  type SensorReadResult,
  SensorSlot,
  type SensorSlotStatus,
  SensorSlots,
} from '@opensensor/sensors-core';
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
import {
  emptySenseHatReading,
  SENSEHAT_COLUMN_INFO,
  SENSEHAT_COLUMNS,
  SENSEHAT_SENSORS,
  SENSEHAT_SIGNATURE,
  type SenseHatColumn,
  type SenseHatReading,
  type SenseHatSensor,
} from './reading.js';

/** What detection found for one sensor of a board. */
export type SensorStatus<S extends string = string> = SensorSlotStatus<S>;

export type SenseHatSensorStatus = SensorStatus<SenseHatSensor>;

/** One reading of the whole Sense HAT; `warmup` is true for the first `warmupReadings` samples. */
export interface SenseHatSample extends BoardSample<SenseHatSensor, SenseHatColumn> {
  reading: SenseHatReading;
  sensors: Record<SenseHatSensor, SensorReadResult>;
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

/**
 * The Raspberry Pi Sense HAT as one device: finds which sensors answer, reads them with a
 * per-sensor timeout and returns one reading with the lake's column names. A missing or failing
 * sensor yields nulls and an error count; it never stops the others.
 */
export class SenseHat implements BoardFacade<SenseHatSensor, SenseHatColumn, SenseHatSample> {
  readonly kind = 'sensehat';
  readonly name = 'sensehat';
  readonly sensors = SENSEHAT_SENSORS;
  readonly columns = SENSEHAT_COLUMNS;
  readonly columnInfo = SENSEHAT_COLUMN_INFO;
  readonly signature = SENSEHAT_SIGNATURE;
  private readonly options: SenseHatOptions;
  private readonly clock: Clock;
  private readonly warmupReadings: number;
  private readonly retryAbsentEvery: number;
  private readonly i2c: BoardBus;
  private readonly group: SensorSlots<SenseHatSensor>;
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
    this.i2c = new BoardBus({ bus: options.bus, busNumber: options.busNumber });
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
        formatAddress(hts.address ?? HTS221_ADDRESS),
        () => this.i2c.bus && new HTS221(this.i2c.bus, { ...hts, ...sleep }),
        policy,
        options.hts221 === false,
      ),
      lps25h: new SensorSlot(
        'lps25h',
        'LPS25H',
        formatAddress(lps.address ?? LPS25H_ADDRESS),
        () => this.i2c.bus && new LPS25H(this.i2c.bus, { ...lps, ...sleep }),
        policy,
        options.lps25h === false,
      ),
      lsm9ds1: new SensorSlot(
        'lsm9ds1',
        'LSM9DS1',
        formatAddress(ag.address ?? LSM9DS1_AG_ADDRESS),
        () => this.i2c.bus && new LSM9DS1(this.i2c.bus, { ...ag, ...sleep }),
        policy,
        options.lsm9ds1 === false,
      ),
      lsm9ds1_mag: new SensorSlot(
        'lsm9ds1_mag',
        'LSM9DS1 magnetometer',
        formatAddress(mag.address ?? LSM9DS1_MAG_ADDRESS),
        () => this.i2c.bus && new LSM9DS1Magnetometer(this.i2c.bus, mag),
        policy,
        options.lsm9ds1Mag === false,
      ),
    };
    // One transfer at a time: the bus is shared.
    this.group = new SensorSlots(SENSEHAT_SENSORS, this.slots, { sequential: true, bus: this.i2c });
  }

  /** Number of samples taken so far. */
  get readCount(): number {
    return this.reads;
  }

  /** Failed reads per sensor so far. */
  get errors(): Readonly<Record<SenseHatSensor, number>> {
    return this.group.errors();
  }

  /** Probes every enabled sensor and sets up those that answer. Runs once; later calls return the same result. */
  detect(): Promise<SenseHatSensorStatus[]> {
    this.detected ??= this.runDetect();
    return this.detected;
  }

  /** Current status of every sensor, after {@link detect}. */
  status(): SenseHatSensorStatus[] {
    return this.group.status();
  }

  /** Takes one sample of all sensors. Never throws because of a sensor. */
  async read(): Promise<SenseHatSample> {
    await this.detect();
    const timestamp = this.clock.now();
    this.reads++;
    if (this.retryAbsentEvery > 0 && this.reads % this.retryAbsentEvery === 0)
      await this.group.setUp('absent');

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
    try {
      await this.i2c.close();
    } catch (error) {
      (this.options.onWarning ?? ((m: string) => process.emitWarning(m)))(
        `closing the Sense HAT bus: ${describeError(error)}`,
      );
    }
  }

  private async runDetect(): Promise<SenseHatSensorStatus[]> {
    await this.group.setUp('all');
    return this.status();
  }
}
