import { realSleep, type Sleep } from '@opensensor/errors';
import { type I2cBus, i2cStep, readBlock, SensorError } from '@opensensor/sensors-core';
import { emitWarning, type Gpio, GpioGuard, type GpioLine } from './gpio.js';

export const ADS1X15_ADDRESS = 0x49;
export const GAS_HEATER_PIN = 24;

const REG_CONVERSION = 0x00;
const REG_CONFIG = 0x01;

// OS=1 (start), single-shot, PGA ±6.144 V, DR code 100 (ADS1015 1600 SPS / ADS1115 128 SPS),
// comparator disabled. MUX[14:12] selects the input against GND.
const CONFIG_BASE = 0x8183;
const MUX_SINGLE_ENDED = [0b100, 0b101, 0b110, 0b111] as const;
const FULL_SCALE_V = 6.144;
/** Supply of the MICS6814 divider; at or above it the formula divides by ≤ 0. */
const SUPPLY_V = 3.3;
const DIVIDER_OHMS = 56000;

export type AdcChip = 'ads1015' | 'ads1115';

/** Config word that starts a single-shot conversion on input `channel` (0..3) against GND. */
export function ads1x15ConfigWord(channel: 0 | 1 | 2 | 3): number {
  return CONFIG_BASE | (MUX_SINGLE_ENDED[channel] << 12);
}

/** Volts from the big-endian conversion register at ±6.144 V. */
export function ads1x15Volts(msb: number, lsb: number, chip: AdcChip): number {
  const word = (((msb << 8) | lsb) << 16) >> 16;
  // ADS1015 data is 12-bit, left-aligned in bits 15:4.
  return chip === 'ads1015' ? ((word >> 4) / 2048) * FULL_SCALE_V : (word / 32768) * FULL_SCALE_V;
}

/**
 * Sensor resistance (Ω) of a MICS6814 element from the voltage across the 56 kΩ load resistor.
 * Null when the voltage is at or above the 3.3 V supply (open element or a bad reading) or negative,
 * where the formula has no meaning.
 */
export function mics6814Resistance(volts: number): number | null {
  if (!(volts < SUPPLY_V) || volts < 0) return null;
  return (volts * DIVIDER_OHMS) / (SUPPLY_V - volts);
}

export interface GasReading {
  /** Oxidising gases element (NO2), kΩ; null when the reading is out of range. */
  oxidised: number | null;
  /** Reducing gases element (CO), kΩ. */
  reducing: number | null;
  /** NH3 element, kΩ. */
  nh3: number | null;
}

export interface GasSensorOptions {
  address?: number;
  /** Drive the heater on GPIO24. `false` skips GPIO entirely. Default true. */
  heater?: boolean;
  /** GPIO used for the heater; without one the heater is not driven (with one warning). */
  gpio?: Gpio;
  heaterPin?: number;
  /** Which ADC is fitted; `auto` (default) tells them apart at init. */
  adc?: AdcChip | 'auto';
  /** Where warnings go (default: a Node process warning). */
  onWarning?: (message: string) => void;
  /** Shared guard so several drivers on one board warn about missing GPIO only once. */
  gpioGuard?: GpioGuard;
  sleep?: Sleep;
}

/** MICS6814 three-element gas sensor read through an ADS1015 or ADS1115 (Enviro+ wiring). */
export class GasSensor {
  readonly address: number;
  private readonly bus: I2cBus;
  private readonly heater: boolean;
  private readonly heaterPin: number;
  private readonly adcOption: AdcChip | 'auto';
  private readonly guard: GpioGuard;
  private readonly sleep: Sleep;
  private chip: AdcChip | undefined;
  private heaterLine: GpioLine | null = null;
  private readonly word = Buffer.alloc(2);

  constructor(bus: I2cBus, options: GasSensorOptions = {}) {
    this.bus = bus;
    this.address = options.address ?? ADS1X15_ADDRESS;
    this.heater = options.heater ?? true;
    this.heaterPin = options.heaterPin ?? GAS_HEATER_PIN;
    this.adcOption = options.adc ?? 'auto';
    this.guard = options.gpioGuard ?? new GpioGuard(options.gpio, options.onWarning ?? emitWarning);
    this.sleep = options.sleep ?? realSleep;
  }

