import { type I2cBus, SensorError, type SensorErrorCode } from '@opensensor/sensors-enviroplus';

// errno names Linux I2C adapters use when nothing acknowledges the address.
const NO_DEVICE_CODES = new Set(['ENXIO', 'EREMOTEIO', 'ENODEV']);

/** A one-line reason for any thrown value, with the errno name when the message lacks it. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.includes(code)
    ? `${error.message} (${code})`
    : error.message;
}

/**
 * Register access to one chip that turns every bus failure into a {@link SensorError} naming the
 * chip and address. On first contact a NACK means "not fitted", which the facade treats as absent.
 */
export class ChipIo {
  constructor(
    readonly bus: I2cBus,
    readonly chip: string,
    readonly address: number,
  ) {}

  async step<T>(what: string, op: () => Promise<T>, firstContact = false): Promise<T> {
    try {
      return await op();
    } catch (error) {
      if (error instanceof SensorError) throw error;
      const code = (error as { code?: unknown }).code;
      if (firstContact && typeof code === 'string' && NO_DEVICE_CODES.has(code)) {
        throw this.error(
          'not-found',
          `no device answers (${describeError(error)}); check that the board is seated, I2C is enabled ` +
            '(raspi-config nonint do_i2c 0) and the user is in the i2c group',
          error,
        );
      }
      throw this.error('io', `I2C error while ${what}: ${describeError(error)}`, error);
    }
  }

  readByte(register: number, what: string, firstContact = false): Promise<number> {
    return this.step(what, () => this.bus.readByte(this.address, register), firstContact);
  }

  writeByte(register: number, value: number, what: string): Promise<void> {
    return this.step(what, () => this.bus.writeByte(this.address, register, value));
  }

  /** Fills `buffer[0..length)` from `register`; a short read is corrupt data, not a value. */
  readBlock(register: number, length: number, buffer: Buffer, what: string): Promise<Buffer> {
    return this.step(what, async () => {
      const { bytesRead } = await this.bus.readI2cBlock(this.address, register, length, buffer);
      if (bytesRead !== length) {
        throw Object.assign(new Error(`short read: ${bytesRead} of ${length} bytes`), {
          code: 'ESHORTREAD',
        });
      }
      return buffer;
    });
  }

  /** Checks an identification register; a different value means another chip owns the address. */
  async expectId(register: number, expected: number): Promise<void> {
    const id = await this.readByte(register, 'reading WHO_AM_I', true);
    if (id !== expected) {
      throw this.error(
        'wrong-chip',
        `WHO_AM_I (0x${register.toString(16)}) is ${hex(id)}, expected ${hex(expected)}`,
      );
    }
  }

  error(code: SensorErrorCode, message: string, cause?: unknown): SensorError {
    return new SensorError(
      this.chip,
      this.address,
      code,
      message,
      cause === undefined ? undefined : { cause },
    );
  }
}

export function hex(value: number): string {
  return `0x${value.toString(16).padStart(2, '0')}`;
}
