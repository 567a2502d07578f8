/**
 * A growable little-endian byte buffer: the one place the encoder writes bytes. Reused between files
 * where it is scratch space, so a warm encoder allocates per column, not per value.
 */
export class ByteSink {
  bytes: Uint8Array;
  view: DataView;
  length = 0;

  constructor(capacity = 4096) {
    this.bytes = new Uint8Array(capacity);
    this.view = new DataView(this.bytes.buffer);
  }

  reset(): void {
    this.length = 0;
  }

  /** Makes room for `extra` more bytes. */
  reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.bytes.length) return;
    let capacity = this.bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  /** The bytes written so far, as a view: valid until the next write or reset. */
  written(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  byte(b: number): void {
    if (this.length === this.bytes.length) this.reserve(1);
    this.bytes[this.length++] = b;
  }

  append(src: Uint8Array): void {
    this.reserve(src.length);
    this.bytes.set(src, this.length);
    this.length += src.length;
  }

  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }

  /** ULEB128 of a non-negative integer up to 2^53 (exact in a double). */
  varint(v: number): void {
    this.reserve(8);
    if (v < 0x80) {
      this.bytes[this.length++] = v;
      return;
    }
    // Below 2^31, integer shifts; beyond, exact division.
    if (v < 0x80000000) {
      while (v >= 0x80) {
        this.bytes[this.length++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      this.bytes[this.length++] = v;
      return;
    }
    while (v >= 0x80) {
      this.bytes[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.bytes[this.length++] = v;
  }

  /** Zigzag ULEB128 of an integer with |v| < 2^52; `zigzagBig` beyond. */
  zigzag(v: number): void {
    this.varint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  zigzagBig(v: bigint): void {
    let u = v >= 0n ? v << 1n : (-v << 1n) - 1n;
    this.reserve(10);
    while (u >= 0x80n) {
      this.bytes[this.length++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.bytes[this.length++] = Number(u);
  }
}

/** Zigzag ULEB128 of any safe integer: exact arithmetic beyond 2^52, where doubles lose the last bit. */
export function writeZigzagSafe(sink: ByteSink, v: number): void {
  if (v > -0x10000000000000 && v < 0x10000000000000) sink.zigzag(v);
  else sink.zigzagBig(BigInt(v));
}

/** Typed-array views write in platform byte order; Parquet is little-endian, so the encoder needs LE. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
