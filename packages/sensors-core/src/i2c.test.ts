import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PromisifiedBus } from 'i2c-bus';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { OptionalDependencyError, SensorError } from './errors.js';
import { type I2cBus, i2cStep, openI2cBus } from './i2c.js';
import { FakeI2cBus, i2cSystemError, PLAIN_READ, parseRegisterImage, RegisterFileDevice } from './testing.js';

describe('openI2cBus', () => {
  it('accepts a real i2c-bus PromisifiedBus as an I2cBus', () => {
    expectTypeOf<PromisifiedBus>().toExtend<I2cBus>();
  });

  it('names the missing optional package and what to do', async () => {
    const missing = async () => {
      throw Object.assign(new Error("Cannot find package 'i2c-bus'"), { code: 'ERR_MODULE_NOT_FOUND' });
    };
    const error = await openI2cBus(1, missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OptionalDependencyError);
    expect(error).toMatchObject({ dependency: 'i2c-bus' });
    expect((error as Error).message).toMatch(
      /Opening I2C bus 1 needs the optional package "i2c-bus".*npm install i2c-bus/,
    );
  });

  it('loads the real i2c-bus and reports a bus device that does not exist', async () => {
    const error = await openI2cBus(97).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SensorError);
    expect((error as Error).message).toMatch(/I2C bus at \/dev\/i2c-97: cannot open .*do_i2c/);
  });

  it('is the only place that loads i2c-bus or serialport at run time (lazily)', async () => {
    const files = (await readdir(import.meta.dirname, { recursive: true })).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'),
    );
    const offenders: string[] = [];
    for (const file of files) {
      const text = await readFile(join(import.meta.dirname, file), 'utf8');
      for (const line of text.split('\n')) {
        if (/^\s*import\s+(?!type\b).*from\s+'(i2c-bus|serialport|@serialport\/[^']+)'/.test(line)) {
          offenders.push(`${file}: ${line.trim()}`);
        }
      }
    }
    expect(files.length).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });
});

describe('i2cStep', () => {
  it('maps NACK on first contact to not-found and other errors to io', async () => {
    const nack = () => Promise.reject(i2cSystemError('ENXIO'));
    await expect(i2cStep('X', 0x10, 'probing', nack, true)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(i2cStep('X', 0x10, 'probing', nack)).rejects.toMatchObject({ code: 'IO' });
    await expect(
      i2cStep('X', 0x10, 'probing', () => Promise.reject(i2cSystemError('EIO')), true),
    ).rejects.toThrow(/X at 0x10: I2C error while probing: EIO, Input\/output error/);
  });
});

describe('FakeI2cBus', () => {
  it('parses register images in the reference format, several groups per line and comments', () => {
    expect(parseRegisterImage('# LTR\n86: 92   87: 05   88: FF FF\nF7: 4F CA => note')).toEqual([
      [0x86, [0x92]],
      [0x87, [0x05]],
      [0x88, [0xff, 0xff]],
      [0xf7, [0x4f, 0xca]],
    ]);
    expect(parseRegisterImage({ 16: 1, 32: [2, 3] })).toEqual([
      [0x10, [1]],
      [0x20, [2, 3]],
    ]);
    expect(() => parseRegisterImage('nothing here')).toThrow(/no "RR: BB/);
  });

  it('serves block reads and logs writes; an empty address NACKs', async () => {
    const bus = new FakeI2cBus();
    const dev = bus.loadImage(0x40, '10: 01 02 03');
    const buf = Buffer.alloc(3);
    await bus.readI2cBlock(0x40, 0x10, 3, buf);
    expect([...buf]).toEqual([1, 2, 3]);
    await bus.writeI2cBlock(0x40, 0x20, 2, Buffer.from([9, 8, 7]));
    expect(dev.get(0x20, 3)).toEqual([9, 8, 0]);
    expect(bus.log.at(-1)).toEqual(['write', 0x40, 0x20, [9, 8]]);
    await expect(bus.readByte(0x41, 0)).rejects.toMatchObject({ code: 'EREMOTEIO', errno: 121 });
    await expect(bus.readI2cBlock(0x40, 0, 33, Buffer.alloc(33))).rejects.toThrow(/1..32/);
  });

  it('passes plain transfers to the device: first byte as register, reads with PLAIN_READ', async () => {
    const bus = new FakeI2cBus();
    const dev = bus.loadImage(0x40, '10: 01 02 03');
    await bus.i2cWrite(0x40, 3, Buffer.from([0x20, 9, 8, 7]));
    expect(dev.get(0x20, 3)).toEqual([9, 8, 0]);
    expect(bus.log.at(-1)).toEqual(['write', 0x40, 0x20, [9, 8]]);
    const reads: Array<[number, number]> = [];
    bus.attach(0x41, {
      read: (register, length, out) => {
        reads.push([register, length]);
        out.fill(0xab, 0, length);
      },
      write: () => {},
    });
    const buf = Buffer.alloc(40);
    expect(await bus.i2cRead(0x41, 40, buf)).toEqual({ bytesRead: 40, buffer: buf });
    expect(reads).toEqual([[PLAIN_READ, 40]]);
    expect(buf[39]).toBe(0xab);
    await expect(bus.i2cRead(0x42, 1, buf)).rejects.toMatchObject({ code: 'EREMOTEIO' });
    bus.fail(0x40, { code: 'EIO', only: 'write', times: 1 });
    await expect(bus.i2cWrite(0x40, 1, Buffer.from([0x10]))).rejects.toMatchObject({ code: 'EIO' });
    await expect(bus.i2cWrite(0x40, 0, buf)).rejects.toThrow(RangeError);
    await expect(bus.i2cRead(0x41, 4, Buffer.alloc(2))).rejects.toThrow(/shorter/);
  });

  it('injects faults after N reads, for a number of times, and detaches devices', async () => {
    const bus = new FakeI2cBus();
    bus.attach(0x40, new RegisterFileDevice({ 0: 7 }));
    bus.fail(0x40, { code: 'EIO', afterReads: 2, times: 1 });
    expect(await bus.readByte(0x40, 0)).toBe(7);
    expect(await bus.readByte(0x40, 0)).toBe(7);
    await expect(bus.readByte(0x40, 0)).rejects.toMatchObject({ code: 'EIO' });
    expect(await bus.readByte(0x40, 0)).toBe(7);
    bus.detach(0x40);
    await expect(bus.readByte(0x40, 0)).rejects.toMatchObject({ code: 'EREMOTEIO' });
    await bus.close();
    await expect(bus.readByte(0x40, 0)).rejects.toThrow(/closed/);
  });
});
