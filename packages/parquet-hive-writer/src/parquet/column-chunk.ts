import type { LoadedCodec } from '../codecs.js';
import type { TypedColumn } from '../rows.js';
import type { LakeColumnType } from '../schema.js';
import { ByteSink } from './byte-sink.js';
import { writeDefinitionLevels } from './levels.js';
import {
  type ChunkStatistics,
  compareBytes,
  floatBound,
  int32Bound,
  int64Bound,
  stringMaxBound,
  stringMinBound,
} from './statistics.js';
import type { ThriftWriter } from './thrift.js';
import { writeByteStreamSplit, writeDeltaBinaryPacked, writeInt64Plain } from './values.js';

/** Parquet physical types (parquet.thrift `Type`). */
export const PHYSICAL_TYPE: Record<LakeColumnType, number> = {
  boolean: 0,
  int32: 1,
  int64: 2,
  'timestamp-ms': 2,
  float: 4,
  double: 5,
  string: 6,
};

/** parquet.thrift `Encoding` values this encoder writes. */
export const ENCODING = { PLAIN: 0, DELTA_BINARY_PACKED: 5, BYTE_STREAM_SPLIT: 9 } as const;
const DATA_PAGE_V2 = 3;
/** Timestamps whose range is below this are delta-packed with exact double arithmetic. */
const DELTA_RANGE_LIMIT = 2 ** 52;

/** What the footer needs to know about a written column chunk (one DATA_PAGE_V2 page). */
export interface ColumnChunkMeta {
  readonly type: number;
  readonly encoding: number;
  /** File offset of the page header: both the chunk's and its data page's offset. */
  readonly offset: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly numValues: number;
  readonly statistics: ChunkStatistics;
}

// Scratch space shared by every call: `encode` is synchronous, so one set serves every file.
const levels = new ByteSink(1024);
const values = new ByteSink(8192);
let defined = new Uint8Array(1024);
let numbers = new Float64Array(1024);
let numberBytes = new Uint8Array(numbers.buffer);
let floats = new Float32Array(1024);
let floatBytes = new Uint8Array(floats.buffer);
let ints = new Int32Array(1024);
let bigints = new BigInt64Array(1024);

function ensureScratch(n: number): void {
  if (defined.length >= n) return;
  let size = defined.length;
  while (size < n) size *= 2;
  defined = new Uint8Array(size);
  numbers = new Float64Array(size);
  numberBytes = new Uint8Array(numbers.buffer);
  floats = new Float32Array(size);
  floatBytes = new Uint8Array(floats.buffer);
  ints = new Int32Array(size);
  bigints = new BigInt64Array(size);
}

/** Numbers and nulls into `numbers` (non-null values, in order) and `defined`; returns the value count. */
function gatherNumbers(data: ArrayLike<unknown>, n: number): number {
  if (ArrayBuffer.isView(data)) {
    // A typed array has no nulls: one conversion copy instead of a loop over values.
    numbers.set(data as unknown as ArrayLike<number>);
    defined.fill(1, 0, n);
    return n;
  }
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if (v === null || v === undefined) {
      defined[i] = 0;
    } else {
      defined[i] = 1;
      numbers[m++] = v as number;
    }
  }
  return m;
}

/** The same from a typed column and its null mask. */
function gatherTyped({ values: src, nulls }: TypedColumn, n: number): number {
  if (!nulls) {
    numbers.set(src);
    defined.fill(1, 0, n);
    return n;
  }
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (nulls[i] !== 0) {
      defined[i] = 0;
    } else {
      defined[i] = 1;
      numbers[m++] = src[i] as number;
    }
  }
  return m;
}

function emptyStatistics(nullCount: number, nanCount: number | undefined): ChunkStatistics {
  return { nullCount, min: undefined, max: undefined, minExact: true, maxExact: true, nanCount };
}

