import { access, constants } from 'node:fs/promises';
import type { PromisifiedBus } from 'i2c-bus';
import { describeError, SensorError } from './errors.js';
import { toSensorError } from './io-errors.js';
import { loadOptionalModule } from './optional.js';

/**
 * The subset of i2c-bus's `PromisifiedBus` the drivers use. Any object with these methods works:
 * a real bus from {@link openI2cBus}, the `FakeI2cBus` from `./testing`, or your own adapter.
 */
export interface I2cBus {
  readByte(address: number, command: number): Promise<number>;
  writeByte(address: number, command: number, byte: number): Promise<void>;
  readI2cBlock(
    address: number,
    command: number,
    length: number,
    buffer: Buffer,
  ): Promise<{ bytesRead: number; buffer: Buffer }>;
  writeI2cBlock(
    address: number,
    command: number,
    length: number,
    buffer: Buffer,
  ): Promise<{ bytesWritten: number; buffer: Buffer }>;
}

/** A bus the caller owns and must close. */
export interface ClosableI2cBus extends I2cBus {
  close(): Promise<void>;
}

interface I2cBusModule {
  openPromisified(busNumber: number): Promise<PromisifiedBus>;
}

/**
 * Opens `/dev/i2c-<busNumber>` (the Enviro+ sits on bus 1) with the optional `i2c-bus` package,
 * loaded only now so that code which never touches real hardware never needs it installed.
 */
export async function openI2cBus(
  busNumber = 1,
  importer?: (specifier: string) => Promise<unknown>,
): Promise<ClosableI2cBus> {
  const i2c = await loadOptionalModule<I2cBusModule>('i2c-bus', `Opening I2C bus ${busNumber}`, importer);
  const device = `/dev/i2c-${busNumber}`;
  try {
    // i2c-bus opens the device file lazily on the first transfer; check now so a disabled bus or a
    // missing group membership is one clear error instead of an I/O error from every sensor.
    await access(device, constants.R_OK | constants.W_OK);
    return await i2c.openPromisified(busNumber);
  } catch (error) {
    throw new SensorError(
      'I2C bus',
      device,
      'UNAVAILABLE',
      `cannot open (${describeError(error)}); enable I2C (raspi-config nonint do_i2c 0) and add the user to the i2c group`,
      { cause: error },
    );
  }
}

/** Reads `length` bytes into `buffer` and fails when the adapter returned fewer (a short read is corrupt data). */
export async function readBlock(
  bus: I2cBus,
  address: number,
  register: number,
  length: number,
  buffer: Buffer,
): Promise<Buffer> {
  const { bytesRead } = await bus.readI2cBlock(address, register, length, buffer);
  if (bytesRead !== length) {
    throw Object.assign(
      new Error(`short read: ${bytesRead} of ${length} bytes from register 0x${register.toString(16)}`),
      {
        code: 'ESHORTREAD',
      },
    );
  }
  return buffer;
}

/**
 * Runs one bus step and turns any failure into a {@link SensorError} naming the chip and address.
 * On first contact a NACK means the chip is absent, which callers treat differently from a flaky read.
 */
export async function i2cStep<T>(
  chip: string,
  address: number,
  what: string,
  op: () => Promise<T>,
  firstContact = false,
): Promise<T> {
  try {
    return await op();
  } catch (error) {
    throw toSensorError(error, chip, address, { what, firstContact });
  }
}
