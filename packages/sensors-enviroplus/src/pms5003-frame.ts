import { OpenSensorError } from '@opensensor/errors';
/** Which check a PMS5003 frame failed. */
export type Pms5003FrameProblem = 'length' | 'start' | 'frame-length' | 'checksum';

/** A byte sequence is not a valid 32-byte PMS5003 data frame. Code `INVALID_PMS5003_FRAME`; `problem` says why. */
export class Pms5003FrameError extends OpenSensorError {
  override readonly name = 'Pms5003FrameError';
  readonly problem: Pms5003FrameProblem;

  constructor(problem: Pms5003FrameProblem, message: string) {
    super('INVALID_PMS5003_FRAME', `PMS5003 frame: ${message}`);
    this.problem = problem;
  }
}

export const PMS5003_FRAME_LENGTH = 32;
const START_1 = 0x42;
const START_2 = 0x4d;
/** Value of the length field of a data frame: 13 data words + checksum. */
const DATA_LENGTH = 28;
/** Length field of the short acknowledgement a mode command gets. */
const ACK_LENGTH = 4;

/** One decoded PMS5003 data frame. Mass concentrations in µg/m³, counts per 0.1 L of air. */
export interface Pms5003Frame {
  /** PM1.0, CF=1 ("standard particle"), the value the lake stores. */
  pm1: number;
  pm25: number;
  pm10: number;
  /** PM1.0 under atmospheric environment. */
  pm1Atm: number;
  pm25Atm: number;
  pm10Atm: number;
  particles_03um: number;
  particles_05um: number;
  particles_10um: number;
  particles_25um: number;
  particles_50um: number;
  particles_100um: number;
  /** Reserved word: firmware version (high byte) and error code (low byte) on the sensors seen. */
  version: number;
  errorCode: number;
}

function hex(value: number, digits: number): string {
  return `0x${value.toString(16).toUpperCase().padStart(digits, '0')}`;
}

/** 16-bit sum of `length` bytes from `offset`, the PMS5003 checksum. */
function sum16(bytes: Uint8Array, offset: number, length: number): number {
  let sum = 0;
  for (let i = offset; i < offset + length; i++) sum += bytes[i] as number;
  return sum & 0xffff;
}

/**
 * Decodes a 32-byte PMS5003 data frame (`42 4D 00 1C`, 13 big-endian words, 16-bit sum of bytes
 * 0..29). Throws {@link Pms5003FrameError} naming the check that failed.
 */
export function decodePms5003Frame(bytes: Uint8Array): Pms5003Frame {
  if (bytes.length !== PMS5003_FRAME_LENGTH) {
    throw new Pms5003FrameError('length', `expected 32 bytes, got ${bytes.length}`);
  }
  const at = (i: number) => bytes[i] as number;
  if (at(0) !== START_1 || at(1) !== START_2) {
    throw new Pms5003FrameError(
      'start',
      `start bytes are ${hex(at(0), 2)} ${hex(at(1), 2)}, expected 0x42 0x4D`,
    );
  }
  const frameLength = (at(2) << 8) | at(3);
  if (frameLength !== DATA_LENGTH) {
    throw new Pms5003FrameError('frame-length', `length field is ${frameLength}, expected 28 (a data frame)`);
  }
  const expected = sum16(bytes, 0, 30);
  const stated = (at(30) << 8) | at(31);
  if (expected !== stated) {
    throw new Pms5003FrameError(
      'checksum',
      `checksum ${hex(stated, 4)} does not match the sum of bytes 0..29, ${hex(expected, 4)}; the frame is corrupt`,
    );
  }
  const word = (n: number) => (at(4 + 2 * n) << 8) | at(5 + 2 * n);
  return {
    pm1: word(0),
    pm25: word(1),
    pm10: word(2),
    pm1Atm: word(3),
    pm25Atm: word(4),
    pm10Atm: word(5),
    particles_03um: word(6),
    particles_05um: word(7),
    particles_10um: word(8),
    particles_25um: word(9),
    particles_50um: word(10),
    particles_100um: word(11),
    version: at(28),
    errorCode: at(29),
  };
}

