import { OptionalDependencyError, SensorError } from '@opensensor/sensors-core';
import { describe, expect, it } from 'vitest';
import { openSerialPort, Pms5003 } from './pms5003.js';
import { encodePms5003Frame } from './pms5003-frame.js';
import { FakeGpio, FakePms5003Port } from './testing.js';

const noSleep = async () => {};

async function started(options: { gpio?: FakeGpio; now?: () => number } = {}) {
  const port = new FakePms5003Port();
  const pms = new Pms5003({
    port,
    resetPulseMs: 0,
    sleep: noSleep,
    ...(options.gpio ? { gpio: options.gpio } : {}),
    ...(options.now ? { clock: { now: options.now } } : {}),
  });
  await pms.init();
  return { port, pms };
}

describe('Pms5003 reader', () => {
  it('returns the next valid frame from a stream with leading garbage and split chunks', async () => {
    const { port, pms } = await started();
    const next = pms.read({ timeoutMs: 1000 });
    port.emit([0x00, 0x4d, 0x00, 0x1c, 0x42]);
    port.emitSplit(encodePms5003Frame({ pm1: 3, pm25: 7, pm10: 9, particles_03um: 120 }), [5, 1, 11]);
    await expect(next).resolves.toMatchObject({ pm1: 3, pm25: 7, pm10: 9, particles_03um: 120 });
    expect(pms.stats.frames).toBe(1);
    expect(pms.stats.bytesReceived).toBe(37);
  });

  it('skips a frame with a bad checksum and delivers the following good one', async () => {
    const { port, pms } = await started();
    const next = pms.read({ timeoutMs: 1000 });
    const bad = encodePms5003Frame({ pm25: 99 });
    bad[31] = (bad[31] as number) ^ 0xff;
    port.emit(bad);
    port.emitFrame({ pm25: 12 });
    await expect(next).resolves.toMatchObject({ pm25: 12 });
    expect(pms.stats.badFrames).toBe(1);
  });

  it('times out with a SensorError that says what was received', async () => {
    const { port, pms } = await started();
    port.emit([1, 2, 3]);
    const error = await pms.read({ timeoutMs: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SensorError);
    expect(error).toMatchObject({ code: 'TIMEOUT', chip: 'PMS5003', address: '/dev/fake-pms5003' });
    expect((error as Error).message).toMatch(
      /no valid frame within 20 ms \(3 bytes received, 0 bad frames\)/,
    );
    // A frame after the timeout goes to the next reader, not the one that gave up.
    const next = pms.read({ timeoutMs: 1000 });
    port.emitFrame({ pm10: 4 });
    await expect(next).resolves.toMatchObject({ pm10: 4 });
  });

  it('reuses a recent frame within maxAgeMs and waits for a new one otherwise', async () => {
    let now = 1_000_000;
    const { port, pms } = await started({ now: () => now });
    const first = pms.read();
    port.emitFrame({ pm25: 1 });
    await first;
    now += 1000;
    await expect(pms.read({ maxAgeMs: 2000 })).resolves.toMatchObject({ pm25: 1 });
    now += 5000;
    const fresh = pms.read({ maxAgeMs: 2000, timeoutMs: 1000 });
    port.emitFrame({ pm25: 2 });
    await expect(fresh).resolves.toMatchObject({ pm25: 2 });
  });

  it('drives ENABLE (GPIO22) high and pulses RESET (GPIO27), flushing the port', async () => {
    const gpio = new FakeGpio();
    const { port, pms } = await started({ gpio });
    expect(gpio.history).toEqual([
      [22, 1],
      [27, 1],
      [27, 0],
      [27, 1],
    ]);
    expect(port.flushes).toBe(1);
    await pms.init(); // a second init only pulses reset again
    expect(gpio.history.slice(4)).toEqual([
      [27, 0],
      [27, 1],
    ]);
    expect(port.flushes).toBe(2);
    await pms.close();
    expect([...gpio.released].sort()).toEqual([22, 27]);
    expect(port.closed).toBe(false); // injected ports belong to the caller
  });

  it('rejects read() before init() and records port errors for the timeout message', async () => {
    await expect(new Pms5003({ port: new FakePms5003Port() }).read()).rejects.toMatchObject({
      code: 'NOT_READY',
    });
    const { port, pms } = await started();
    port.emitError(new Error('device disconnected'));
    await expect(pms.read({ timeoutMs: 10 })).rejects.toThrow(/last port error: device disconnected/);
  });

  it('reports a missing serialport package as OptionalDependencyError', async () => {
    const missing = async () => {
      throw Object.assign(new Error("Cannot find package 'serialport'"), { code: 'ERR_MODULE_NOT_FOUND' });
    };
    const error = await openSerialPort('/dev/serial0', { importer: missing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OptionalDependencyError);
    expect((error as Error).message).toMatch(
      /Opening serial port \/dev\/serial0 needs the optional package "serialport"/,
    );
  });

  it('reports an unopenable device with the dialout hint (real serialport)', async () => {
    const error = await openSerialPort('/dev/opensensor-no-such-tty').catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'SensorError',
      code: 'NOT_FOUND',
      address: '/dev/opensensor-no-such-tty',
    });
    expect((error as Error).message).toMatch(/dialout/);
  });
});
