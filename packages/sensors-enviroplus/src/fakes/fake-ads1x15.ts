import type { FakeI2cDevice } from '@opensensor/sensors-core/testing';
import type { AdcChip } from '../gas.js';

export interface FakeAds1x15Options {
  chip?: AdcChip;
  /** Input voltages of AIN0..AIN3 against GND (ignored for channels set in `conversions`). */
  volts?: readonly [number, number, number, number];
  /** Raw conversion-register words per input, to reproduce exact captures (e.g. 0x0FC1). */
  conversions?: Partial<Record<0 | 1 | 2 | 3, number>>;
  /** Config reads that report "busy" (OS = 0) after each start, to exercise polling. Default 0. */
  busyPolls?: number;
}

/**
 * ADS1015/ADS1115 model: 16-bit big-endian registers behind a pointer byte, single-shot conversions
 * started by writing OS = 1, MUX selecting the input. Voltages convert at the PGA in the config word.
 */
export class FakeAds1x15 implements FakeI2cDevice {
  readonly chip: AdcChip;
  volts: [number, number, number, number];
  conversions: Partial<Record<0 | 1 | 2 | 3, number>>;
  /** Every config word written. */
  readonly configWrites: number[] = [];
  private config = 0x8583;
  private conversion = 0;
  private busy = 0;
  private readonly busyPolls: number;

  constructor(options: FakeAds1x15Options = {}) {
    this.chip = options.chip ?? 'ads1015';
    this.volts = [...(options.volts ?? [0.8, 0.8, 0.8, 0.8])];
    this.conversions = { ...options.conversions };
    this.busyPolls = options.busyPolls ?? 0;
  }

  read(register: number, length: number, out: Buffer): void {
    let word = 0;
    if ((register & 0x03) === 0x00) word = this.conversion;
    else if ((register & 0x03) === 0x01) {
      word = this.busy > 0 ? this.config & 0x7fff : this.config | 0x8000;
      if (this.busy > 0) this.busy--;
    }
    const bytes = [word >> 8, word & 0xff];
    for (let i = 0; i < length; i++) out[i] = bytes[i % 2] as number;
  }

  write(register: number, bytes: Uint8Array): void {
    if ((register & 0x03) !== 0x01 || bytes.length < 2) return;
    const word = ((bytes[0] as number) << 8) | (bytes[1] as number);
    this.configWrites.push(word);
    this.config = word & 0x7fff;
    if (word & 0x8000) this.startConversion(word);
  }

  private startConversion(word: number): void {
    const mux = (word >> 12) & 0x07;
    if (mux < 4) {
      this.conversion = 0; // differential inputs are not modelled
    } else {
      const channel = (mux - 4) as 0 | 1 | 2 | 3;
      const raw = this.conversions[channel];
      this.conversion = raw ?? this.encode(this.volts[channel], (word >> 9) & 0x07);
    }
    this.busy = this.busyPolls;
  }

  private encode(volts: number, pga: number): number {
    const fullScale = [6.144, 4.096, 2.048, 1.024, 0.512, 0.256, 0.256, 0.256][pga] as number;
    if (this.chip === 'ads1015') {
      const code = Math.max(-2048, Math.min(2047, Math.round((volts / fullScale) * 2048)));
      return (code << 4) & 0xffff;
    }
    const code = Math.max(-32768, Math.min(32767, Math.round((volts / fullScale) * 32768)));
    return code & 0xffff;
  }
}