  /** The ADC found at init. */
  get adc(): AdcChip | undefined {
    return this.chip;
  }

  /** Whether the heater line is currently driven high by this driver. */
  get heaterOn(): boolean {
    return this.heaterLine !== null;
  }

  async init(): Promise<void> {
    await this.io(
      'reading the config register',
      () => readBlock(this.bus, this.address, REG_CONFIG, 2, this.word),
      true,
    );
    this.chip = this.adcOption === 'auto' ? await this.detectChip() : this.adcOption;
    if (this.heater && !this.heaterLine) {
      this.heaterLine = await this.guard.output(this.heaterPin, 1, 'MICS6814 heater');
    }
  }

  /** One reading of the three elements, in kΩ. */
  async read(): Promise<GasReading> {
    const chip = this.chip;
    if (!chip)
      throw new SensorError(chipLabel(undefined), this.address, 'NOT_READY', 'read() called before init()');
    const kohm = (volts: number) => {
      const ohms = mics6814Resistance(volts);
      return ohms === null ? null : ohms / 1000;
    };
    const oxidised = kohm(await this.readVolts(0, chip));
    const reducing = kohm(await this.readVolts(1, chip));
    const nh3 = kohm(await this.readVolts(2, chip));
    return { oxidised, reducing, nh3 };
  }

  /** Volts on ADC input `channel` (0..3) against GND; input 3 is the spare analog input. */
  async readVolts(channel: 0 | 1 | 2 | 3, chip: AdcChip = this.chip ?? 'ads1015'): Promise<number> {
    await this.convert(channel);
    return ads1x15Volts(this.word[0] as number, this.word[1] as number, chip);
  }

  /** Turns the heater off and releases its line. */
  async close(): Promise<void> {
    const line = this.heaterLine;
    this.heaterLine = null;
    if (!line) return;
    try {
      await line.write(0);
    } finally {
      await line.release();
    }
  }

  private async convert(channel: 0 | 1 | 2 | 3): Promise<void> {
    const config = ads1x15ConfigWord(channel);
    this.word.writeUInt16BE(config, 0);
    // Registers are big-endian, so SMBus word transfers (little-endian) are not used.
    await this.io('starting a conversion', () =>
      this.bus.writeI2cBlock(this.address, REG_CONFIG, 2, this.word),
    );
    // ADS1115 at 128 SPS needs ~8 ms; ADS1015 at 1600 SPS well under 1 ms.
    for (let poll = 0; ; poll++) {
      await this.io('polling the conversion', () =>
        readBlock(this.bus, this.address, REG_CONFIG, 2, this.word),
      );
      if ((this.word[0] as number) & 0x80) break;
      if (poll >= 50) {
        throw new SensorError(chipLabel(this.chip), this.address, 'TIMEOUT', 'conversion did not complete');
      }
      await this.sleep(1);
    }
    await this.io('reading the conversion', () =>
      readBlock(this.bus, this.address, REG_CONVERSION, 2, this.word),
    );
  }

  /**
   * An ADS1015 always returns 0 in the four low bits of the conversion register; an ADS1115 uses
   * them. Eight conversions with zero low bits on an ADS1115 would happen about once in 4e9, so
   * this is deterministic where timing conversions (Pimoroni's method) depends on bus speed.
   */
  private async detectChip(): Promise<AdcChip> {
    for (let i = 0; i < 8; i++) {
      await this.convert((i % 4) as 0 | 1 | 2 | 3);
      if (((this.word[1] as number) & 0x0f) !== 0) return 'ads1115';
    }
    return 'ads1015';
  }

  private io<T>(what: string, op: () => Promise<T>, firstContact = false): Promise<T> {
    return i2cStep(chipLabel(this.chip), this.address, what, op, firstContact);
  }
}

function chipLabel(chip: AdcChip | undefined): string {
  return chip === 'ads1115' ? 'ADS1115' : chip === 'ads1015' ? 'ADS1015' : 'ADS1x15';
}
