import { type ByteSink, writeZigzagSafe } from './byte-sink.js';

/** Thrift compact protocol type codes (the 4 low bits of a field header or list header). */
export const T = {
  TRUE: 1,
  FALSE: 2,
  I32: 5,
  I64: 6,
  BINARY: 8,
  LIST: 9,
  STRUCT: 12,
} as const;

const textEncoder = new TextEncoder();

/**
 * Writes thrift compact protocol structs field by field. Field ids must rise within a struct, as
 * Parquet's own structs list them; the field header stores the id as a delta from the previous one.
 */
export class ThriftWriter {
  private last = 0;
  private readonly outer: number[] = [];

  constructor(readonly sink: ByteSink) {}

  private header(id: number, type: number): void {
    const delta = id - this.last;
    if (delta > 0 && delta <= 15) {
      this.sink.byte((delta << 4) | type);
    } else {
      this.sink.byte(type);
      this.sink.zigzag(id);
    }
    this.last = id;
  }

  i32(id: number, v: number): void {
    this.header(id, T.I32);
    this.sink.zigzag(v);
  }

  /** An i64 field from a safe integer. */
  i64(id: number, v: number): void {
    this.header(id, T.I64);
    writeZigzagSafe(this.sink, v);
  }

  bool(id: number, v: boolean): void {
    this.header(id, v ? T.TRUE : T.FALSE);
  }

  binary(id: number, bytes: Uint8Array): void {
    this.header(id, T.BINARY);
    this.sink.varint(bytes.length);
    this.sink.append(bytes);
  }

  string(id: number, s: string): void {
    this.binary(id, textEncoder.encode(s));
  }

  /** Starts a struct field; its fields follow, then `end()`. */
  struct(id: number): void {
    this.header(id, T.STRUCT);
    this.enter();
  }

  /** Starts a struct that is an element of a list (no field header). */
  enter(): void {
    this.outer.push(this.last);
    this.last = 0;
  }

  /** Ends the current struct (the stop byte). */
  end(): void {
    this.sink.byte(0);
    this.last = this.outer.pop() ?? 0;
  }

  /** Starts a list field of `size` elements of `elementType`; the caller writes the elements. */
  list(id: number, elementType: number, size: number): void {
    this.header(id, T.LIST);
    if (size < 15) {
      this.sink.byte((size << 4) | elementType);
    } else {
      this.sink.byte(0xf0 | elementType);
      this.sink.varint(size);
    }
  }

  /** A list element of type I32. */
  listI32(v: number): void {
    this.sink.zigzag(v);
  }

  /** A list element of type BINARY. */
  listBinary(bytes: Uint8Array): void {
    this.sink.varint(bytes.length);
    this.sink.append(bytes);
  }
}
