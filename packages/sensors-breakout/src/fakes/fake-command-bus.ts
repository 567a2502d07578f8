import type { Clock } from '@opensensor/errors';
import {
  createFakeTime,
  FakeI2cBus,
  type FakeI2cDevice,
  type FakeTime,
  i2cSystemError,
  PLAIN_READ,
} from '@opensensor/sensors-core/testing';
import type { CommandI2cBus } from '../command-bus.js';
import { sensirionCrc8 } from '../crc.js';

export { createFakeTime, type FakeTime, PLAIN_READ };

/**
 * The fake I2C bus of @opensensor/sensors-core, whose plain transfers (a write arrives at the
 * device as `write(firstByte, rest)`, a read as `read(PLAIN_READ, n)`) carry the commands, with
 * fault injection, NACKs of absent addresses and the transfer log as for register transfers. A
 * command write must hold the two command bytes.
 */
export class FakeCommandI2cBus extends FakeI2cBus implements CommandI2cBus {
  override async i2cWrite(
    address: number,
    length: number,
    buffer: Buffer,
  ): Promise<{ bytesWritten: number; buffer: Buffer }> {
    if (length < 2) throw new RangeError(`command writes carry at least 2 bytes, got ${length}`);
    return super.i2cWrite(address, length, buffer);
  }
}

/** What a command does: the words it answers and how long the chip is busy executing it. */
export interface CommandOutcome {
  response?: readonly number[];
  durationMs: number;
}

/**
 * A command-based chip (Sensirion, TDK) on a fake bus. Like the real parts it NACKs while it is
 * still executing the previous command (so a driver that skips a delay fails), NACKs argument words
 * with a wrong CRC, and answers a read with CRC-protected words.
 */
export abstract class FakeCommandDevice implements FakeI2cDevice {
  /** Every command accepted, with its argument words. */
  readonly commands: Array<{ command: number; args: number[] }> = [];
  /** Corrupt the CRC of this many following response words. */
  corruptWords = 0;
  private busyUntil = Number.NEGATIVE_INFINITY;
  private pending: readonly number[] | undefined;

  constructor(protected readonly clock: Clock) {}

  /** Handles an accepted command; throw `nack()` to refuse it. */
  protected abstract execute(command: number, args: number[]): CommandOutcome;

  /** The last accepted command's arguments for `command`, or undefined. */
  lastArgs(command: number): number[] | undefined {
    for (let i = this.commands.length - 1; i >= 0; i--) {
      const c = this.commands[i];
      if (c?.command === command) return c.args;
    }
    return undefined;
  }

  write(register: number, bytes: Uint8Array): void {
    const frame = [register, ...bytes];
    if (this.clock.now() < this.busyUntil) throw nack();
    if ((frame.length - 2) % 3 !== 0) throw i2cSystemError('EIO');
    const args: number[] = [];
    for (let i = 2; i < frame.length; i += 3) {
      const msb = frame[i] as number;
      const lsb = frame[i + 1] as number;
      if (frame[i + 2] !== sensirionCrc8(msb, lsb)) throw i2cSystemError('EIO');
      args.push((msb << 8) | lsb);
    }
    const command = ((frame[0] as number) << 8) | (frame[1] as number);
    const outcome = this.execute(command, args);
    this.commands.push({ command, args });
    this.pending = outcome.response;
    this.busyUntil = this.clock.now() + outcome.durationMs;
  }

  read(register: number, length: number, out: Buffer): void {
    if (register !== PLAIN_READ) throw i2cSystemError('EIO');
    if (this.clock.now() < this.busyUntil || !this.pending) throw nack();
    const words = this.pending;
    this.pending = undefined;
    for (let i = 0; i * 3 < length; i++) {
      const word = words[i] ?? 0xffff;
      const msb = (word >> 8) & 0xff;
      const lsb = word & 0xff;
      out[i * 3] = msb;
      out[i * 3 + 1] = lsb;
      let crc = sensirionCrc8(msb, lsb);
      if (this.corruptWords > 0) {
        this.corruptWords--;
        crc ^= 0x01;
      }
      out[i * 3 + 2] = crc;
    }
  }
}

/** The error a chip's NACK produces through i2c-bus. */
export function nack(): Error {
  return i2cSystemError('EREMOTEIO');
}