/** Counters of a {@link Pms5003FrameSync}, for health reporting. */
export interface Pms5003SyncStats {
  frames: number;
  /** Frames whose header looked right but whose checksum failed. */
  badFrames: number;
  /** Bytes skipped while hunting for a frame start. */
  discardedBytes: number;
  /** Mode-change acknowledgements (length field 4) seen and skipped. */
  acks: number;
}

/**
 * Finds valid frames in a byte stream split into arbitrary chunks. It checks the four header bytes
 * before committing to a frame and, when a frame fails its checksum, rescans from the byte after the
 * false start, so garbage containing 0x42 never swallows the real frame that follows (unlike a
 * packet-length parser that consumes the bytes of a false sync). Works in a fixed 64-byte window.
 */
export class Pms5003FrameSync {
  readonly stats: Pms5003SyncStats = { frames: 0, badFrames: 0, discardedBytes: 0, acks: 0 };
  private readonly window = new Uint8Array(64);
  private length = 0;

  constructor(private readonly onFrame: (frame: Pms5003Frame) => void) {}

  push(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      this.window[this.length++] = chunk[i] as number;
      this.scan();
    }
  }

  /** Forgets a partial frame, e.g. after the port was flushed. */
  reset(): void {
    this.length = 0;
  }

  private scan(): void {
    const w = this.window;
    while (this.length > 0) {
      if (w[0] !== START_1 || (this.length >= 2 && w[1] !== START_2)) {
        this.drop(1, true);
        continue;
      }
      if (this.length < 4) return;
      const frameLength = ((w[2] as number) << 8) | (w[3] as number);
      if (frameLength !== DATA_LENGTH && frameLength !== ACK_LENGTH) {
        this.drop(1, true);
        continue;
      }
      const total = frameLength + 4;
      if (this.length < total) return;
      if (sum16(w, 0, total - 2) !== (((w[total - 2] as number) << 8) | (w[total - 1] as number))) {
        this.stats.badFrames++;
        this.drop(1, false);
        continue;
      }
      if (frameLength === ACK_LENGTH) {
        this.stats.acks++;
        this.drop(total, false);
        continue;
      }
      const frame = decodePms5003Frame(w.subarray(0, total));
      this.stats.frames++;
      this.drop(total, false);
      this.onFrame(frame);
    }
  }

  private drop(count: number, discarded: boolean): void {
    if (discarded) this.stats.discardedBytes += count;
    this.window.copyWithin(0, count, this.length);
    this.length -= count;
  }
}

/** Encodes a data frame with a correct checksum; used by fakes and the simulator. */
export function encodePms5003Frame(values: Partial<Pms5003Frame>): Uint8Array {
  const bytes = new Uint8Array(PMS5003_FRAME_LENGTH);
  bytes[0] = START_1;
  bytes[1] = START_2;
  bytes[3] = DATA_LENGTH;
  const words = [
    values.pm1,
    values.pm25,
    values.pm10,
    values.pm1Atm ?? values.pm1,
    values.pm25Atm ?? values.pm25,
    values.pm10Atm ?? values.pm10,
    values.particles_03um,
    values.particles_05um,
    values.particles_10um,
    values.particles_25um,
    values.particles_50um,
    values.particles_100um,
  ];
  words.forEach((value, n) => {
    const v = Math.max(0, Math.min(0xffff, Math.round(value ?? 0)));
    bytes[4 + 2 * n] = v >> 8;
    bytes[5 + 2 * n] = v & 0xff;
  });
  bytes[28] = values.version ?? 0x97;
  bytes[29] = values.errorCode ?? 0;
  const sum = sum16(bytes, 0, 30);
  bytes[30] = sum >> 8;
  bytes[31] = sum & 0xff;
  return bytes;
}
