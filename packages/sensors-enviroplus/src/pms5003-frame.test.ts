import { describe, expect, it } from 'vitest';
import {
  decodePms5003Frame,
  encodePms5003Frame,
  type Pms5003Frame,
  Pms5003FrameError,
  Pms5003FrameSync,
} from './pms5003-frame.js';

const hex = (s: string) =>
  Uint8Array.from(
    s
      .trim()
      .split(/\s+/)
      .map((b) => Number.parseInt(b, 16)),
  );

const F1 = hex(
  '42 4D 00 1C 00 02 00 0A 00 0A 00 02 00 0A 00 0A 02 46 00 AF 00 31 00 16 00 00 00 00 97 00 02 AC',
);
const F3 = hex(
  '42 4D 00 1C 00 00 00 00 00 00 00 00 00 00 00 00 00 24 00 07 00 01 00 01 00 01 00 00 97 00 01 70',
);
const F4 = hex(
  '42 4D 00 1C 00 11 00 17 00 19 00 11 00 17 00 19 0B DC 03 46 00 6A 00 08 00 02 00 00 97 00 03 68',
);
const F7 = hex(`42 4D 00 1C 00 05 00 08 00 0A 00 05 00 08 00 0A ${'00 '.repeat(14)} 01 3A`);
const F8 = hex(`42 4D 00 1C ${'00 '.repeat(26)} 00 AB`);

