import type { Vector3 } from './lsm9ds1.js';

const RAD_TO_DEG = 180 / Math.PI;

/** Orientation in degrees. */
export interface Orientation {
  /** Rotation about the body X axis, −180..180. */
  roll: number;
  /** Rotation about the body Y axis, −90..90. */
  pitch: number;
  /** Tilt-compensated magnetic heading, −180..180; null without a magnetometer reading. */
  yaw: number | null;
  /** The same heading as 0..360 degrees from magnetic north; null without a magnetometer reading. */
  compassHeading: number | null;
}

/**
 * Orientation of a board at rest from gravity (roll, pitch) and the magnetic field levelled by
 * them (yaw), the measured pose RTIMULib starts its fusion from. A station does not move, so the
 * gyroscope adds nothing but drift; this is deterministic and needs no filter state.
 */
export function orientationFromImu(accel: Vector3, mag: Vector3 | null): Orientation {
  const roll = Math.atan2(accel.y, accel.z);
  const pitch = 0 - Math.atan2(accel.x, Math.hypot(accel.y, accel.z));
  if (!mag) return { roll: roll * RAD_TO_DEG, pitch: pitch * RAD_TO_DEG, yaw: null, compassHeading: null };
  // Rotate the field back to the horizontal plane by roll, then pitch.
  const sr = Math.sin(roll);
  const cr = Math.cos(roll);
  const sp = Math.sin(pitch);
  const cp = Math.cos(pitch);
  const yz = mag.y * sr + mag.z * cr;
  const hx = mag.x * cp + yz * sp;
  const hy = mag.y * cr - mag.z * sr;
  const yaw = 0 - Math.atan2(hy, hx) * RAD_TO_DEG;
  return {
    roll: roll * RAD_TO_DEG,
    pitch: pitch * RAD_TO_DEG,
    yaw,
    compassHeading: yaw < 0 ? yaw + 360 : yaw,
  };
}
