import { realSleep, type Sleep } from '@opensensor/errors';
import { type I2cBus, i2cStep, readBlock, SensorError } from '@opensensor/sensors-core';

export const LTR559_ADDRESS = 0x23;

const REG_ALS_CONTROL = 0x80;
const REG_PS_CONTROL = 0x81;
const REG_PS_LED = 0x82;
const REG_PS_N_PULSES = 0x83;
const REG_PS_MEAS_RATE = 0x84;
const REG_ALS_MEAS_RATE = 0x85;
const REG_PART_ID = 0x86;
const REG_ALS_DATA = 0x88;
const REG_PS_DATA = 0x8d;
const REG_INTERRUPT = 0x8f;
const REG_PS_THRESHOLD = 0x90;
const REG_PS_OFFSET = 0x94;
const REG_ALS_THRESHOLD = 0x97;

const PART_ID = 0x92;

/** ALS gain → ALS_CONTROL gain[4:2] code. */
const GAIN_CODES = { 1: 0b000, 2: 0b001, 4: 0b010, 8: 0b011, 48: 0b110, 96: 0b111 } as const;
/** Integration time (ms) → ALS_MEAS_RATE integration[5:3] code. */
const INTEGRATION_CODES = {
  50: 0b001,
  100: 0b000,
  150: 0b100,
  200: 0b010,
  250: 0b101,
  300: 0b110,
  350: 0b111,
  400: 0b011,
} as const;

export type Ltr559Gain = keyof typeof GAIN_CODES;
export type Ltr559IntegrationMs = keyof typeof INTEGRATION_CODES;

export interface Ltr559Options {
  address?: number;
  /** ALS gain, default 4 (Pimoroni). */
  gain?: Ltr559Gain;
  /** ALS integration time in ms, default 50 (Pimoroni). */
  integrationMs?: Ltr559IntegrationMs;
  /** Injected for tests; the soft reset is polled every 50 ms. */
  sleep?: Sleep;
}

export interface Ltr559Reading {
  /** Ambient light, lux. */
  lux: number;
  /** Raw proximity counts, 0..2047 (higher = closer). */
  proximity: number;
}

// LTR-559 application-note coefficients per CH1/(CH0+CH1) ratio band (<45, <64, <85, else).
const CH0_COEFFICIENTS = [17743, 42785, 5926, 0] as const;
const CH1_COEFFICIENTS = [-11059, 19548, -1185, 0] as const;

/** The shortest ALS repeat rate (50, 100, 200, 500 ms) not below the integration time, as the datasheet requires. */
function repeatCode(integrationMs: number): number {
  if (integrationMs <= 50) return 0b000;
  if (integrationMs <= 100) return 0b001;
  if (integrationMs <= 200) return 0b010;
  return 0b011;
}

/** Lux from the two ALS channels (CH0 visible+IR, CH1 IR) at the given gain and integration time. */
export function computeLux(ch0: number, ch1: number, gain: number, integrationMs: number): number {
  const ratio = ch0 + ch1 > 0 ? (ch1 * 100) / (ch0 + ch1) : 101;
  const band = ratio < 45 ? 0 : ratio < 64 ? 1 : ratio < 85 ? 2 : 3;
  const lux = ch0 * CH0_COEFFICIENTS[band] - ch1 * CH1_COEFFICIENTS[band];
  return lux / (integrationMs / 100) / gain / 10000;
}

/** Lite-On LTR-559 ambient light and proximity sensor. */
export class LTR559 {
  readonly address: number;
  readonly gain: Ltr559Gain;
  readonly integrationMs: Ltr559IntegrationMs;
  private readonly bus: I2cBus;
  private readonly sleep: Sleep;
  private ready = false;
  private readonly als = Buffer.alloc(4);
  private readonly ps = Buffer.alloc(2);