/** FLOAT or DOUBLE values (`src` holds `m` of them): min/max skip NaN, which is counted instead. */
function floatStatistics(
  src: Float32Array | Float64Array,
  m: number,
  n: number,
  width: 4 | 8,
): ChunkStatistics {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let nan = 0;
  for (let i = 0; i < m; i++) {
    const v = src[i] as number;
    if (Number.isNaN(v)) {
      nan++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (nan === m) return emptyStatistics(n - m, nan);
  return {
    nullCount: n - m,
    min: floatBound(min, false, width),
    max: floatBound(max, true, width),
    minExact: true,
    maxExact: true,
    nanCount: nan,
  };
}

function numberRange(m: number): [number, number] {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < m; i++) {
    const v = numbers[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

/** Encodes one column's values into `values` and its statistics; returns the encoding used. */
function encodeValues(
  type: LakeColumnType,
  data: ArrayLike<unknown>,
  typed: TypedColumn | undefined,
  n: number,
  compact: boolean,
): { encoding: number; m: number; statistics: ChunkStatistics } {
  switch (type) {
    case 'float': {
      const m = typed ? gatherTyped(typed, n) : gatherNumbers(data, n);
      floats.set(numbers.subarray(0, m));
      const statistics = floatStatistics(floats, m, n, 4);
      if (compact && m > 0) {
        writeByteStreamSplit(values, floatBytes, m, 4);
        return { encoding: ENCODING.BYTE_STREAM_SPLIT, m, statistics };
      }
      values.append(floatBytes.subarray(0, m * 4));
      return { encoding: ENCODING.PLAIN, m, statistics };
    }
    case 'double': {
      const m = typed ? gatherTyped(typed, n) : gatherNumbers(data, n);
      const statistics = floatStatistics(numbers, m, n, 8);
      if (compact && m > 0) {
        writeByteStreamSplit(values, numberBytes, m, 8);
        return { encoding: ENCODING.BYTE_STREAM_SPLIT, m, statistics };
      }
      values.append(numberBytes.subarray(0, m * 8));
      return { encoding: ENCODING.PLAIN, m, statistics };
    }
    case 'int32': {
      const m = gatherNumbers(data, n);
      ints.set(numbers.subarray(0, m));
      const [min, max] = numberRange(m);
      values.append(new Uint8Array(ints.buffer, 0, m * 4));
      const statistics: ChunkStatistics =
        m === 0
          ? emptyStatistics(n, undefined)
          : { ...emptyStatistics(n - m, undefined), min: int32Bound(min), max: int32Bound(max) };
      return { encoding: ENCODING.PLAIN, m, statistics };
    }
    case 'timestamp-ms': {
      const m = gatherNumbers(data, n);
      if (m === 0) return { encoding: ENCODING.PLAIN, m, statistics: emptyStatistics(n, undefined) };
      const [min, max] = numberRange(m);
      const statistics = { ...emptyStatistics(n - m, undefined), min: int64Bound(min), max: int64Bound(max) };
      if (compact && max - min < DELTA_RANGE_LIMIT) {
        writeDeltaBinaryPacked(values, numbers, m);
        return { encoding: ENCODING.DELTA_BINARY_PACKED, m, statistics };
      }
      writeInt64Plain(values, numbers, m);
      return { encoding: ENCODING.PLAIN, m, statistics };
    }
    case 'int64': {
      let m = 0;
      let min = 0n;
      let max = 0n;
      for (let i = 0; i < n; i++) {
        const v = data[i];
        if (v === null || v === undefined) {
          defined[i] = 0;
          continue;
        }
        defined[i] = 1;
        const b = typeof v === 'bigint' ? v : BigInt(v as number);
        if (m === 0 || b < min) min = b;
        if (m === 0 || b > max) max = b;
        bigints[m++] = b;
      }
      values.append(new Uint8Array(bigints.buffer, 0, m * 8));
      const statistics: ChunkStatistics =
        m === 0
          ? emptyStatistics(n, undefined)
          : { ...emptyStatistics(n - m, undefined), min: int64Bound(min), max: int64Bound(max) };
      return { encoding: ENCODING.PLAIN, m, statistics };
    }
    case 'boolean': {
      // PLAIN booleans: one bit per value, LSB first.
      values.reserve(Math.ceil(n / 8));
      const out = values.bytes;
      const base = values.length;
      let m = 0;
      let anyTrue = false;
      let anyFalse = false;
      let acc = 0;
      for (let i = 0; i < n; i++) {
        const v = data[i];
        if (v === null || v === undefined) {
          defined[i] = 0;
          continue;
        }
        defined[i] = 1;
        if (v) {
          anyTrue = true;
          acc |= 1 << (m & 7);
        } else {
          anyFalse = true;
        }
        m++;
        if ((m & 7) === 0) {
          out[base + (m >> 3) - 1] = acc;
          acc = 0;
        }
      }
      if ((m & 7) !== 0) out[base + (m >> 3)] = acc;
      values.length = base + Math.ceil(m / 8);
      const statistics: ChunkStatistics =
        m === 0
          ? emptyStatistics(n, undefined)
          : {
              ...emptyStatistics(n - m, undefined),
              min: new Uint8Array([anyFalse ? 0 : 1]),
              max: new Uint8Array([anyTrue ? 1 : 0]),
            };
      return { encoding: ENCODING.PLAIN, m, statistics };
    }
    case 'string':
      return encodeStrings(data, n);
  }
}

/** PLAIN byte arrays (4-byte length + UTF-8), min/max in UTF-8 byte order, bounds truncated. */
function encodeStrings(
  data: ArrayLike<unknown>,
  n: number,
): { encoding: number; m: number; statistics: ChunkStatistics } {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if (typeof v === 'string') worst += 4 + 3 * v.length;
  }
  values.reserve(worst);
  const out = values.bytes;
  const buf = Buffer.from(out.buffer, out.byteOffset, out.length);
  let p = values.length;
  let m = 0;
  let minAt = -1;
  let minLength = 0;
  let maxAt = -1;
  let maxLength = 0;
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if (typeof v !== 'string') {
      defined[i] = 0;
      continue;
    }
    defined[i] = 1;
    m++;
    // Unpaired surrogates become U+FFFD, as TextEncoder writes them.
    const length = buf.write(v, p + 4, 'utf8');
    values.view.setUint32(p, length, true);
    const at = p + 4;
    if (minAt < 0 || compareBytes(out, at, length, out, minAt, minLength) < 0) {
      minAt = at;
      minLength = length;
    }
    if (maxAt < 0 || compareBytes(out, at, length, out, maxAt, maxLength) > 0) {
      maxAt = at;
      maxLength = length;
    }
    p = at + length;
  }
  values.length = p;
  if (m === 0) return { encoding: ENCODING.PLAIN, m, statistics: emptyStatistics(n, undefined) };
  const min = stringMinBound(out.slice(minAt, minAt + minLength));
  const max = stringMaxBound(out.slice(maxAt, maxAt + maxLength));
  return {
    encoding: ENCODING.PLAIN,
    m,
    statistics: {
      nullCount: n - m,
      min: min.bound,
      max: max.bound,
      minExact: min.exact,
      maxExact: max.exact,
      nanCount: undefined,
    },
  };
}

/**
 * Writes one column chunk as one DATA_PAGE_V2 page into `out`: page header, definition levels
 * (uncompressed, as V2 keeps them), then the values compressed with `codec`.
 */
export function writeColumnChunk(
  out: ThriftWriter,
  type: LakeColumnType,
  required: boolean,
  data: ArrayLike<unknown>,
  typed: TypedColumn | undefined,
  n: number,
  codec: LoadedCodec,
  compact: boolean,
): ColumnChunkMeta {
  const compress = codec.compress;
  if (!compress)
    throw new Error(`the opensensor Parquet encoder needs a compressor for ${codec.compression}`);
  ensureScratch(n);
  levels.reset();
  values.reset();
  const { encoding, m, statistics } = encodeValues(type, data, typed, n, compact);
  if (required && m !== n) throw new Error('a REQUIRED column (timestamp) holds a null');
  const levelBytes = required ? 0 : writeDefinitionLevels(levels, defined, n);
  const raw = values.written();
  const compressed = compress(raw);

  const sink = out.sink;
  const offset = sink.length;
  out.enter();
  out.i32(1, DATA_PAGE_V2);
  out.i32(2, levelBytes + raw.length);
  out.i32(3, levelBytes + compressed.length);
  out.struct(8);
  out.i32(1, n); // num_values
  out.i32(2, n - m); // num_nulls
  out.i32(3, n); // num_rows
  out.i32(4, encoding);
  out.i32(5, levelBytes);
  out.i32(6, 0); // repetition levels: flat columns have none
  out.end(); // is_compressed is left at its default, true
  out.end();
  const headerSize = sink.length - offset;
  sink.append(levels.written());
  sink.append(compressed);
  return {
    type: PHYSICAL_TYPE[type],
    encoding,
    offset,
    compressedSize: sink.length - offset,
    uncompressedSize: headerSize + levelBytes + raw.length,
    numValues: n,
    statistics,
  };
}
