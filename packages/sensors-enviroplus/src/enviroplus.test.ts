import { describe, expect, it } from 'vitest';
import { Enviroplus, type EnviroplusOptions } from './enviroplus.js';
import { ENVIROPLUS_COLUMNS } from './reading.js';
import { createFakeEnviroplusBus, FakeGpio, type FakeI2cBus, FakePms5003Port } from './testing.js';

const noSleep = async () => {};
const F1 = {
  pm1: 2,
  pm25: 10,
  pm10: 10,
  particles_03um: 582,
  particles_05um: 175,
  particles_10um: 49,
  particles_25um: 22,
  particles_50um: 0,
  particles_100um: 0,
};

function board(overrides: Partial<EnviroplusOptions> & { bus?: FakeI2cBus } = {}) {
  const bus = overrides.bus ?? createFakeEnviroplusBus({ gasVolts: [0.756, 0.759, 0.762, 0.765] });
  const port = new FakePms5003Port();
  port.startStreaming(F1, 5);
  const gpio = new FakeGpio();
  const warnings: string[] = [];
  const cpu = [60];
  const env = new Enviroplus({
    bus,
    gpio,
    pms5003: { port, readTimeoutMs: 1000 },
    cpuTemperature: async () => cpu[0] as number,
    clock: { now: () => 1_764_000_000_000 },
    sleep: noSleep,
    warmupReadings: 2,
    onWarning: (m) => warnings.push(m),
    ...overrides,
  });
  return { env, bus, port, gpio, warnings, cpu };
}

