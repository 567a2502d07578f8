import { realSleep, type Sleep } from '@opensensor/errors';
import { type I2cBus, i2cStep, readBlock, SensorError } from '@opensensor/sensors-core';

export const BME280_ADDRESS = 0x76;
export const BME280_ALT_ADDRESS = 0x77;
const CHIP_ID = 0x60;

const REG_ID = 0xd0;
const REG_RESET = 0xe0;
const REG_CTRL_HUM = 0xf2;
const REG_STATUS = 0xf3;
const REG_CTRL_MEAS = 0xf4;
const REG_CONFIG = 0xf5;
const REG_DATA = 0xf7;
const REG_CALIB_A = 0x88;
const REG_CALIB_B = 0xe1;

// Pimoroni bme280-python defaults: humidity x16; temperature x16, pressure x16, normal mode;
// standby 500 ms, IIR filter coefficient 4.
const CTRL_HUM = 0x05;
const CTRL_MEAS_NORMAL = 0xb7;
const CONFIG = 0x88;

/** The value the chip reports for a measurement it has not made yet (after reset, or skipped). */
const ADC_SKIPPED_20 = 0x80000;

/** Factory trimming parameters (datasheet section 4.2.2), decoded with their signs. */
export interface Bme280Calibration {
  T1: number;
  T2: number;
  T3: number;
  P1: number;
  P2: number;
  P3: number;
  P4: number;
  P5: number;
  P6: number;
  P7: number;
  P8: number;
  P9: number;
  H1: number;
  H2: number;
  H3: number;
  H4: number;
  H5: number;
  H6: number;
}

/** Raw ADC values as read from 0xF7..0xFE. */
export interface Bme280Raw {
  adcT: number;
  adcP: number;
  adcH: number;
}

export interface Bme280Reading {
  /** °C */
  temperature: number;
  /** hPa */
  pressure: number;
  /** %RH, 0..100 */
  humidity: number;
}

export interface Bme280Options {
  /** 0x76 (SDO to GND, the Enviro+) or 0x77. */
  address?: number;
  /** Injected for tests; the chip needs ~2 ms after a soft reset. */
  sleep?: Sleep;
}

function signExtend(value: number, bits: number): number {
  const shift = 32 - bits;
  return (value << shift) >> shift;
}

/**
 * Decodes the 26-byte block at 0x88 and the 7-byte block at 0xE1. dig_H4 and dig_H5 are 12-bit
 * two's-complement values that share register 0xE5; they must be sign-extended from bit 11.
 */
export function decodeBme280Calibration(blockA: Uint8Array, blockB: Uint8Array): Bme280Calibration {
  if (blockA.length < 26 || blockB.length < 7) {
    throw new RangeError(`BME280 calibration needs 26 + 7 bytes, got ${blockA.length} + ${blockB.length}`);
  }
  const a = (i: number) => blockA[i] as number;
  const b = (i: number) => blockB[i] as number;
  const u16 = (i: number) => a(i) | (a(i + 1) << 8);
  const s16 = (i: number) => signExtend(u16(i), 16);
  return {
    T1: u16(0),
    T2: s16(2),
    T3: s16(4),
    P1: u16(6),
    P2: s16(8),
    P3: s16(10),
    P4: s16(12),
    P5: s16(14),
    P6: s16(16),
    P7: s16(18),
    P8: s16(20),
    P9: s16(22),
    H1: a(25),
    H2: signExtend(b(0) | (b(1) << 8), 16),
    H3: b(2),
    H4: signExtend((b(3) << 4) | (b(4) & 0x0f), 12),
    H5: signExtend((b(5) << 4) | (b(4) >> 4), 12),
    H6: signExtend(b(6), 8),
  };
}

/** Assembles the 20-bit T/P and 16-bit H values from the 8-byte burst at 0xF7. */
export function decodeBme280Raw(data: Uint8Array): Bme280Raw {
  const d = (i: number) => data[i] as number;
  return {
    adcP: (d(0) << 12) | (d(1) << 4) | (d(2) >> 4),
    adcT: (d(3) << 12) | (d(4) << 4) | (d(5) >> 4),
    adcH: (d(6) << 8) | d(7),
  };
}

/**
 * Bosch floating-point compensation as Pimoroni's library does it (float t_fine kept for P and H,
 * humidity in the BME280_driver API form), so readings match the reference collector's digits.
 */