  constructor(bus: I2cBus, options: Ltr559Options = {}) {
    this.bus = bus;
    this.address = options.address ?? LTR559_ADDRESS;
    this.gain = options.gain ?? 4;
    this.integrationMs = options.integrationMs ?? 50;
    this.sleep = options.sleep ?? realSleep;
    if (!(this.gain in GAIN_CODES))
      throw new RangeError(`LTR559 gain must be one of 1, 2, 4, 8, 48, 96, got ${this.gain}`);
    if (!(this.integrationMs in INTEGRATION_CODES)) {
      throw new RangeError(
        `LTR559 integrationMs must be one of 50, 100, 150, 200, 250, 300, 350, 400, got ${this.integrationMs}`,
      );
    }
  }

  /** Checks the part id, soft-resets, then configures ALS and proximity like Pimoroni's defaults. */
  async init(): Promise<void> {
    this.ready = false;
    const partId = await this.io(
      'reading the part id',
      () => this.bus.readByte(this.address, REG_PART_ID),
      true,
    );
    if (partId !== PART_ID) {
      throw new SensorError(
        'LTR559',
        this.address,
        'WRONG_CHIP',
        `part id is 0x${partId.toString(16).padStart(2, '0')}, expected 0x92 (part 9, revision 2)`,
      );
    }
    await this.io('resetting', () => this.bus.writeByte(this.address, REG_ALS_CONTROL, 0x02));
    await this.waitForReset();
    await this.io('configuring', async () => {
      const w = (reg: number, value: number) => this.bus.writeByte(this.address, reg, value);
      // Interrupts must be configured before the sensors are activated; we use none.
      await w(REG_INTERRUPT, 0x00);
      await w(REG_PS_LED, 0x1b); // 30 kHz, 100 % duty, 50 mA
      await w(REG_PS_N_PULSES, 0x01);
      await w(REG_ALS_CONTROL, (GAIN_CODES[this.gain] << 2) | 0x01);
      await w(REG_PS_CONTROL, 0x23); // saturation indicator on, active
      await w(REG_PS_MEAS_RATE, 0x02); // 100 ms
      await w(
        REG_ALS_MEAS_RATE,
        (INTEGRATION_CODES[this.integrationMs] << 3) | repeatCode(this.integrationMs),
      );
      await this.writeBlock(REG_ALS_THRESHOLD, [0xff, 0xff, 0x00, 0x00]);
      await this.writeBlock(REG_PS_THRESHOLD, [0xff, 0x0f, 0x00, 0x00]);
      await this.writeBlock(REG_PS_OFFSET, [0x00, 0x00]);
    });
    this.ready = true;
  }

  /** One reading. Data registers hold the latest conversion, so they are read whether or not it is new. */
  async read(): Promise<Ltr559Reading> {
    if (!this.ready)
      throw new SensorError('LTR559', this.address, 'NOT_READY', 'read() called before init()');
    // ALS order is CH1 low/high then CH0 low/high; reading 0x88 first latches both channels.
    await this.io('reading light', () => readBlock(this.bus, this.address, REG_ALS_DATA, 4, this.als));
    await this.io('reading proximity', () => readBlock(this.bus, this.address, REG_PS_DATA, 2, this.ps));
    const ch1 = this.als.readUInt16LE(0);
    const ch0 = this.als.readUInt16LE(2);
    const proximity = (this.ps[0] as number) | (((this.ps[1] as number) & 0x0f) << 8);
    return { lux: computeLux(ch0, ch1, this.gain, this.integrationMs), proximity };
  }

  private async waitForReset(): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const control = await this.io('waiting for reset', () =>
        this.bus.readByte(this.address, REG_ALS_CONTROL),
      );
      if ((control & 0x02) === 0) return;
      await this.sleep(50);
    }
    throw new SensorError('LTR559', this.address, 'TIMEOUT', 'soft reset did not complete within 5 s');
  }

  private async writeBlock(register: number, bytes: number[]): Promise<void> {
    await this.bus.writeI2cBlock(this.address, register, bytes.length, Buffer.from(bytes));
  }

  private io<T>(what: string, op: () => Promise<T>, firstContact = false): Promise<T> {
    return i2cStep('LTR559', this.address, what, op, firstContact);
  }
}
