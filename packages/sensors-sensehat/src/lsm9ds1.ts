import { realSleep, type Sleep } from '@opensensor/errors';
import type { I2cBus } from '@opensensor/sensors-core';
import { ChipIo } from './chip-io.js';
import { AUTO_INCREMENT } from './timing.js';

export const LSM9DS1_AG_ADDRESS = 0x6a;
export const LSM9DS1_AG_ALT_ADDRESS = 0x6b;
export const LSM9DS1_MAG_ADDRESS = 0x1c;
export const LSM9DS1_MAG_ALT_ADDRESS = 0x1e;
export const LSM9DS1_AG_WHO_AM_I = 0x68;
export const LSM9DS1_MAG_WHO_AM_I = 0x3d;

const REG_WHO_AM_I = 0x0f;
const REG_CTRL_REG1_G = 0x10;
const REG_CTRL_REG3_G = 0x12;
const REG_OUT_X_G = 0x18;
const REG_CTRL_REG6_XL = 0x20;
const REG_CTRL_REG7_XL = 0x21;
const REG_CTRL_REG8 = 0x22;
const REG_OUT_X_XL = 0x28;
const REG_CTRL_REG1_M = 0x20;
const REG_CTRL_REG2_M = 0x21;
const REG_CTRL_REG3_M = 0x22;
const REG_OUT_X_M = 0x28;

/** Scale factors at RTIMULib's default ranges: ±500 dps, ±8 g, ±4 gauss. */
export const LSM9DS1_SCALES = {
  /** dps per LSB at ±500 dps. */
  gyroDps: 0.0175,
  /** g per LSB at ±8 g. */
  accelG: 0.000244,
  /** µT per LSB at ±4 gauss. */
  magMicroTesla: 0.014,
} as const;

const DEG_TO_RAD = Math.PI / 180;

/** A three-axis value. */
export interface Vector3 {
  x: number;
  y: number;
  z: number;
}

/**
 * Decodes three signed little-endian words at `offset`, scales them and negates the axes RTIMULib
 * negates, so that every Sense HAT sensor reports in the same body frame.
 */
export function decodeLsm9ds1Vector(
  bytes: Uint8Array,
  offset: number,
  scale: number,
  negate: { x?: boolean; y?: boolean; z?: boolean },
  out: Vector3 = { x: 0, y: 0, z: 0 },
): Vector3 {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // `0 - v` rather than `-v`: a zero axis stays +0, so readings compare and serialise as 0.
  const x = view.readInt16LE(offset) * scale;
  const y = view.readInt16LE(offset + 2) * scale;
  const z = view.readInt16LE(offset + 4) * scale;
  out.x = negate.x ? 0 - x : x;
  out.y = negate.y ? 0 - y : y;
  out.z = negate.z ? 0 - z : z;
  return out;
}

/** Axis fix-ups RTIMULib applies to the LSM9DS1 (gyro Z; accel X, Y; compass X, Z). */
export const LSM9DS1_AXIS_NEGATION = {
  gyro: { z: true },
  accel: { x: true, y: true },
  mag: { x: true, z: true },
} as const;

export interface Lsm9ds1Options {
  /** Accelerometer/gyroscope address, 0x6A on the Sense HAT. */
  address?: number;
  sleep?: Sleep;
}

export interface ImuReading {
  /** g. */
  accel: Vector3;
  /** rad/s. */
  gyro: Vector3;
}

/** The accelerometer and gyroscope of an LSM9DS1 (Sense HAT, 0x6A). */
export class LSM9DS1 {
  readonly address: number;
  private readonly io: ChipIo;
  private readonly sleep: Sleep;
  private ready = false;
  private readonly gyroBytes = Buffer.alloc(6);
  private readonly accelBytes = Buffer.alloc(6);

  constructor(bus: I2cBus, options: Lsm9ds1Options = {}) {
    this.address = options.address ?? LSM9DS1_AG_ADDRESS;
    this.io = new ChipIo(bus, 'LSM9DS1', this.address);
    this.sleep = options.sleep ?? realSleep;
  }

