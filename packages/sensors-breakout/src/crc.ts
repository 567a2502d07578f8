import { OpenSensorError } from '@opensensor/errors';
/**
 * Sensirion CRC-8 (also used by the TDK ICP-101xx): polynomial 0x31, init 0xFF, no reflection,
 * no final XOR, over each 16-bit word MSB first.
 */
export function sensirionCrc8(msb: number, lsb: number): number {
  let crc = 0xff ^ (msb & 0xff);
  for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  crc ^= lsb & 0xff;
  for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  return crc;
}

/** A received word whose CRC does not match: the transfer was corrupted. Code `CRC_MISMATCH`. */
export class CrcError extends OpenSensorError {
  override readonly name = 'CrcError';
  constructor(
    readonly wordIndex: number,
    readonly received: number,
    readonly expected: number,
    bytes: readonly number[],
  ) {
    super(
      'CRC_MISMATCH',
      `CRC mismatch in word ${wordIndex}: got 0x${hex(received)}, expected 0x${hex(expected)} ` +
        `(bytes ${bytes.map(hex).join(' ')})`,
    );
  }
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0').toUpperCase();
}

/** Splits `[msb, lsb, crc] × n` into words, checking every CRC. */
export function decodeWords(bytes: Uint8Array, count = Math.floor(bytes.length / 3)): number[] {
  if (bytes.length < count * 3)
    throw new RangeError(`${count} words need ${count * 3} bytes, got ${bytes.length}`);
  const words: number[] = [];
  for (let i = 0; i < count; i++) {
    const msb = bytes[i * 3] as number;
    const lsb = bytes[i * 3 + 1] as number;
    const crc = bytes[i * 3 + 2] as number;
    const expected = sensirionCrc8(msb, lsb);
    if (crc !== expected) throw new CrcError(i, crc, expected, [msb, lsb, crc]);
    words.push((msb << 8) | lsb);
  }
  return words;
}

/** A command frame: the 16-bit command, then each argument word followed by its CRC. */
export function encodeCommand(command: number, args: readonly number[] = []): Buffer {
  const frame = Buffer.alloc(2 + args.length * 3);
  frame.writeUInt16BE(command & 0xffff, 0);
  args.forEach((word, i) => {
    const msb = (word >> 8) & 0xff;
    const lsb = word & 0xff;
    frame[2 + i * 3] = msb;
    frame[3 + i * 3] = lsb;
    frame[4 + i * 3] = sensirionCrc8(msb, lsb);
  });
  return frame;
}
