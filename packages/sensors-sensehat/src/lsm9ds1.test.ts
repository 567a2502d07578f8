import { describe, expect, it } from 'vitest';
import {
  decodeLsm9ds1Vector,
  LSM9DS1,
  LSM9DS1_AXIS_NEGATION,
  LSM9DS1_SCALES,
  LSM9DS1Magnetometer,
} from './lsm9ds1.js';
import { attachFakeLsm9ds1, attachFakeLsm9ds1Mag, encodeLsm9ds1Vector, FakeI2cBus } from './testing.js';

const noSleep = async () => {};
const RAW_4098 = Uint8Array.from([0x02, 0x10, 0x02, 0x10, 0x02, 0x10]);

describe('LSM9DS1 scaling (reference vectors: raw 0x1002 = 4098)', () => {
  it('is 0.999912 g at ±8 g, 71.715 dps at ±500 dps, 57.372 µT at ±4 gauss', () => {
    expect(decodeLsm9ds1Vector(RAW_4098, 0, LSM9DS1_SCALES.accelG, {}).x.toFixed(6)).toBe('0.999912');
    expect(decodeLsm9ds1Vector(RAW_4098, 0, LSM9DS1_SCALES.gyroDps, {}).y.toFixed(3)).toBe('71.715');
    expect(decodeLsm9ds1Vector(RAW_4098, 0, LSM9DS1_SCALES.magMicroTesla, {}).z.toFixed(3)).toBe('57.372');
  });

  it('negates the axes RTIMULib negates, without producing -0', () => {
    const v = decodeLsm9ds1Vector(RAW_4098, 0, 1, LSM9DS1_AXIS_NEGATION.mag);
    expect(v).toEqual({ x: -4098, y: 4098, z: -4098 });
    const zero = decodeLsm9ds1Vector(new Uint8Array(6), 0, 1, LSM9DS1_AXIS_NEGATION.accel);
    expect(Object.is(zero.x, 0)).toBe(true);
  });

  it('round-trips through the fake encoder', () => {
    const bytes = Uint8Array.from(encodeLsm9ds1Vector({ x: 0.5, y: -0.25, z: 1 }, 0.000244, { x: true }));
    const v = decodeLsm9ds1Vector(bytes, 0, 0.000244, { x: true });
    expect(v.x).toBeCloseTo(0.5, 3);
    expect(v.y).toBeCloseTo(-0.25, 3);
    expect(v.z).toBeCloseTo(1, 3);
  });
});

describe('LSM9DS1 accelerometer/gyroscope', () => {
  it('reboots, enables auto-increment and configures RTIMULib defaults', async () => {
    const bus = new FakeI2cBus();
    const chip = attachFakeLsm9ds1(bus);
    const sleeps: number[] = [];
    const imu = new LSM9DS1(bus, { sleep: async (ms) => void sleeps.push(ms) });
    await imu.init();
    expect(chip.writes).toEqual([
      [0x22, 0x80],
      [0x22, 0x44],
      [0x10, 0x69],
      [0x12, 0x44],
      [0x20, 0x7b],
      [0x21, 0x00],
    ]);
    expect(sleeps).toEqual([100]);
    const r = await imu.read();
    expect(r.accel).toEqual({ x: 0, y: 0, z: 4098 * 0.000244 });
    expect(r.gyro.x).toBe((4098 * 0.0175 * Math.PI) / 180);
    expect(r.gyro.x.toFixed(6)).toBe('1.251663');
  });

  it('would read one register six times without IF_ADD_INC (the fake models the reboot)', async () => {
    const bus = new FakeI2cBus();
    const chip = attachFakeLsm9ds1(bus);
    const imu = new LSM9DS1(bus, { sleep: noSleep });
    await imu.init();
    chip.set(0x22, 0x00);
    const r = await imu.read();
    // Every byte came from 0x18 (0x02): all axes read 0x0202.
    expect(r.gyro.y).toBeCloseTo((0x0202 * 0.0175 * Math.PI) / 180, 12);
  });
});

describe('LSM9DS1 magnetometer', () => {
  it('configures 20 Hz, ±4 gauss, continuous, and reads with bit 7 set', async () => {
    const bus = new FakeI2cBus();
    const chip = attachFakeLsm9ds1Mag(bus);
    const mag = new LSM9DS1Magnetometer(bus);
    await mag.init();
    expect(chip.writes).toEqual([
      [0x20, 0x14],
      [0x21, 0x00],
      [0x22, 0x00],
    ]);
    expect(await mag.read()).toEqual({ x: 0 - 4098 * 0.014, y: 0, z: 0 });
    expect(bus.log.at(-1)?.slice(0, 3)).toEqual(['read', 0x1c, 0xa8]);
  });

  it('subtracts a hard-iron offset', async () => {
    const bus = new FakeI2cBus();
    attachFakeLsm9ds1Mag(bus);
    const mag = new LSM9DS1Magnetometer(bus, { offset: { x: -7.372, y: 2, z: -1 } });
    await mag.init();
    const v = await mag.read();
    expect(v.x).toBeCloseTo(-50, 10);
    expect(v).toMatchObject({ y: -2, z: 1 });
  });
});
