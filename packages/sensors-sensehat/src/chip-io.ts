import {
  formatAddress,
  type I2cBus,
  SensorError,
  type SensorErrorCode,
  toSensorError,
} from '@opensensor/sensors-core';

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
      throw toSensorError(error, this.chip, this.address, { what, firstContact });
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
        'WRONG_CHIP',
        `WHO_AM_I (0x${register.toString(16)}) is ${formatAddress(id)}, expected ${formatAddress(expected)}`,
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
