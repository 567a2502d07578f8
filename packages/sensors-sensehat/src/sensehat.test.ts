import { describe, expect, it } from 'vitest';
import { SENSEHAT_COLUMN_INFO, SENSEHAT_COLUMNS } from './reading.js';
import { SenseHat, type SenseHatOptions } from './sensehat.js';
import { createFakeSenseHatBus, encodeLsm9ds1Vector, type FakeI2cBus } from './testing.js';

const noSleep = async () => {};

function hat(bus: FakeI2cBus = createFakeSenseHatBus(), options: Partial<SenseHatOptions> = {}) {
  return new SenseHat({ bus, sleep: noSleep, clock: { now: () => 1_764_000_000_000 }, ...options });
}

describe('SenseHat facade', () => {
  it('detects every sensor of the HAT', async () => {
    const board = hat();
    expect((await board.detect()).map((s) => [s.sensor, s.chip, s.address, s.state])).toEqual([
      ['hts221', 'HTS221', '0x5f', 'ok'],
      ['lps25h', 'LPS25H', '0x5c', 'ok'],
      ['lsm9ds1', 'LSM9DS1', '0x6a', 'ok'],
      ['lsm9ds1_mag', 'LSM9DS1 magnetometer', '0x1c', 'ok'],
    ]);
  });

  it('returns one reading with every lake column, from the reference vectors', async () => {
    const sample = await hat().read();
    expect(Object.keys(sample.reading)).toEqual([...SENSEHAT_COLUMNS]);
    expect(Object.keys(SENSEHAT_COLUMN_INFO)).toEqual([...SENSEHAT_COLUMNS]);
    const r = sample.reading;
    expect(r.temperature).toBe(28.85375816993464);
    expect(r.humidity).toBe(42.73676012461059);
    expect(r.pressure?.toFixed(6)).toBe('1023.346924');
    expect(r.pressure_temperature?.toFixed(6)).toBe('25.691667');
    expect([r.accel_x, r.accel_y, r.accel_z?.toFixed(6)]).toEqual([0, 0, '0.999912']);
    expect([r.gyro_x?.toFixed(6), r.gyro_y, r.gyro_z]).toEqual(['1.251663', 0, 0]);
    expect([r.mag_x?.toFixed(3), r.mag_y, r.mag_z]).toEqual(['-57.372', 0, 0]);
    // Flat, field along -X: heading south.
    expect([r.roll, r.pitch, r.yaw, r.compass_heading]).toEqual([0, 0, -180, 180]);
    expect(sample.timestamp).toBe(1_764_000_000_000);
    expect(sample.warmup).toBe(true);
    expect(Object.values(sample.sensors).every((s) => s.state === 'ok')).toBe(true);
    expect(sample.errors).toEqual({ hts221: 0, lps25h: 0, lsm9ds1: 0, lsm9ds1_mag: 0 });
  });

  it('reports the pose of a tilted board through the bus', async () => {
    const bus = createFakeSenseHatBus();
    const ag = bus.devices.get(0x6a) as unknown as { set(reg: number, bytes: number[]): void };
    const s = Math.sin((30 * Math.PI) / 180);
    const c = Math.cos((30 * Math.PI) / 180);
    ag.set(0x28, encodeLsm9ds1Vector({ x: 0, y: s, z: c }, 0.000244, { x: true, y: true }));
    const r = (await hat(bus).read()).reading;
    expect(r.roll).toBeCloseTo(30, 1);
    expect(r.pitch).toBeCloseTo(0, 6);
  });

  it('keeps reading the others when a chip is missing, and nulls its columns', async () => {
    const board = hat(createFakeSenseHatBus({ lsm9ds1Mag: false }));
    const status = await board.detect();
    expect(status[3]).toMatchObject({ state: 'absent' });
    expect(status[3]?.detail).toMatch(/LSM9DS1 magnetometer at 0x1c: no device answers/);
    const sample = await board.read();
    expect(sample.reading.mag_x).toBeNull();
    expect(sample.reading.yaw).toBeNull();
    expect(sample.reading.compass_heading).toBeNull();
    expect(sample.reading.roll).toBe(0);
    expect(sample.sensors.lsm9ds1_mag.state).toBe('absent');
    expect(sample.errors.lsm9ds1_mag).toBe(0);
  });

  it('counts failed reads, re-initialises after three, and recovers', async () => {
    const bus = createFakeSenseHatBus();
    const board = hat(bus, { warmupReadings: 0 });
    await board.detect();
    bus.fail(0x5c, { code: 'EIO', times: 3 });
    for (let i = 0; i < 3; i++) {
      const s = await board.read();
      expect(s.reading.pressure).toBeNull();
      expect(s.reading.temperature).not.toBeNull();
      expect(s.sensors.lps25h).toMatchObject({ state: 'error' });
      expect(s.sensors.lps25h.error).toMatch(/LPS25H at 0x5c: I2C error while reading status: EIO/);
    }
    const writesBefore = bus.log.filter(([k, a]) => k === 'write' && a === 0x5c).length;
    const ok = await board.read();
    expect(ok.reading.pressure?.toFixed(6)).toBe('1023.346924');
    expect(ok.errors.lps25h).toBe(3);
    expect(ok.warmup).toBe(false);
    // The fourth read set the chip up again before reading.
    expect(bus.log.filter(([k, a]) => k === 'write' && a === 0x5c).length).toBe(writesBefore + 4);
  });

  it('finds a chip that appears later (retryAbsentEvery)', async () => {
    const bus = createFakeSenseHatBus({ hts221: false });
    const board = hat(bus, { retryAbsentEvery: 2 });
    expect((await board.read()).reading.temperature).toBeNull();
    const { attachFakeHts221 } = await import('./testing.js');
    attachFakeHts221(bus);
    expect((await board.read()).reading.temperature).toBe(28.85375816993464);
  });

  it('reads nothing from disabled sensors and marks them disabled', async () => {
    const board = hat(createFakeSenseHatBus(), { lsm9ds1: false, lsm9ds1Mag: false });
    const s = await board.read();
    expect(s.sensors.lsm9ds1.state).toBe('disabled');
    expect(s.reading.accel_z).toBeNull();
    expect(s.reading.humidity).toBe(42.73676012461059);
  });

  it('counts a hung read as a timeout', async () => {
    const bus = createFakeSenseHatBus();
    const board = hat(bus, { sensorTimeoutMs: 30 });
    await board.detect();
    const original = bus.readI2cBlock.bind(bus);
    bus.readI2cBlock = (address, register, length, buffer) =>
      address === 0x5f ? new Promise(() => {}) : original(address, register, length, buffer);
    const s = await board.read();
    expect(s.sensors.hts221.state).toBe('timeout');
    expect(s.reading.temperature).toBeNull();
    expect(s.reading.pressure).not.toBeNull();
    // The hung transfer is still pending: the next read reports busy rather than piling up.
    expect((await board.read()).sensors.hts221.state).toBe('busy');
    expect(board.errors.hts221).toBe(2);
  });

  it('marks every sensor absent with the reason when the bus cannot be opened', async () => {
    const board = new SenseHat({ busNumber: 250, sleep: noSleep });
    const status = await board.detect();
    expect(status.every((s) => s.state === 'absent')).toBe(true);
    expect(status[0]?.detail).toMatch(/no I2C bus: .*i2c/);
    const sample = await board.read();
    expect(Object.values(sample.reading).every((v) => v === null)).toBe(true);
    await board.close();
  });
});
