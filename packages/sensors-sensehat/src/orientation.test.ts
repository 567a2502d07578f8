import { describe, expect, it } from 'vitest';
import type { Vector3 } from './lsm9ds1.js';
import { orientationFromImu } from './orientation.js';

const DEG = Math.PI / 180;

/** Expresses a world vector in the body frame of a board rotated by roll (X) then pitch (Y). */
function toBody(v: Vector3, rollDeg: number, pitchDeg: number): Vector3 {
  const r = rollDeg * DEG;
  const p = pitchDeg * DEG;
  // Inverse of levelling: undo pitch (about Y), then roll (about X).
  const x1 = v.x * Math.cos(p) - v.z * Math.sin(p);
  const z1 = v.x * Math.sin(p) + v.z * Math.cos(p);
  return { x: x1, y: v.y * Math.cos(r) + z1 * Math.sin(r), z: -v.y * Math.sin(r) + z1 * Math.cos(r) };
}

describe('orientationFromImu', () => {
  it('is level with gravity on +Z and points the heading along the field', () => {
    const o = orientationFromImu({ x: 0, y: 0, z: 1 }, { x: 20, y: 0, z: -40 });
    expect(o).toEqual({ roll: 0, pitch: 0, yaw: 0, compassHeading: 0 });
    const east = orientationFromImu({ x: 0, y: 0, z: 1 }, { x: 0, y: -20, z: -40 });
    expect(east.yaw).toBeCloseTo(90, 10);
    const west = orientationFromImu({ x: 0, y: 0, z: 1 }, { x: 0, y: 20, z: -40 });
    expect(west.yaw).toBeCloseTo(-90, 10);
    expect(west.compassHeading).toBeCloseTo(270, 10);
  });

  it('recovers roll and pitch from gravity', () => {
    const g = toBody({ x: 0, y: 0, z: 1 }, 25, -10);
    const o = orientationFromImu(g, null);
    expect(o.roll).toBeCloseTo(25, 10);
    expect(o.pitch).toBeCloseTo(-10, 10);
    expect(o.yaw).toBeNull();
    expect(o.compassHeading).toBeNull();
  });

  it('compensates tilt: the heading does not change when the board is tilted', () => {
    const field = { x: 14, y: -9, z: -42 }; // a mid-latitude field, dipping down
    const flat = orientationFromImu({ x: 0, y: 0, z: 1 }, field).yaw as number;
    const tilts: Array<[number, number]> = [
      [20, 0],
      [0, 30],
      [-35, 15],
      [10, -40],
    ];
    for (const [roll, pitch] of tilts) {
      const o = orientationFromImu(toBody({ x: 0, y: 0, z: 1 }, roll, pitch), toBody(field, roll, pitch));
      expect([o.roll, o.pitch, o.yaw].map((v) => (v as number).toFixed(9))).toEqual(
        [roll, pitch, flat].map((v) => v.toFixed(9)),
      );
    }
  });
});