  /** Reboots, then sets gyro 119 Hz ±500 dps with high-pass, accel 119 Hz ±8 g, like RTIMULib. */
  async init(): Promise<void> {
    this.ready = false;
    await this.io.expectId(REG_WHO_AM_I, LSM9DS1_AG_WHO_AM_I);
    await this.io.writeByte(REG_CTRL_REG8, 0x80, 'rebooting');
    await this.sleep(100);
    // The reboot leaves IF_ADD_INC clear, so multi-byte reads would repeat one register; RTIMULib
    // reads byte by byte instead. BDU keeps the low and high bytes of a sample together.
    await this.io.writeByte(REG_CTRL_REG8, 0x44, 'enabling block update and auto-increment');
    await this.io.writeByte(REG_CTRL_REG1_G, 0x69, 'configuring the gyroscope');
    await this.io.writeByte(REG_CTRL_REG3_G, 0x44, 'configuring the gyroscope high-pass filter');
    await this.io.writeByte(REG_CTRL_REG6_XL, 0x7b, 'configuring the accelerometer');
    await this.io.writeByte(REG_CTRL_REG7_XL, 0x00, 'configuring the accelerometer filter');
    this.ready = true;
  }

  async read(
    out: ImuReading = { accel: { x: 0, y: 0, z: 0 }, gyro: { x: 0, y: 0, z: 0 } },
  ): Promise<ImuReading> {
    if (!this.ready) throw this.io.error('NOT_READY', 'read() called before init()');
    await this.io.readBlock(REG_OUT_X_G, 6, this.gyroBytes, 'reading the gyroscope');
    await this.io.readBlock(REG_OUT_X_XL, 6, this.accelBytes, 'reading the accelerometer');
    decodeLsm9ds1Vector(
      this.gyroBytes,
      0,
      LSM9DS1_SCALES.gyroDps * DEG_TO_RAD,
      LSM9DS1_AXIS_NEGATION.gyro,
      out.gyro,
    );
    decodeLsm9ds1Vector(this.accelBytes, 0, LSM9DS1_SCALES.accelG, LSM9DS1_AXIS_NEGATION.accel, out.accel);
    return out;
  }
}

export interface Lsm9ds1MagOptions {
  /** Magnetometer address, 0x1C on the Sense HAT. */
  address?: number;
  /** Hard-iron offset in µT (after axis fix-ups), subtracted from every reading. Default none. */
  offset?: Vector3;
}

/** The magnetometer of an LSM9DS1 (Sense HAT, 0x1C). */
export class LSM9DS1Magnetometer {
  readonly address: number;
  private readonly io: ChipIo;
  private readonly offset: Vector3;
  private ready = false;
  private readonly bytes = Buffer.alloc(6);

  constructor(bus: I2cBus, options: Lsm9ds1MagOptions = {}) {
    this.address = options.address ?? LSM9DS1_MAG_ADDRESS;
    this.io = new ChipIo(bus, 'LSM9DS1 magnetometer', this.address);
    this.offset = options.offset ?? { x: 0, y: 0, z: 0 };
  }

  /** Checks WHO_AM_I and sets 20 Hz, ±4 gauss, continuous conversion. */
  async init(): Promise<void> {
    this.ready = false;
    await this.io.expectId(REG_WHO_AM_I, LSM9DS1_MAG_WHO_AM_I);
    await this.io.writeByte(REG_CTRL_REG1_M, 0x14, 'setting the data rate');
    await this.io.writeByte(REG_CTRL_REG2_M, 0x00, 'setting ±4 gauss');
    await this.io.writeByte(REG_CTRL_REG3_M, 0x00, 'starting continuous conversion');
    this.ready = true;
  }

  /** Magnetic field in µT. */
  async read(out: Vector3 = { x: 0, y: 0, z: 0 }): Promise<Vector3> {
    if (!this.ready) throw this.io.error('NOT_READY', 'read() called before init()');
    // The magnetometer auto-increments only when bit 7 of the sub-address is set.
    await this.io.readBlock(REG_OUT_X_M | AUTO_INCREMENT, 6, this.bytes, 'reading the magnetometer');
    decodeLsm9ds1Vector(this.bytes, 0, LSM9DS1_SCALES.magMicroTesla, LSM9DS1_AXIS_NEGATION.mag, out);
    out.x -= this.offset.x;
    out.y -= this.offset.y;
    out.z -= this.offset.z;
    return out;
  }
}
