import {
  RegisterFileDevice,
  type RegisterFileOptions,
  type RegisterImage,
} from '@opensensor/sensors-core/testing';

/**
 * An ST register file that auto-increments over a multi-byte read only when bit 7 of the
 * sub-address is set (HTS221, LPS25H, LSM9DS1 magnetometer). Without it every byte comes from the
 * same register, which is what a driver that forgets the bit gets from the real chip.
 */
export class StRegisterDevice extends RegisterFileDevice {
  override read(register: number, length: number, out: Buffer): void {
    const base = register & 0x7f;
    const step = register & 0x80 ? 1 : 0;
    for (let i = 0; i < length; i++) out[i] = this.registers[(base + i * step) & 0x7f] as number;
  }

  override write(register: number, bytes: Uint8Array): void {
    super.write(register & 0x7f, bytes);
  }
}

const CTRL_REG8 = 0x22;
const IF_ADD_INC = 0x04;

/**
 * The LSM9DS1 accelerometer/gyroscope: auto-increment follows IF_ADD_INC in CTRL_REG8, and the
 * BOOT bit (0x80) completes at once, leaving the register as written without it.
 */
export class FakeLsm9ds1AccelGyro extends RegisterFileDevice {
  constructor(image?: RegisterImage, options: RegisterFileOptions = {}) {
    super(image, { ...options, selfClearing: { ...options.selfClearing, [CTRL_REG8]: 0x80 } });
  }

  override read(register: number, length: number, out: Buffer): void {
    const step = (this.registers[CTRL_REG8] as number) & IF_ADD_INC ? 1 : 0;
    for (let i = 0; i < length; i++) out[i] = this.registers[(register + i * step) & 0xff] as number;
  }
}

/** Raw little-endian words for a physical vector, undoing the scale and RTIMULib's axis negation. */
export function encodeLsm9ds1Vector(
  value: { x: number; y: number; z: number },
  scale: number,
  negate: { x?: boolean; y?: boolean; z?: boolean },
): number[] {
  const bytes = Buffer.alloc(6);
  const raw = (v: number, n: boolean | undefined) =>
    Math.max(-32768, Math.min(32767, Math.round(((n ? -1 : 1) * v) / scale)));
  bytes.writeInt16LE(raw(value.x, negate.x), 0);
  bytes.writeInt16LE(raw(value.y, negate.y), 2);
  bytes.writeInt16LE(raw(value.z, negate.z), 4);
  return [...bytes];
}
