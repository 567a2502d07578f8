import type { Clock } from '@opensensor/errors';
import { type CommandOutcome, FakeCommandDevice, nack } from './fake-command-bus.js';

/** Reference S-1 (500 ppm, 25.0016 °C, 37.0010 %RH) and S-2 serial 0xF8969F073BBE. */
export const SCD4X_REFERENCE = {
  measurement: [0x01f4, 0x6667, 0x5eb9],
  serial: [0xf896, 0x9f07, 0x3bbe],
} as const;

const ALLOWED_WHILE_MEASURING = new Set([0xec05, 0xe4b8, 0x3f86, 0xe000]);

/**
 * SCD40/SCD41 in periodic mode: a new measurement every 5 s after start; while measuring only
 * read_measurement, get_data_ready_status, stop_periodic_measurement and set_ambient_pressure are
 * accepted, as on the real sensor.
 */
export class FakeScd4x extends FakeCommandDevice {
  measurement: number[] = [...SCD4X_REFERENCE.measurement];
  serial: number[] = [...SCD4X_REFERENCE.serial];
  /** True at power-on if the sensor is still measuring from an earlier run of the program. */
  running: boolean;
  ambientPressureHpa: number | undefined;
  temperatureOffsetWord: number | undefined;
  altitude: number | undefined;
  private startedAt = 0;
  private periodsRead = 0;

  constructor(clock: Clock, options: { running?: boolean } = {}) {
    super(clock);
    this.running = options.running ?? false;
  }

  /** Sets the next measurements from physical values. */
  setMeasurement(co2: number, temperature: number, humidity: number): void {
    this.measurement = [
      Math.round(co2),
      Math.round(((temperature + 45) * 65536) / 175),
      Math.round((humidity * 65536) / 100),
    ];
  }

  private get ready(): boolean {
    return this.running && Math.floor((this.clock.now() - this.startedAt) / 5000) > this.periodsRead;
  }

  protected execute(command: number, args: number[]): CommandOutcome {
    if (this.running && !ALLOWED_WHILE_MEASURING.has(command)) throw nack();
    switch (command) {
      case 0x21b1:
        this.running = true;
        this.startedAt = this.clock.now();
        this.periodsRead = 0;
        return { durationMs: 0 };
      case 0x3f86:
        this.running = false;
        return { durationMs: 500 };
      case 0xe4b8:
        return { response: [this.ready ? 0x8006 : 0x8000], durationMs: 1 };
      case 0xec05:
        if (!this.ready) return { durationMs: 1 };
        this.periodsRead = Math.floor((this.clock.now() - this.startedAt) / 5000);
        return { response: this.measurement, durationMs: 1 };
      case 0x3682:
        return { response: this.serial, durationMs: 1 };
      case 0xe000:
        this.ambientPressureHpa = args[0];
        return { durationMs: 1 };
      case 0x241d:
        this.temperatureOffsetWord = args[0];
        return { durationMs: 1 };
      case 0x2427:
        this.altitude = args[0];
        return { durationMs: 1 };
      default:
        throw nack();
    }
  }
}

/**
 * SGP30: after iaq_init it answers 400 ppm / 0 ppb for 15 s, then `airQuality`. Records the
 * humidity and baseline it is sent.
 */
export class FakeSgp30 extends FakeCommandDevice {
  airQuality: [eco2: number, tvoc: number] = [420, 13];
  featureSet = 0x0020;
  serial: number[] = [0x0000, 0x0148, 0x2b3c];
  humidityWord: number | undefined;
  baseline: [eco2: number, tvoc: number] = [0x8973, 0x8aae];
  private initAt: number | undefined;

  protected execute(command: number, args: number[]): CommandOutcome {
    switch (command) {
      case 0x2003:
        this.initAt = this.clock.now();
        return { durationMs: 10 };
      case 0x2008: {
        if (this.initAt === undefined) throw nack();
        const warming = this.clock.now() - this.initAt < 15_000;
        return { response: warming ? [400, 0] : this.airQuality, durationMs: 12 };
      }
      case 0x2015:
        return { response: this.baseline, durationMs: 10 };
      case 0x201e:
        // The chip takes TVOC first.
        this.baseline = [args[1] as number, args[0] as number];
        return { durationMs: 10 };
      case 0x2061:
        this.humidityWord = args[0];
        return { durationMs: 10 };
      case 0x202f:
        return { response: [this.featureSet], durationMs: 10 };
      case 0x3682:
        return { response: this.serial, durationMs: 1 };
      default:
        throw nack();
    }
  }
}

/** Reference ICP-10125 OTP words: c = [1580, −3000, 2150, 3843]. */
export const ICP10125_REFERENCE_OTP = [0x062c, 0xf448, 0x0866, 0x0f03] as const;

const ICP_MODES: Record<number, number> = { 24732: 2, 26661: 7, 28895: 24, 30822: 95 };

/** ICP-10125 answering the reference id and OTP; measurements return `raw` (T-first words). */
export class FakeIcp10125 extends FakeCommandDevice {
  id = 0x0148;
  otp: number[] = [...ICP10125_REFERENCE_OTP];
  /** T_LSB, pressure high word, pressure low byte in the high half (the low half is ignored). */
  raw: [number, number, number] = [0x6666, 0xab12, 0xcd5a];
  private otpIndex: number | undefined;

  /** Sets the raw pressure count (24 bits) and temperature count of the next measurements. */
  setRaw(tLsb: number, pLsb: number): void {
    this.raw = [tLsb & 0xffff, (pLsb >> 8) & 0xffff, (pLsb & 0xff) << 8];
  }

  protected execute(command: number, args: number[]): CommandOutcome {
    if (command in ICP_MODES) return { response: this.raw, durationMs: ICP_MODES[command] as number };
    switch (command) {
      case 0x805d:
        this.otpIndex = undefined;
        return { durationMs: 0.17 };
      case 0xefc8:
        return { response: [this.id], durationMs: 0 };
      case 0xc595:
        if (args[0] !== 0x0066) throw nack();
        this.otpIndex = 0;
        return { durationMs: 0 };
      case 0xc7f7: {
        if (this.otpIndex === undefined || this.otpIndex >= this.otp.length) throw nack();
        const word = this.otp[this.otpIndex++] as number;
        return { response: [word], durationMs: 0 };
      }
      default:
        throw nack();
    }
  }
}
