import type { ClosableI2cBus } from '../i2c.js';

/** The register a plain read ({@link FakeI2cBus.i2cRead}, no register pointer) arrives with at a device. */
export const PLAIN_READ = -1;

/**
 * A device model on a {@link FakeI2cBus}. `read` fills `out[0..length)`. A plain write arrives as
 * `write(firstByte, rest)`, a plain read as `read(PLAIN_READ, length)`.
 */
export interface FakeI2cDevice {
  read(register: number, length: number, out: Buffer): void;
  write(register: number, bytes: Uint8Array): void;
}

/**
 * Register contents as text (`88: 69 6D 36 ...` per line, `#` comments and `=> ...` notes ignored,
 * the format of the reference's fake-bus images) or as `{ register: byte | bytes }`.
 */
export type RegisterImage = string | Record<number, number | readonly number[]>;

/** Parses a {@link RegisterImage} into `[register, bytes]` runs. */
export function parseRegisterImage(image: RegisterImage): Array<[number, number[]]> {
  if (typeof image !== 'string') {
    return Object.entries(image).map(([reg, value]) => [
      Number(reg),
      typeof value === 'number' ? [value] : [...value],
    ]);
  }
  const runs: Array<[number, number[]]> = [];
  for (const rawLine of image.split('\n')) {
    const line = rawLine.replace(/#.*$/, '').replace(/=>.*$/, '').trim();
    if (!line) continue;
    // Several `reg: bytes` groups may share a line (`86: 92   87: 05`).
    for (const group of line.matchAll(/([0-9a-f]{2}):((?:\s+[0-9a-f]{2}(?!:))+)/gi)) {
      const bytes = (group[2] as string)
        .trim()
        .split(/\s+/)
        .map((b) => Number.parseInt(b, 16));
      runs.push([Number.parseInt(group[1] as string, 16), bytes]);
    }
  }
  if (runs.length === 0) throw new Error('register image holds no "RR: BB BB ..." lines');
  return runs;
}

export interface RegisterFileOptions {
  /** Bits cleared right after a write sets them, per register (a soft-reset bit that completes at once). */
  selfClearing?: Record<number, number>;
  /** Called after every byte written, e.g. to model side effects. */
  onWrite?: (register: number, value: number, registers: Uint8Array) => void;
}

/**
 * A 256-byte register file: block reads return consecutive registers, writes store consecutive
 * bytes. Models BME280, LTR559 and most register-addressed chips. `writes` logs every byte written.
 */
export class RegisterFileDevice implements FakeI2cDevice {
  readonly registers = new Uint8Array(256);
  readonly writes: Array<[register: number, value: number]> = [];
  private readonly options: RegisterFileOptions;

  constructor(image?: RegisterImage, options: RegisterFileOptions = {}) {
    this.options = options;
    if (image) this.load(image);
  }

  load(image: RegisterImage): this {
    for (const [register, bytes] of parseRegisterImage(image)) this.set(register, bytes);
    return this;
  }

  set(register: number, bytes: number | readonly number[]): this {
    const list = typeof bytes === 'number' ? [bytes] : bytes;
    list.forEach((b, i) => {
      this.registers[(register + i) & 0xff] = b;
    });
    return this;
  }

  get(register: number, length = 1): number[] {
    return Array.from({ length }, (_, i) => this.registers[(register + i) & 0xff] as number);
  }

  /** The last value written to `register`, or undefined. */
  lastWrite(register: number): number | undefined {
    for (let i = this.writes.length - 1; i >= 0; i--) {
      const entry = this.writes[i] as [number, number];
      if (entry[0] === register) return entry[1];
    }
    return undefined;
  }

  read(register: number, length: number, out: Buffer): void {
    for (let i = 0; i < length; i++) out[i] = this.registers[(register + i) & 0xff] as number;
  }

  write(register: number, bytes: Uint8Array): void {
    bytes.forEach((value, i) => {
      const reg = (register + i) & 0xff;
      this.writes.push([reg, value]);
      this.registers[reg] = value & ~(this.options.selfClearing?.[reg] ?? 0);
      this.options.onWrite?.(reg, value, this.registers);
    });
  }
}

/** Which fault a {@link FakeI2cBus} injects on an address. */
export interface I2cFault {
  /** errno name: `EREMOTEIO` (NACK, the default), `ENXIO`, `EIO`, `ETIMEDOUT`… */
  code?: string;
  /** Let this many reads from the address succeed first. Default 0. */
  afterReads?: number;
  /** Fail this many operations, then recover. Default: forever. */
  times?: number;
  /** Which transfers fail: `all` (default, the device is gone) or only `read`s / `write`s. */
  only?: 'all' | 'read' | 'write';
}

const ERRNO: Record<string, [number, string]> = {
  EIO: [5, 'Input/output error'],
  ENXIO: [6, 'No such device or address'],
  ETIMEDOUT: [110, 'Connection timed out'],
  EREMOTEIO: [121, 'Remote I/O error'],
};

/** An error shaped like the system errors i2c-bus rejects with. */
export function i2cSystemError(code: string): Error {
  const [errno, text] = ERRNO[code] ?? [5, 'I/O error'];
  return Object.assign(new Error(`${code}, ${text}`), { code, errno });
}

interface ActiveFault extends Required<I2cFault> {
  reads: number;
}

/**
 * An in-memory I2C bus with the `i2c-bus` PromisifiedBus methods the drivers use: register (SMBus)
 * transfers and plain ones (`i2cRead`/`i2cWrite`, for command-based chips). Attach device models per
 * address; an address without a device NACKs like real hardware (EREMOTEIO). Fault injection and
 * the log cover both kinds.
 */
export class FakeI2cBus implements ClosableI2cBus {
  readonly devices = new Map<number, FakeI2cDevice>();
  /** Every transfer, for assertions: `[kind, address, register, bytes]`. */
  readonly log: Array<[kind: 'read' | 'write', address: number, register: number, bytes: number[]]> = [];
  closed = false;
  private readonly faults = new Map<number, ActiveFault>();

  /** Places a device at `address` and returns it. */
  attach<D extends FakeI2cDevice>(address: number, device: D): D {
    this.devices.set(address, device);
    return device;
  }

  /** Places a register file loaded with `image` at `address`. */
  loadImage(address: number, image: RegisterImage, options?: RegisterFileOptions): RegisterFileDevice {
    return this.attach(address, new RegisterFileDevice(image, options));
  }

  /** Removes the device at `address` (it stops answering). */
  detach(address: number): void {
    this.devices.delete(address);
  }

  /** Makes operations on `address` fail as described. */
  fail(address: number, fault: I2cFault = {}): void {
    this.faults.set(address, {
      code: fault.code ?? 'EREMOTEIO',
      afterReads: fault.afterReads ?? 0,
      times: fault.times ?? Number.POSITIVE_INFINITY,
      only: fault.only ?? 'all',
      reads: 0,
    });
  }

  clearFaults(): void {
    this.faults.clear();
  }

  async readByte(address: number, command: number): Promise<number> {
    const out = Buffer.alloc(1);
    this.transfer('read', address, command, 1, out);
    return out[0] as number;
  }

  async writeByte(address: number, command: number, byte: number): Promise<void> {
    this.transfer('write', address, command, 1, Buffer.from([byte & 0xff]));
  }

  async readI2cBlock(
    address: number,
    command: number,
    length: number,
    buffer: Buffer,
  ): Promise<{ bytesRead: number; buffer: Buffer }> {
    this.checkBlock(length, buffer);
    this.transfer('read', address, command, length, buffer);
    return { bytesRead: length, buffer };
  }

  async writeI2cBlock(
    address: number,
    command: number,
    length: number,
    buffer: Buffer,
  ): Promise<{ bytesWritten: number; buffer: Buffer }> {
    this.checkBlock(length, buffer);
    this.transfer('write', address, command, length, buffer.subarray(0, length));
    return { bytesWritten: length, buffer };
  }

  /** Plain write with no register pointer: the device sees the first byte as the register, the rest as data. */
  async i2cWrite(
    address: number,
    length: number,
    buffer: Buffer,
  ): Promise<{ bytesWritten: number; buffer: Buffer }> {
    this.checkPlain(length, buffer);
    this.transfer('write', address, buffer[0] as number, length - 1, buffer.subarray(1, length));
    return { bytesWritten: length, buffer };
  }

  /** Plain read with no register pointer: the device is asked for `read(PLAIN_READ, length)`. */
  async i2cRead(
    address: number,
    length: number,
    buffer: Buffer,
  ): Promise<{ bytesRead: number; buffer: Buffer }> {
    this.checkPlain(length, buffer);
    this.transfer('read', address, PLAIN_READ, length, buffer);
    return { bytesRead: length, buffer };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private checkPlain(length: number, buffer: Buffer): void {
    // Plain transfers are not SMBus: no 32-byte limit, but at least one byte.
    if (!Number.isInteger(length) || length < 1)
      throw new RangeError(`I2C transfer length must be ≥ 1, got ${length}`);
    if (buffer.length < length)
      throw new RangeError(`buffer of ${buffer.length} bytes is shorter than ${length}`);
  }

  private checkBlock(length: number, buffer: Buffer): void {
    // SMBus I2C-block transfers carry at most 32 bytes; a driver asking for more is broken on hardware.
    if (length < 1 || length > 32) throw new RangeError(`I2C block length must be 1..32, got ${length}`);
    if (buffer.length < length)
      throw new RangeError(`buffer of ${buffer.length} bytes is shorter than ${length}`);
  }

  private transfer(
    kind: 'read' | 'write',
    address: number,
    register: number,
    length: number,
    data: Buffer,
  ): void {
    if (this.closed) throw new Error('bus is closed');
    const fault = this.faults.get(address);
    if (fault && fault.times > 0 && (fault.only === 'all' || fault.only === kind)) {
      if (kind === 'read' && fault.reads < fault.afterReads) {
        fault.reads++;
      } else if (fault.reads >= fault.afterReads) {
        fault.times--;
        throw i2cSystemError(fault.code);
      }
    }
    const device = this.devices.get(address);
    if (!device) throw i2cSystemError('EREMOTEIO');
    if (kind === 'read') device.read(register, length, data);
    else device.write(register, data.subarray(0, length));
    this.log.push([kind, address, register, [...data.subarray(0, length)]]);
  }
}
