import type { Sleep } from '@opensensor/errors';
import {
  type ClosableI2cBus,
  type I2cBus,
  SensorError,
  type SensorErrorCode,
  toSensorError,
} from '@opensensor/sensors-core';
import { CrcError, decodeWords, encodeCommand } from './crc.js';

/**
 * The i2c-bus `PromisifiedBus` methods command-based chips need: plain writes and reads with no
 * register pointer. A bus from `openI2cBus()` has them; so does the `FakeCommandI2cBus` of `./testing`.
 */
export interface CommandI2cBus {
  i2cRead(address: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }>;
  i2cWrite(
    address: number,
    length: number,
    buffer: Buffer,
  ): Promise<{ bytesWritten: number; buffer: Buffer }>;
}

/** True when `bus` can do plain (command) transfers as well as register ones. */
export function isCommandBus(bus: I2cBus | ClosableI2cBus | CommandI2cBus): bus is CommandI2cBus & I2cBus {
  const b = bus as Partial<CommandI2cBus>;
  return typeof b.i2cRead === 'function' && typeof b.i2cWrite === 'function';
}

const NOT_FOUND_HINT =
  "check the breakout's connection, that I2C is enabled (raspi-config nonint do_i2c 0) and that the user is in the i2c group";

export interface CommandOptions {
  /** Argument words (each sent with its CRC). */
  args?: readonly number[];
  /** Execution time to wait before reading or sending the next command, ms. */
  delayMs?: number;
  /** Response words to read (each checked against its CRC). */
  read?: number;
  /** A NACK here means "not fitted" rather than "failed". */
  firstContact?: boolean;
}

/**
 * One command-based chip (Sensirion, TDK): writes a command with CRC'd arguments, waits its
 * execution time, reads CRC-checked words. Commands to one chip never overlap, because the chip
 * NACKs while it executes; every failure becomes a {@link SensorError} naming chip and address.
 */
export class CommandDevice {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly response = Buffer.alloc(18);

  constructor(
    readonly bus: CommandI2cBus,
    readonly chip: string,
    readonly address: number,
    private readonly sleep: Sleep,
  ) {}

  /** Runs `command` (named `what` in errors) and returns the response words. */
  command(command: number, what: string, options: CommandOptions = {}): Promise<number[]> {
    const run = this.queue.then(() => this.execute(command, what, options));
    this.queue = run.catch(() => {});
    return run;
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

  private async execute(command: number, what: string, o: CommandOptions): Promise<number[]> {
    const frame = encodeCommand(command, o.args);
    const label = `${what} (0x${command.toString(16).padStart(4, '0')})`;
    try {
      const { bytesWritten } = await this.bus.i2cWrite(this.address, frame.length, frame);
      if (bytesWritten !== frame.length) {
        throw Object.assign(new Error(`short write: ${bytesWritten} of ${frame.length} bytes`), {
          code: 'ESHORTWRITE',
        });
      }
      if (o.delayMs) await this.sleep(o.delayMs);
      const words = o.read ?? 0;
      if (words === 0) return [];
      const length = words * 3;
      const { bytesRead } = await this.bus.i2cRead(this.address, length, this.response);
      if (bytesRead !== length) {
        throw Object.assign(new Error(`short read: ${bytesRead} of ${length} bytes`), { code: 'ESHORTREAD' });
      }
      return decodeWords(this.response, words);
    } catch (error) {
      if (error instanceof CrcError) throw this.error('IO', `${label}: ${error.message}`, error);
      throw toSensorError(error, this.chip, this.address, {
        what: label,
        firstContact: o.firstContact === true,
        notFoundHint: NOT_FOUND_HINT,
      });
    }
  }
}
