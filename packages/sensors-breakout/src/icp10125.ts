import { realSleep, type Sleep } from '@opensensor/errors';
import { CommandDevice, type CommandI2cBus } from './command-bus.js';

export const ICP10125_ADDRESS = 0x63;

const SOFT_RESET = 0x805d;
const READ_ID = 0xefc8;
const SET_OTP_POINTER = 0xc595;
const READ_OTP = 0xc7f7;
const OTP_ADDRESS = 0x0066;
const PRODUCT_ID = 0x08;

/** Measurement modes (temperature first) with their command and the wait before reading, ms. */
export const ICP10125_MODES = {
  'low-power': [0x609c, 2],
  normal: [0x6825, 7],
  'low-noise': [0x70df, 24],
  'ultra-low-noise': [0x7866, 95],
} as const;

export type Icp10125Mode = keyof typeof ICP10125_MODES;

/** The four factory constants c0..c3 (signed 16-bit). */
export type Icp10125Otp = readonly [number, number, number, number];

export interface Icp10125Reading {
  /** Pa. */
  pressure: number;
  /** °C. */
  temperature: number;
}

/** Sign-extends a 16-bit word (the TDK reference keeps the constants in `short`). */
export function toInt16(word: number): number {
  return (word << 16) >> 16;
}

/** TDK's conversion of raw temperature and pressure with the factory constants. */
export function icp10125Convert(otp: Icp10125Otp, tLsb: number, pLsb: number): Icp10125Reading {
  const [c0, c1, c2, c3] = otp;
  const t = tLsb - 32768;
  const tt = (t * t) / 16777216;
  const s1 = 3.5 * 2 ** 20 + c0 * tt;
  const s2 = 2048 * c3 + c1 * tt;
  const s3 = 11.5 * 2 ** 20 + c2 * tt;
  const p0 = 45000;
  const p1 = 80000;
  const p2 = 105000;
  const c =
    (s1 * s2 * (p0 - p1) + s2 * s3 * (p1 - p2) + s3 * s1 * (p2 - p0)) /
    (s3 * (p0 - p1) + s1 * (p1 - p2) + s2 * (p2 - p0));
  const a = (p0 * s1 - p1 * s2 - (p1 - p0) * c) / (s1 - s2);
  const b = (p0 - a) * (s1 + c);
  return { pressure: a + b / (c + pLsb), temperature: -45 + (175 / 65536) * tLsb };
}

export interface Icp10125Options {
  address?: number;
  /** Default `normal` (7 ms, about 1.6 Pa noise). */
  mode?: Icp10125Mode;
  sleep?: Sleep;
}

/** TDK InvenSense ICP-10125 barometer. */
export class ICP10125 {
  readonly address: number;
  readonly mode: Icp10125Mode;
  private readonly dev: CommandDevice;
  private readonly sleep: Sleep;
  private otp: Icp10125Otp | undefined;

  constructor(bus: CommandI2cBus, options: Icp10125Options = {}) {
    this.address = options.address ?? ICP10125_ADDRESS;
    this.mode = options.mode ?? 'normal';
    if (!(this.mode in ICP10125_MODES)) {
      throw new RangeError(
        `ICP-10125 mode must be one of ${Object.keys(ICP10125_MODES).join(', ')}, got ${this.mode}`,
      );
    }
    this.sleep = options.sleep ?? realSleep;
    this.dev = new CommandDevice(bus, 'ICP-10125', this.address, this.sleep);
  }

  /** The factory constants read at init. */
  get calibration(): Icp10125Otp | undefined {
    return this.otp;
  }

  /** Soft-resets, checks the product id and reads the four OTP constants. */
  async init(): Promise<void> {
    this.otp = undefined;
    await this.dev.command(SOFT_RESET, 'soft reset', { delayMs: 1, firstContact: true });
    const [id] = (await this.dev.command(READ_ID, 'reading the product id', { read: 1 })) as [number];
    if ((id & 0x3f) !== PRODUCT_ID) {
      throw this.dev.error(
        'WRONG_CHIP',
        `product id is 0x${(id & 0x3f).toString(16).padStart(2, '0')}, expected 0x08 (ICP-101xx)`,
      );
    }
    await this.dev.command(SET_OTP_POINTER, 'setting the OTP pointer', { args: [OTP_ADDRESS] });
    const c: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [word] = await this.dev.command(READ_OTP, `reading OTP constant c${i}`, { read: 1 });
      c.push(toInt16(word as number));
    }
    this.otp = c as unknown as Icp10125Otp;
  }

  async read(): Promise<Icp10125Reading> {
    const otp = this.otp;
    if (!otp) throw this.dev.error('NOT_READY', 'read() called before init()');
    const [code, delayMs] = ICP10125_MODES[this.mode];
    const [w0, w1, w2] = (await this.dev.command(code, 'measuring', { delayMs, read: 3 })) as [
      number,
      number,
      number,
    ];
    // Temperature-first order: T, then the pressure's upper 16 bits, then its low byte.
    return icp10125Convert(otp, w0, (w1 << 8) | (w2 >> 8));
  }
}
