import { realSleep, type Sleep } from '@opensensor/errors';
import type { I2cBus } from '@opensensor/sensors-core';
import { ChipIo } from './chip-io.js';
import { AUTO_INCREMENT } from './timing.js';

export const LPS25H_ADDRESS = 0x5c;
export const LPS25H_ALT_ADDRESS = 0x5d;
export const LPS25H_WHO_AM_I = 0xbd;

const REG_WHO_AM_I = 0x0f;
const REG_RES_CONF = 0x10;
const REG_CTRL_REG1 = 0x20;
const REG_CTRL_REG2 = 0x21;
const REG_STATUS = 0x27;
const REG_PRESS_OUT_XL = 0x28;
const REG_FIFO_CTRL = 0x2e;

/** Pressure in hPa from PRESS_OUT_XL/L/H (24 bits, 4096 LSB per hPa; unsigned, as RTIMULib reads it). */
export function lps25hPressure(xl: number, l: number, h: number): number {
  return (xl | (l << 8) | (h << 16)) / 4096;
}

/** Temperature in °C from the signed TEMP_OUT word: 42.5 °C offset, 480 LSB per °C. */
export function lps25hTemperature(tOut: number): number {
  return 42.5 + tOut / 480;
}

export interface Lps25hOptions {
  /** 0x5C on the Sense HAT; 0x5D when SA0 is high. */
  address?: number;
  sleep?: Sleep;
}

export interface Lps25hReading {
  /** hPa. */
  pressure: number;
  /** °C. */
  temperature: number;
}

/** STMicroelectronics LPS25H barometer (Sense HAT, 0x5C). */
export class LPS25H {
  readonly address: number;
  private readonly io: ChipIo;
  private readonly sleep: Sleep;
  private ready = false;
  private readonly out = Buffer.alloc(5);

  constructor(bus: I2cBus, options: Lps25hOptions = {}) {
    this.address = options.address ?? LPS25H_ADDRESS;
    this.io = new ChipIo(bus, 'LPS25H', this.address);
    this.sleep = options.sleep ?? realSleep;
  }

  /** Checks WHO_AM_I and configures 25 Hz with block data update and FIFO mean mode, as RTIMULib does. */
  async init(): Promise<void> {
    this.ready = false;
    await this.io.expectId(REG_WHO_AM_I, LPS25H_WHO_AM_I);
    await this.io.writeByte(REG_CTRL_REG1, 0xc4, 'powering on');
    await this.io.writeByte(REG_RES_CONF, 0x05, 'setting resolution');
    await this.io.writeByte(REG_FIFO_CTRL, 0xc0, 'setting FIFO mean mode');
    await this.io.writeByte(REG_CTRL_REG2, 0x40, 'enabling the FIFO');
    this.ready = true;
  }

  async read(): Promise<Lps25hReading> {
    if (!this.ready) throw this.io.error('NOT_READY', 'read() called before init()');
    await this.waitForData();
    // PRESS_OUT_XL..H (0x28..0x2A) and TEMP_OUT_L/H (0x2B..0x2C) are contiguous: one transfer.
    const out = await this.io.readBlock(
      REG_PRESS_OUT_XL | AUTO_INCREMENT,
      5,
      this.out,
      'reading pressure and temperature',
    );
    return {
      pressure: lps25hPressure(out[0] as number, out[1] as number, out[2] as number),
      temperature: lps25hTemperature(out.readInt16LE(3)),
    };
  }

  private async waitForData(): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const status = await this.io.readByte(REG_STATUS, 'reading status');
      if ((status & 0x03) === 0x03) return;
      await this.sleep(40);
    }
    throw this.io.error('NOT_READY', 'no new pressure/temperature data after 200 ms');
  }
}
