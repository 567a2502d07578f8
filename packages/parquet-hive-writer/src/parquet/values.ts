import type { ByteSink } from './byte-sink.js';

const TWO_32 = 0x100000000;

/** PLAIN INT64 from safe integers held in doubles: two's complement as low and high 32-bit words. */
export function writeInt64Plain(sink: ByteSink, values: Float64Array, count: number): void {
  sink.reserve(count * 8);
  const view = sink.view;
  let p = sink.length;
  for (let i = 0; i < count; i++) {
    const v = values[i] as number;
    const hi = Math.floor(v / TWO_32);
    view.setUint32(p, v - hi * TWO_32, true);
    view.setInt32(p + 4, hi, true);
    p += 8;
  }
  sink.length = p;
}

/**
 * BYTE_STREAM_SPLIT: byte `b` of value `i` goes to stream `b` at position `i`, streams one after the
 * other. `bytes` holds `count` little-endian values of `width` bytes.
 */
export function writeByteStreamSplit(sink: ByteSink, bytes: Uint8Array, count: number, width: number): void {
  sink.reserve(count * width);
  const out = sink.bytes;
  const base = sink.length;
  for (let b = 0; b < width; b++) {
    const stream = base + b * count;
    for (let i = 0, s = b; i < count; i++, s += width) out[stream + i] = bytes[s] as number;
  }
  sink.length = base + count * width;
}

/** Bits needed for a non-negative integer below 2^53. */
export function bitWidth(x: number): number {
  if (x < TWO_32) return 32 - Math.clz32(x);
  return 64 - Math.clz32(Math.floor(x / TWO_32));
}

const BLOCK = 128;
const MINIBLOCKS = 4;
const PER_MINIBLOCK = BLOCK / MINIBLOCKS; // 32: a miniblock of any width ends on a byte boundary
/** Adjusted deltas of one block, padded with zeros to a whole number of miniblocks. */
const adjusted = new Float64Array(BLOCK);

/**
 * DELTA_BINARY_PACKED of `count` integers whose range (max − min) is below 2^52, so that every delta
 * and every delta minus the block's minimum is exact in a double. Header: block size 128, 4 miniblocks
 * of 32, value count, first value; then per block of deltas: the minimum delta, the 4 miniblock bit
 * widths (0 for miniblocks past the last delta) and the miniblocks that hold deltas, bit-packed LSB
 * first, the last one padded with zeros.
 */
export function writeDeltaBinaryPacked(sink: ByteSink, values: Float64Array, count: number): void {
  sink.varint(BLOCK);
  sink.varint(MINIBLOCKS);
  sink.varint(count);
  const first = values[0] ?? 0;
  if (first > -0x10000000000000 && first < 0x10000000000000) sink.zigzag(first);
  else sink.zigzagBig(BigInt(first));
  const deltas = count - 1;
  for (let start = 0; start < deltas; start += BLOCK) {
    const inBlock = Math.min(BLOCK, deltas - start);
    let min = Number.POSITIVE_INFINITY;
    for (let j = 0; j < inBlock; j++) {
      const d = (values[start + j + 1] as number) - (values[start + j] as number);
      adjusted[j] = d;
      if (d < min) min = d;
    }
    for (let j = 0; j < inBlock; j++) adjusted[j] = (adjusted[j] as number) - min;
    adjusted.fill(0, inBlock);
    sink.zigzag(min);
    const used = Math.ceil(inBlock / PER_MINIBLOCK);
    sink.reserve(MINIBLOCKS);
    const widthsAt = sink.length;
    for (let m = 0; m < MINIBLOCKS; m++) {
      let max = 0;
      if (m < used) {
        for (let j = m * PER_MINIBLOCK; j < (m + 1) * PER_MINIBLOCK; j++) {
          if ((adjusted[j] as number) > max) max = adjusted[j] as number;
        }
      }
      sink.bytes[widthsAt + m] = bitWidth(max);
    }
    sink.length = widthsAt + MINIBLOCKS;
    for (let m = 0; m < used; m++) {
      packMiniblock(sink, m * PER_MINIBLOCK, sink.bytes[widthsAt + m] as number);
    }
  }
}

/** Packs 32 adjusted deltas at `width` bits each (LSB first): exactly 4 × width bytes. */
function packMiniblock(sink: ByteSink, from: number, width: number): void {
  if (width === 0) return;
  sink.reserve(4 * width);
  const out = sink.bytes;
  let p = sink.length;
  let acc = 0;
  let bits = 0;
  for (let j = from; j < from + PER_MINIBLOCK; j++) {
    let v = adjusted[j] as number;
    let w = width;
    // Up to 24 bits at a time keep `acc` (< 8 pending bits + 24) inside 32-bit integer arithmetic.
    while (w > 24) {
      acc |= (v % 0x10000) << bits;
      bits += 16;
      v = Math.floor(v / 0x10000);
      w -= 16;
      while (bits >= 8) {
        out[p++] = acc & 0xff;
        acc >>>= 8;
        bits -= 8;
      }
    }
    acc |= v << bits;
    bits += w;
    while (bits >= 8) {
      out[p++] = acc & 0xff;
      acc >>>= 8;
      bits -= 8;
    }
  }
  sink.length = p;
}