function problem(bytes: Uint8Array): string {
  try {
    decodePms5003Frame(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(Pms5003FrameError);
    return (error as Pms5003FrameError).problem;
  }
  return 'none';
}

describe('decodePms5003Frame', () => {
  it('decodes F1 (Enviro Urban capture): CF=1 2/10/10, atmospheric 2/10/10, counts 582/175/49/22/0/0', () => {
    expect(decodePms5003Frame(F1)).toEqual({
      pm1: 2,
      pm25: 10,
      pm10: 10,
      pm1Atm: 2,
      pm25Atm: 10,
      pm10Atm: 10,
      particles_03um: 582,
      particles_05um: 175,
      particles_10um: 49,
      particles_25um: 22,
      particles_50um: 0,
      particles_100um: 0,
      version: 0x97,
      errorCode: 0,
    });
  });

  it('decodes F3, F4 and the all-zero F8', () => {
    const f3 = decodePms5003Frame(F3);
    expect([f3.pm1, f3.pm25, f3.pm10]).toEqual([0, 0, 0]);
    expect([
      f3.particles_03um,
      f3.particles_05um,
      f3.particles_10um,
      f3.particles_25um,
      f3.particles_50um,
    ]).toEqual([36, 7, 1, 1, 1]);
    const f4 = decodePms5003Frame(F4);
    expect([f4.pm1, f4.pm25, f4.pm10, f4.pm1Atm, f4.pm25Atm, f4.pm10Atm]).toEqual([17, 23, 25, 17, 23, 25]);
    expect([
      f4.particles_03um,
      f4.particles_05um,
      f4.particles_10um,
      f4.particles_25um,
      f4.particles_50um,
    ]).toEqual([3036, 838, 106, 8, 2]);
    expect(Object.values(decodePms5003Frame(F8)).every((v) => v === 0)).toBe(true);
  });

  it('rejects F7: the stated checksum 0x013A is not the sum 0x00D9', () => {
    expect(() => decodePms5003Frame(F7)).toThrow(
      /checksum 0x013A does not match the sum of bytes 0..29, 0x00D9/,
    );
    expect(problem(F7)).toBe('checksum');
  });

  it('names the failed check for bad length, start bytes and length field', () => {
    expect(problem(F1.subarray(0, 31))).toBe('length');
    expect(problem(Uint8Array.from([...F1, 0]))).toBe('length');
    const badStart = F1.slice();
    badStart[1] = 0x4e;
    expect(problem(badStart)).toBe('start');
    expect(() => decodePms5003Frame(badStart)).toThrow(/start bytes are 0x42 0x4E, expected 0x42 0x4D/);
    const badLength = F1.slice();
    badLength[3] = 0x1d;
    expect(problem(badLength)).toBe('frame-length');
  });

  it('round-trips through encodePms5003Frame', () => {
    const values: Partial<Pms5003Frame> = {
      pm1: 5,
      pm25: 12,
      pm10: 300,
      particles_03um: 65535,
      particles_100um: 3,
    };
    const frame = decodePms5003Frame(encodePms5003Frame(values));
    expect(frame).toMatchObject({ ...values, pm1Atm: 5, pm25Atm: 12, pm10Atm: 300, version: 0x97 });
    expect(encodePms5003Frame(decodePms5003Frame(F1))).toEqual(F1);
  });
});

function collect() {
  const frames: Pms5003Frame[] = [];
  const sync = new Pms5003FrameSync((f) => frames.push(f));
  return { frames, sync };
}

describe('Pms5003FrameSync', () => {
  it('assembles frames split into arbitrary chunks', () => {
    const { frames, sync } = collect();
    const stream = Uint8Array.from([...F1, ...F4, ...F3]);
    for (const size of [1, 3, 5, 7, 31]) {
      for (let i = 0; i < stream.length; i += size) sync.push(stream.subarray(i, i + size));
    }
    expect(frames.map((f) => f.pm10)).toEqual(Array(5).fill([10, 25, 0]).flat());
    expect(sync.stats).toMatchObject({ frames: 15, badFrames: 0, discardedBytes: 0 });
  });

  it('resynchronises after leading garbage, including a mid-frame start (4D 00 1C ...)', () => {
    const { frames, sync } = collect();
    sync.push(Uint8Array.from([0x00, 0xff, ...F4.subarray(1), ...F1, ...F3]));
    expect(frames.map((f) => f.pm25)).toEqual([10, 0]);
    expect(sync.stats.discardedBytes).toBeGreaterThan(0);
  });

  it('does not lose the first frame to a stray 0x42 before it', () => {
    // A packet-length parser syncs on the stray 0x42 and swallows the real header.
    const { frames, sync } = collect();
    sync.push(Uint8Array.from([0x42, ...F1, ...F4]));
    expect(frames.map((f) => f.pm25)).toEqual([10, 23]);
    expect(sync.stats.discardedBytes).toBe(1);
  });

  it('skips a bad-checksum frame and keeps the good ones around it', () => {
    const { frames, sync } = collect();
    sync.push(Uint8Array.from([...F1, ...F7, ...F4]));
    expect(frames.map((f) => f.pm25)).toEqual([10, 23]);
    expect(sync.stats.badFrames).toBe(1);
  });

  it('rescans inside a frame whose header was a false match', () => {
    // A truncated frame (header + 10 bytes) is followed by a full one: the bytes of the truncated frame
    // and the real frame's first bytes form a 32-byte block with a bad checksum; the real frame must survive.
    const { frames, sync } = collect();
    sync.push(Uint8Array.from([...F3.subarray(0, 14), ...F1]));
    expect(frames.map((f) => f.particles_03um)).toEqual([582]);
    expect(sync.stats.badFrames).toBe(1);
  });

  it('skips mode-change acknowledgements (length 4)', () => {
    const { frames, sync } = collect();
    sync.push(Uint8Array.from([0x42, 0x4d, 0x00, 0x04, 0xe1, 0x00, 0x01, 0x74, ...F1]));
    expect(frames).toHaveLength(1);
    expect(sync.stats.acks).toBe(1);
  });

  it('reset() forgets a partial frame', () => {
    const { frames, sync } = collect();
    sync.push(F1.subarray(0, 20));
    sync.reset();
    sync.push(F4);
    expect(frames.map((f) => f.pm25)).toEqual([23]);
  });
});
