import { createRequire } from 'node:module';
import type { CompressionCodec, Encoding, KeyValue, SchemaElement } from 'hyparquet';
import type { ColumnSource } from 'hyparquet-writer';
import type { LoadedCodec } from './codecs.js';
import type { PreparedColumns } from './rows.js';
import type { LakeColumnType, LakeSchema } from './schema.js';

/**
 * How values are laid out before compression. `compact` (the default): `timestamp` as
 * DELTA_BINARY_PACKED (a window's regular steps pack into a few bits each) and FLOAT/DOUBLE columns as
 * BYTE_STREAM_SPLIT (each value's bytes split into streams of like bytes, which the codec then
 * compresses far better than noisy floats side by side); 19 % smaller files at zstd, read by DuckDB,
 * Polars, PyArrow, Spark ≥ 3.2 and hyparquet. `plain`: for readers that predate those encodings;
 * `opensensorEncoder` writes every column PLAIN, hyparquet-writer PLAIN or dictionary as it samples.
 */
export type LakeEncodings = 'compact' | 'plain';
export const LAKE_ENCODINGS: readonly LakeEncodings[] = ['compact', 'plain'];

/** What an encoder gets: validated columns in schema order, a loaded codec and the footer metadata. */
export interface EncodeRequest {
  readonly schema: LakeSchema;
  readonly columns: PreparedColumns;
  readonly codec: LoadedCodec;
  /** Default `compact`. */
  readonly encodings?: LakeEncodings;
  readonly metadata: readonly { key: string; value: string }[];
  readonly createdBy: string;
}

/**
 * Turns one window into the bytes of one Parquet file. The writer depends only on this, so the
 * encoder library can be swapped (see docs/decisions/0300-parquet-encoder.md).
 */
export interface ParquetEncoder {
  /** Encoder name and version, e.g. `opensensor-parquet 0.1.0`; written into `created_by`. */
  readonly id: string;
  /** Loads what `encode` needs, if it is loaded lazily; `writeWindowFile` awaits it before encoding. */
  load?(): Promise<void>;
  encode(request: EncodeRequest): Uint8Array;
}

type HyparquetWriter = typeof import('hyparquet-writer');
let writerModule: HyparquetWriter | undefined;

/**
 * hyparquet-writer (with the part of hyparquet it uses) takes about 40 ms and a few MB to load, and
 * the agent first needs it when its first window closes, 15 minutes after start: so it is loaded
 * then, not when this package is imported.
 */
async function loadWriter(): Promise<void> {
  writerModule ??= await import('hyparquet-writer');
}

function writer(): HyparquetWriter {
  // A caller that skipped `load()` still works: Node >= 20.19 can require an ES module synchronously.
  writerModule ??= createRequire(import.meta.url)('hyparquet-writer') as HyparquetWriter;
  return writerModule;
}

const PHYSICAL: Record<LakeColumnType, Omit<SchemaElement, 'name'>> = {
  float: { type: 'FLOAT' },
  double: { type: 'DOUBLE' },
  int32: { type: 'INT32' },
  int64: { type: 'INT64' },
  boolean: { type: 'BOOLEAN' },
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } },
  // Logical TIMESTAMP with isAdjustedToUTC makes DuckDB, Arrow and Spark read an instant
  // (TIMESTAMP WITH TIME ZONE); the converted type is kept for readers that predate logical types.
  'timestamp-ms': {
    type: 'INT64',
    converted_type: 'TIMESTAMP_MILLIS',
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
  },
};

/** The Parquet schema elements of a lake schema: `timestamp` REQUIRED, every other column OPTIONAL. */
export function parquetSchemaOf(schema: LakeSchema): SchemaElement[] {
  return [
    { name: 'schema', num_children: schema.allColumns.length },
    ...schema.allColumns.map(
      (c, i): SchemaElement => ({
        name: c.name,
        ...PHYSICAL[c.type],
        repetition_type: i === 0 ? 'REQUIRED' : 'OPTIONAL',
      }),
    ),
  ];
}

const CODEC_NAMES: Record<LoadedCodec['compression'], CompressionCodec> = {
  snappy: 'SNAPPY',
  zstd: 'ZSTD',
  gzip: 'GZIP',
};

export const HYPARQUET_WRITER_VERSION = '0.17.0';

const COMPACT: Partial<Record<LakeColumnType, Encoding>> = {
  'timestamp-ms': 'DELTA_BINARY_PACKED',
  float: 'BYTE_STREAM_SPLIT',
  double: 'BYTE_STREAM_SPLIT',
};

/**
 * hyparquet-writer (pure JS), one row group per file, statistics on: the encoder before
 * `opensensorEncoder` (docs/decisions/0303-own-parquet-encoder.md), still the one for snappy.
 */
export const hyparquetEncoder: ParquetEncoder = {
  id: `hyparquet-writer ${HYPARQUET_WRITER_VERSION}`,
  load: loadWriter,
  encode({ schema, columns, codec, encodings = 'compact', metadata, createdBy }) {
    const codecName = CODEC_NAMES[codec.compression];
    const { ByteWriter, parquetWrite } = writer();
    const out = new ByteWriter();
    const result = parquetWrite({
      writer: out,
      schema: parquetSchemaOf(schema),
      columnData: schema.allColumns.map((c, i): ColumnSource => {
        const encoding = encodings === 'compact' ? COMPACT[c.type] : undefined;
        return {
          name: c.name,
          data: columns.data[i] as ColumnSource['data'],
          ...(encoding ? { encoding } : {}),
        };
      }),
      codec: codecName,
      compressors: codec.compress ? { [codecName]: codec.compress } : {},
      statistics: true,
      // A window is small (180 rows at the default cadence): one row group keeps footers small and
      // statistics per file.
      rowGroupSize: Math.max(columns.rowCount, 1),
      kvMetadata: metadata as KeyValue[],
      createdBy,
    });
    if (result instanceof Promise) throw new Error('hyparquet-writer returned a Promise for a ByteWriter');
    return out.getBytes();
  },
};
