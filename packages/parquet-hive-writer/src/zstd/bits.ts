/**
 * Bit output for zstd (RFC 8878). Bits go in least-significant first; the entropy-coded streams are
 * read backwards from their last byte, whose highest set bit marks where they end (`close`).
 *
 * Writes past the end of `out` are dropped by the typed array but still counted in `pos`, so a caller
 * that sized `out` to what the result may cost compares `pos` with `out.length` afterwards and falls
 * back to storing the bytes uncompressed. Nothing here throws on the way.
 */
export class BitWriter {
  out: Uint8Array;
  pos: number;
  private acc = 0;
  private n = 0;

  constructor(out: Uint8Array, pos: number) {
    this.out = out;
    this.pos = pos;
  }

  /** Appends the low `bits` bits of `value` (`value < 2 ** bits`, `bits <= 24`). */
  add(value: number, bits: number): void {
    this.acc |= value << this.n;
    this.n += bits;
    while (this.n >= 8) {
      this.out[this.pos++] = this.acc & 0xff;
      this.acc >>>= 8;
      this.n -= 8;
    }
  }

  /** Pads to a whole byte with zeros (a table description ends so). Returns the end position. */
  align(): number {
    if (this.n > 0) {
      this.out[this.pos++] = this.acc & 0xff;
      this.acc = 0;
      this.n = 0;
    }
    return this.pos;
  }

  /** Ends a backward-read stream: a 1 bit, then zeros to the byte. Returns the end position. */
  close(): number {
    this.add(1, 1);
    return this.align();
  }
}

/** Index of the highest set bit of `v > 0`. */
export function highBit(v: number): number {
  return 31 - Math.clz32(v);
}
