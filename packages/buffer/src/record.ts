import { crc32 } from './crc32.js';

/*
 * On-disk record (little-endian), documented in docs/buffer.md:
 *
 *   0  u32  magic "OSJ1"
 *   4  u32  CRC-32 of bytes 8 .. end (length, seq and payload)
 *   8  u32  payload length
 *  12  u32  seq, low 32 bits
 *  16  u32  seq, high 21 bits (seq stays a safe integer)
 *  20  ...  payload
 *
 * The CRC covers the length, so a damaged length cannot send recovery off into the middle of the
 * next record and be believed. The magic lets recovery find the next record after damage.
 */
export const HEADER_BYTES = 20;
export const MAGIC = Buffer.from('OSJ1', 'latin1');
export const MAGIC_U32 = MAGIC.readUInt32LE(0);
const TWO_POW_32 = 4294967296;

/** Writes one record at `offset` of `target` (which must have room) and returns the end offset. */
export function encodeRecord(target: Buffer, offset: number, seq: number, payload: Uint8Array): number {
  const end = offset + HEADER_BYTES + payload.length;
  target.writeUInt32LE(MAGIC_U32, offset);
  target.writeUInt32LE(payload.length, offset + 8);
  target.writeUInt32LE(seq >>> 0, offset + 12);
  target.writeUInt32LE(Math.floor(seq / TWO_POW_32), offset + 16);
  target.set(payload, offset + HEADER_BYTES);
  target.writeUInt32LE(crc32(target, offset + 8, end), offset + 4);
  return end;
}

/** The seq of a header at `offset`; the caller has checked that the header is there. */
export function headerSeq(buf: Buffer, offset: number): number {
  return buf.readUInt32LE(offset + 12) + buf.readUInt32LE(offset + 16) * TWO_POW_32;
}

/** True when the CRC matches, i.e. the record at `offset` (header and payload in `buf`) is intact. */
export function recordChecksumOk(buf: Buffer, offset: number, payloadLength: number): boolean {
  const end = offset + HEADER_BYTES + payloadLength;
  return crc32(buf, offset + 8, end) === buf.readUInt32LE(offset + 4);
}