describe('Enviroplus facade', () => {
  it('detects every sensor of a full board', async () => {
    const { env, port } = board();
    const status = await env.detect();
    expect(status.map((s) => [s.sensor, s.state, s.chip, s.address])).toEqual([
      ['bme280', 'ok', 'BME280', '0x76'],
      ['ltr559', 'ok', 'LTR559', '0x23'],
      ['gas', 'ok', 'ADS1015 + MICS6814', '0x49'],
      ['pms5003', 'ok', 'PMS5003', '/dev/fake-pms5003'],
    ]);
    expect(status[2]?.detail).toBe('heater on');
    await env.close();
    port.stopStreaming();
  });

  it('returns one reading with every lake column, compensated like the reference', async () => {
    const { env, port, gpio } = board();
    const sample = await env.read();
    expect(Object.keys(sample.reading)).toEqual([...ENVIROPLUS_COLUMNS]);
    const r = sample.reading;
    expect(r.raw_temperature?.toFixed(10)).toBe('24.7894877676');
    expect(r.pressure?.toFixed(8)).toBe('1006.61517564');
    expect(r.raw_humidity).toBe(68.66996648709039);
    // History seeded with 60 °C: T = raw - (60 - raw) / 2.25.
    const raw = r.raw_temperature as number;
    const temperature = raw - (60 - raw) / 2.25;
    expect(r.temperature).toBe(temperature);
    const dewpoint = raw - (100 - (r.raw_humidity as number)) / 5;
    expect(r.humidity).toBeCloseTo(Math.min(100, 100 - 5 * (temperature - dewpoint)), 12);
    expect(Math.trunc(r.lux as number)).toBe(76141);
    expect(r.proximity).toBe(240);
    expect(r.oxidised).toBeCloseTo(16.6415094, 6);
    expect(r.reducing).toBeCloseTo(16.7272727, 6);
    expect(r.nh3).toBeCloseTo(16.8132388, 6);
    expect([r.pm1, r.pm25, r.pm10, r.particles_03um, r.particles_05um, r.particles_10um]).toEqual([
      2, 10, 10, 582, 175, 49,
    ]);
    expect([r.particles_25um, r.particles_50um, r.particles_100um]).toEqual([22, 0, 0]);
    expect(sample.timestamp).toBe(1_764_000_000_000);
    expect(sample.cpuTemperature).toBe(60);
    expect(Object.values(sample.sensors).every((s) => s.state === 'ok')).toBe(true);
    expect(sample.errors).toEqual({ bme280: 0, ltr559: 0, gas: 0, pms5003: 0 });
    expect(gpio.values.get(24)).toBe(1);
    expect(gpio.values.get(22)).toBe(1);
    await env.close();
    expect(gpio.values.get(24)).toBe(0); // heater off at exit
    port.stopStreaming();
  });

  it('flags the configured number of warm-up samples', async () => {
    const { env, port } = board();
    const flags = [];
    for (let i = 0; i < 4; i++) flags.push((await env.read()).warmup);
    expect(flags).toEqual([true, true, false, false]);
    expect(env.readCount).toBe(4);
    await env.close();
    port.stopStreaming();
  });

  it('gives nulls for a missing sensor and keeps reading the others', async () => {
    const bus = createFakeEnviroplusBus({ gas: false, ltr559: false });
    const { env, port } = board({ bus, pms5003: false });
    const status = await env.detect();
    expect(status.map((s) => s.state)).toEqual(['ok', 'absent', 'absent', 'disabled']);
    expect(status[1]?.detail).toMatch(/LTR559 at 0x23: no device answers/);
    const sample = await env.read();
    expect(sample.reading.temperature).not.toBeNull();
    for (const column of [
      'lux',
      'proximity',
      'oxidised',
      'reducing',
      'nh3',
      'pm1',
      'pm25',
      'particles_100um',
    ] as const) {
      expect(sample.reading[column]).toBeNull();
    }
    expect(sample.sensors.ltr559.state).toBe('absent');
    expect(sample.sensors.pms5003.state).toBe('disabled');
    expect(sample.errors).toEqual({ bme280: 0, ltr559: 0, gas: 0, pms5003: 0 });
    await env.close();
    port.stopStreaming();
  });

  it('counts a failing sensor, nulls its columns, and recovers by re-initialising it', async () => {
    const { env, bus, port } = board({ reinitAfterFailures: 2 });
    await env.detect();
    bus.fail(0x76, { code: 'EIO', times: 2 });
    const failed = await env.read();
    expect(failed.sensors.bme280).toMatchObject({ state: 'error' });
    expect(failed.sensors.bme280.error).toMatch(/BME280 at 0x76: I2C error while reading data: EIO/);
    expect(failed.reading.temperature).toBeNull();
    expect(failed.reading.pressure).toBeNull();
    expect(failed.reading.lux).not.toBeNull();
    expect(failed.reading.pm25).toBe(10);
    await env.read();
    const writesBefore = bus.log.filter(([kind, addr]) => kind === 'write' && addr === 0x76).length;
    const recovered = await env.read();
    const writesAfter = bus.log.filter(([kind, addr]) => kind === 'write' && addr === 0x76).length;
    expect(recovered.sensors.bme280.state).toBe('ok');
    expect(writesAfter - writesBefore).toBe(4); // reset + configuration again after two failures in a row
    expect(recovered.errors.bme280).toBe(2);
    expect(env.status()[0]?.state).toBe('ok');
    await env.close();
    port.stopStreaming();
  });

  it('times out a silent PMS5003 without holding up the I2C sensors', async () => {
    const port = new FakePms5003Port();
    const { env } = board({ pms5003: { port, readTimeoutMs: 30 } });
    const status = await env.detect();
    expect(status[3]).toMatchObject({ state: 'error' });
    expect(status[3]?.detail).toMatch(/no valid frame within 30 ms/);
    const sample = await env.read();
    expect(sample.sensors.pms5003.state).toBe('timeout');
    expect(sample.reading.pm25).toBeNull();
    expect(sample.reading.temperature).not.toBeNull();
    expect(sample.errors.pms5003).toBe(1);
    port.startStreaming(F1, 5);
    expect((await env.read()).reading.pm10).toBe(10);
    port.stopStreaming();
    await env.close();
  });

  it('applies the per-sensor timeout to a hung I2C read and reports busy while it is still pending', async () => {
    const bus = createFakeEnviroplusBus();
    let hang = false;
    let release: () => void = () => {};
    const original = bus.readI2cBlock.bind(bus);
    bus.readI2cBlock = async (address, command, length, buffer) => {
      if (hang && address === 0x23) await new Promise<void>((resolve) => (release = resolve));
      return original(address, command, length, buffer);
    };
    const { env, port } = board({ bus, sensorTimeoutMs: 30 });
    await env.detect();
    hang = true;
    const first = await env.read();
    expect(first.sensors.ltr559.state).toBe('timeout');
    expect(first.reading.lux).toBeNull();
    expect(first.reading.temperature).not.toBeNull();
    const second = await env.read();
    expect(second.sensors.ltr559.state).toBe('busy');
    hang = false;
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect((await env.read()).sensors.ltr559.state).toBe('ok');
    await env.close();
    port.stopStreaming();
  });

  it('stores raw values in both columns when compensation is off', async () => {
    const { env, port } = board({ compensation: false });
    const { reading, cpuTemperature } = await env.read();
    expect(reading.temperature).toBe(reading.raw_temperature);
    expect(reading.humidity).toBe(reading.raw_humidity);
    expect(cpuTemperature).toBeNull();
    await env.close();
    port.stopStreaming();
  });

  it('warns once and keeps reading when GPIO is unavailable; gpio: false never warns', async () => {
    const { env, port, warnings } = board({ gpio: new FakeGpio({ unavailable: true }) });
    const sample = await env.read();
    expect(sample.reading.oxidised).not.toBeNull();
    expect(sample.reading.pm25).toBe(10);
    expect(warnings).toHaveLength(1);
    expect(env.status()[2]?.detail).toBe('heater not driven');
    await env.close();
    port.stopStreaming();

    const quiet = board({ gpio: false });
    await quiet.env.read();
    expect(quiet.warnings).toEqual([]);
    await quiet.env.close();
    quiet.port.stopStreaming();
  });

  it('re-detects a sensor that was absent at start', async () => {
    const bus = createFakeEnviroplusBus({ ltr559: false });
    const { env, port } = board({ bus, retryAbsentEvery: 2 });
    expect((await env.read()).sensors.ltr559.state).toBe('absent');
    const { attachFakeLtr559 } = await import('./testing.js');
    attachFakeLtr559(bus);
    expect((await env.read()).reading.proximity).toBe(240);
    await env.close();
    port.stopStreaming();
  });
});

describe('Enviroplus without a bus', () => {
  it('opens the real I2C bus and serial port and, when they are missing, marks the sensors absent with the reason', async () => {
    const env = new Enviroplus({
      busNumber: 97,
      pms5003: { device: '/dev/opensensor-no-such-tty' },
      gpio: false,
      sleep: noSleep,
    });
    const status = await env.detect();
    expect(status.map((s) => s.state)).toEqual(['absent', 'absent', 'absent', 'absent']);
    expect(status[0]?.detail).toMatch(/no I2C bus: I2C bus at \/dev\/i2c-97: cannot open/);
    expect(status[3]?.detail).toMatch(
      /PMS5003 at \/dev\/opensensor-no-such-tty: cannot open the serial port/,
    );
    const sample = await env.read();
    expect(Object.values(sample.reading).every((v) => v === null)).toBe(true);
    await env.close();
  });
});
