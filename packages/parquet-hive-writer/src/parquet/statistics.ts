/**
 * Column chunk statistics as the footer stores them: min/max in their PLAIN byte form (byte arrays
 * without the length prefix), the null count, and for FLOAT/DOUBLE the NaN count.
 */
export interface ChunkStatistics {
  nullCount: number;
  min: Uint8Array | undefined;
  max: Uint8Array | undefined;
  /** False when `min` is a truncated (shorter, lower) bound; true when it is the value itself. */
  minExact: boolean;
  maxExact: boolean;
  /** FLOAT/DOUBLE only. */
  nanCount: number | undefined;
}

const scratch = new DataView(new ArrayBuffer(8));
const scratchBytes = new Uint8Array(scratch.buffer);

function copy(length: number): Uint8Array {
  // A small typed array lives on the heap: cheaper than slicing an ArrayBuffer.
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = scratchBytes[i] as number;
  return out;
}

/**
 * Parquet orders signed zeros as one value but asks writers for −0 as a zero min and +0 as a zero max,
 * so that a reader comparing with either zero keeps the chunk.
 */
export function floatBound(v: number, isMax: boolean, width: 4 | 8): Uint8Array {
  const value = v === 0 ? (isMax ? 0 : -0) : v;
  if (width === 4) scratch.setFloat32(0, value, true);
  else scratch.setFloat64(0, value, true);
  return copy(width);
}

export function int32Bound(v: number): Uint8Array {
  scratch.setInt32(0, v, true);
  return copy(4);
}

/** An INT64 bound from a safe integer. */
export function int64Bound(v: number | bigint): Uint8Array {
  scratch.setBigInt64(0, BigInt(v), true);
  return copy(8);
}

/** Byte-array bounds longer than this are truncated (a prefix for min, a rounded-up prefix for max). */
export const BOUND_LENGTH = 16;

/** Start of the UTF-8 code point that holds byte `i` (continuation bytes are 10xxxxxx). */
function codePointStart(bytes: Uint8Array, i: number): number {
  while (i > 0 && ((bytes[i] as number) & 0xc0) === 0x80) i--;
  return i;
}

/** Longest prefix of at most BOUND_LENGTH bytes that ends on a code point boundary. */
function prefixEnd(bytes: Uint8Array): number {
  return codePointStart(bytes, BOUND_LENGTH);
}

function decodeCodePoint(bytes: Uint8Array, at: number, end: number): number {
  const b0 = bytes[at] as number;
  const size = end - at;
  if (size === 1) return b0;
  if (size === 2) return ((b0 & 0x1f) << 6) | ((bytes[at + 1] as number) & 0x3f);
  if (size === 3) {
    return (
      ((b0 & 0x0f) << 12) | (((bytes[at + 1] as number) & 0x3f) << 6) | ((bytes[at + 2] as number) & 0x3f)
    );
  }
  return (
    ((b0 & 0x07) << 18) |
    (((bytes[at + 1] as number) & 0x3f) << 12) |
    (((bytes[at + 2] as number) & 0x3f) << 6) |
    ((bytes[at + 3] as number) & 0x3f)
  );
}

const textEncoder = new TextEncoder();

/** A UTF-8 min bound: the value itself when short, else its longest short prefix (inexact). */
export function stringMinBound(bytes: Uint8Array): { bound: Uint8Array; exact: boolean } {
  if (bytes.length <= BOUND_LENGTH) return { bound: bytes, exact: true };
  return { bound: bytes.slice(0, prefixEnd(bytes)), exact: false };
}

/**
 * A UTF-8 max bound: the value itself when short; else a short prefix whose last code point is
 * replaced by its successor (skipping the surrogate range), which sorts after every string with that
 * prefix. When no code point of the prefix can be raised within the length (all U+10FFFF), the
 * whole value is kept, exactly.
 */
export function stringMaxBound(bytes: Uint8Array): { bound: Uint8Array; exact: boolean } {
  if (bytes.length <= BOUND_LENGTH) return { bound: bytes, exact: true };
  let end = prefixEnd(bytes);
  while (end > 0) {
    const start = codePointStart(bytes, end - 1);
    const code = decodeCodePoint(bytes, start, end);
    end = start;
    if (code === 0x10ffff) continue;
    const next = textEncoder.encode(String.fromCodePoint(code === 0xd7ff ? 0xe000 : code + 1));
    if (start + next.length > BOUND_LENGTH) continue;
    const bound = new Uint8Array(start + next.length);
    bound.set(bytes.subarray(0, start));
    bound.set(next, start);
    return { bound, exact: false };
  }
  return { bound: bytes, exact: true };
}

/** Unsigned lexicographic order of two byte ranges: Parquet's order for UTF-8 strings. */
export function compareBytes(
  a: Uint8Array,
  aFrom: number,
  aLength: number,
  b: Uint8Array,
  bFrom: number,
  bLength: number,
): number {
  const n = Math.min(aLength, bLength);
  for (let i = 0; i < n; i++) {
    const d = (a[aFrom + i] as number) - (b[bFrom + i] as number);
    if (d !== 0) return d;
  }
  return aLength - bLength;
}