export function compensateBme280(raw: Bme280Raw, c: Bme280Calibration): Bme280Reading {
  let var1 = (raw.adcT / 16384 - c.T1 / 1024) * c.T2;
  let var2 = (raw.adcT / 131072 - c.T1 / 8192) ** 2 * c.T3;
  const tFine = var1 + var2;
  const temperature = tFine / 5120;

  var1 = tFine / 2 - 64000;
  var2 = (var1 * var1 * c.P6) / 32768;
  var2 += var1 * c.P5 * 2;
  var2 = var2 / 4 + c.P4 * 65536;
  var1 = ((c.P3 * var1 * var1) / 524288 + c.P2 * var1) / 524288;
  var1 = (1 + var1 / 32768) * c.P1;
  let pressure = Number.NaN;
  if (var1 !== 0) {
    let p = 1048576 - raw.adcP;
    p = ((p - var2 / 4096) * 6250) / var1;
    p += ((c.P9 * p * p) / 2147483648 + (p * c.P8) / 32768 + c.P7) / 16;
    pressure = p / 100;
  }

  // Bosch API form (the extra var5 factor) written in the datasheet's evaluation order, so that with
  // dig_H3 = 0 (var5 = 1) the result equals the reference digits bit for bit.
  const x = tFine - 76800;
  const var5 = 1 + (c.H3 / 67108864) * x;
  let humidity =
    (raw.adcH - (c.H4 * 64 + (c.H5 / 16384) * x)) *
    ((c.H2 / 65536) * (1 + (c.H6 / 67108864) * x * var5)) *
    var5;
  humidity *= 1 - (c.H1 * humidity) / 524288;
  humidity = Math.min(100, Math.max(0, humidity));

  return { temperature, pressure, humidity };
}

/** Barometric altitude in metres for a pressure in hPa, against sea-level pressure `qnh` (hPa). */
export function altitudeFromPressure(pressureHpa: number, qnh = 1013.25): number {
  return 44330 * (1 - (pressureHpa / qnh) ** (1 / 5.255));
}

/** Bosch BME280 temperature, pressure and humidity sensor in normal mode. */
export class BME280 {
  readonly address: number;
  private readonly bus: I2cBus;
  private readonly sleep: Sleep;
  private calibration: Bme280Calibration | undefined;
  // Reused for every read: the collector reads every few seconds for months.
  private readonly data = Buffer.alloc(8);

  constructor(bus: I2cBus, options: Bme280Options = {}) {
    this.bus = bus;
    this.address = options.address ?? BME280_ADDRESS;
    this.sleep = options.sleep ?? realSleep;
  }

  /** The decoded calibration, once {@link init} has run. */
  get calibrationData(): Bme280Calibration | undefined {
    return this.calibration;
  }

  /** Checks the chip id, resets, configures like Pimoroni's defaults and reads the calibration. */
  async init(): Promise<void> {
    const id = await this.io('reading the chip id', () => this.bus.readByte(this.address, REG_ID), true);
    if (id !== CHIP_ID) {
      const hint = id >= 0x56 && id <= 0x58 ? ' (a BMP280: it has no humidity sensor)' : '';
      throw new SensorError(
        'BME280',
        this.address,
        'WRONG_CHIP',
        `chip id is 0x${id.toString(16).padStart(2, '0')}${hint}, expected 0x60; check the address (0x76 or 0x77) and the board`,
      );
    }
    await this.io('resetting', () => this.bus.writeByte(this.address, REG_RESET, 0xb6));
    await this.waitForNvmCopy();
    // ctrl_hum only takes effect on the next ctrl_meas write, and config writes can be ignored in
    // normal mode, so ctrl_meas (which starts normal mode) goes last.
    await this.io('configuring', async () => {
      await this.bus.writeByte(this.address, REG_CTRL_HUM, CTRL_HUM);
      await this.bus.writeByte(this.address, REG_CONFIG, CONFIG);
      await this.bus.writeByte(this.address, REG_CTRL_MEAS, CTRL_MEAS_NORMAL);
    });
    const blockA = Buffer.alloc(26);
    const blockB = Buffer.alloc(7);
    await this.io('reading calibration', async () => {
      await readBlock(this.bus, this.address, REG_CALIB_A, 26, blockA);
      await readBlock(this.bus, this.address, REG_CALIB_B, 7, blockB);
    });
    this.calibration = decodeBme280Calibration(blockA, blockB);
  }

  /** Reads the raw ADC values of the latest measurement. */
  async readRaw(): Promise<Bme280Raw> {
    await this.io('reading data', () => readBlock(this.bus, this.address, REG_DATA, 8, this.data));
    return decodeBme280Raw(this.data);
  }

  /** One compensated reading: °C, hPa, %RH. */
  async read(): Promise<Bme280Reading> {
    const calibration = this.calibration;
    if (!calibration) {
      throw new SensorError('BME280', this.address, 'NOT_READY', 'read() called before init()');
    }
    const raw = await this.readRaw();
    if (raw.adcT === ADC_SKIPPED_20 || raw.adcP === ADC_SKIPPED_20) {
      throw new SensorError(
        'BME280',
        this.address,
        'NOT_READY',
        'no measurement yet (data registers hold their reset value); the first one completes about 0.1 s after init',
      );
    }
    return compensateBme280(raw, calibration);
  }

  private async waitForNvmCopy(): Promise<void> {
    // Datasheet start-up time is 2 ms; im_update (bit 0) stays set while the NVM is copied.
    for (let attempt = 0; attempt < 50; attempt++) {
      const status = await this.io('reading status', () => this.bus.readByte(this.address, REG_STATUS));
      if ((status & 0x01) === 0) return;
      await this.sleep(2);
    }
    throw new SensorError(
      'BME280',
      this.address,
      'TIMEOUT',
      'still copying calibration (im_update) 100 ms after reset',
    );
  }

  private io<T>(what: string, op: () => Promise<T>, firstContact = false): Promise<T> {
    return i2cStep('BME280', this.address, what, op, firstContact);
  }
}
