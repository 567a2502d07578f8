import { realSleep, type Sleep } from '@opensensor/errors';
import type { I2cBus } from '@opensensor/sensors-core';
import { ChipIo } from './chip-io.js';
import { AUTO_INCREMENT } from './timing.js';

export const HTS221_ADDRESS = 0x5f;
export const HTS221_WHO_AM_I = 0xbc;

const REG_WHO_AM_I = 0x0f;
const REG_AV_CONF = 0x10;
const REG_CTRL_REG1 = 0x20;
const REG_STATUS = 0x27;
const REG_HUMIDITY_OUT = 0x28;
const REG_CALIBRATION = 0x30;

/** Factory calibration of one HTS221: two reference points per quantity and the raw outputs there. */
export interface Hts221Calibration {
  /** %RH at the two reference points. */
  h0: number;
  h1: number;
  /** °C at the two reference points. */
  t0: number;
  t1: number;
  h0Out: number;
  h1Out: number;
  t0Out: number;
  t1Out: number;
}

/** Decodes the 16 calibration bytes read from 0x30..0x3F. */
export function decodeHts221Calibration(bytes: Uint8Array): Hts221Calibration {
  if (bytes.length < 16) throw new RangeError(`HTS221 calibration needs 16 bytes, got ${bytes.length}`);
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, 16);
  const msb = view[5] as number; // 0x35 holds bits 9:8 of both temperature points
  return {
    h0: (view[0] as number) / 2,
    h1: (view[1] as number) / 2,
    t0: ((((msb & 0x03) << 8) | (view[2] as number)) as number) / 8,
    t1: ((((msb & 0x0c) << 6) | (view[3] as number)) as number) / 8,
    h0Out: view.readInt16LE(6),
    h1Out: view.readInt16LE(10),
    t0Out: view.readInt16LE(12),
    t1Out: view.readInt16LE(14),
  };
}

/** Relative humidity (%RH) by linear interpolation, unclamped like RTIMULib. */
export function hts221Humidity(cal: Hts221Calibration, hOut: number): number {
  const m = (cal.h1 - cal.h0) / (cal.h1Out - cal.h0Out);
  return hOut * m + (cal.h0 - m * cal.h0Out);
}

/** Temperature (°C) by linear interpolation. */
export function hts221Temperature(cal: Hts221Calibration, tOut: number): number {
  const m = (cal.t1 - cal.t0) / (cal.t1Out - cal.t0Out);
  return tOut * m + (cal.t0 - m * cal.t0Out);
}

export interface Hts221Options {
  address?: number;
  /** Injected for tests: the wait between data-ready polls. */
  sleep?: Sleep;
}

export interface Hts221Reading {
  /** °C. */
  temperature: number;
  /** %RH, clamped to 0..100 (interpolation past the calibration points can leave that range). */
  humidity: number;
}

/** STMicroelectronics HTS221 humidity and temperature sensor (Sense HAT, 0x5F). */
export class HTS221 {
  readonly address: number;
  private readonly io: ChipIo;
  private readonly sleep: Sleep;
  private calibration: Hts221Calibration | undefined;
  private readonly out = Buffer.alloc(4);

  constructor(bus: I2cBus, options: Hts221Options = {}) {
    this.address = options.address ?? HTS221_ADDRESS;
    this.io = new ChipIo(bus, 'HTS221', this.address);
    this.sleep = options.sleep ?? realSleep;
  }

  /** Checks WHO_AM_I, powers on with block data update at 12.5 Hz and reads the calibration. */
  async init(): Promise<void> {
    this.calibration = undefined;
    await this.io.expectId(REG_WHO_AM_I, HTS221_WHO_AM_I);
    await this.io.writeByte(REG_CTRL_REG1, 0x87, 'powering on');
    await this.io.writeByte(REG_AV_CONF, 0x1b, 'setting averaging');
    const block = await this.io.readBlock(
      REG_CALIBRATION | AUTO_INCREMENT,
      16,
      Buffer.alloc(16),
      'reading calibration',
    );
    const cal = decodeHts221Calibration(block);
    if (cal.h1Out === cal.h0Out || cal.t1Out === cal.t0Out) {
      throw this.io.error('WRONG_CHIP', 'calibration has equal reference outputs (blank or corrupt OTP)');
    }
    this.calibration = cal;
  }

  get calibrationData(): Hts221Calibration | undefined {
    return this.calibration;
  }

  async read(): Promise<Hts221Reading> {
    const cal = this.calibration;
    if (!cal) throw this.io.error('NOT_READY', 'read() called before init()');
    await this.waitForData();
    const out = await this.io.readBlock(
      REG_HUMIDITY_OUT | AUTO_INCREMENT,
      4,
      this.out,
      'reading humidity and temperature',
    );
    const humidity = hts221Humidity(cal, out.readInt16LE(0));
    return {
      temperature: hts221Temperature(cal, out.readInt16LE(2)),
      humidity: Math.min(100, Math.max(0, humidity)),
    };
  }

  // Right after power-on the first conversion takes one 80 ms period; later reads find both bits set.
  private async waitForData(): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const status = await this.io.readByte(REG_STATUS, 'reading status');
      if ((status & 0x03) === 0x03) return;
      await this.sleep(40);
    }
    throw this.io.error('NOT_READY', 'no new humidity/temperature data after 200 ms');
  }
}
