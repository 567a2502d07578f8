import type { LakeCompression } from '../codecs.js';
import type { LakeSchema } from '../schema.js';
import { ByteSink } from './byte-sink.js';
import { type ColumnChunkMeta, PHYSICAL_TYPE } from './column-chunk.js';
import { T, ThriftWriter } from './thrift.js';

/** parquet.thrift `CompressionCodec`. */
const CODEC: Record<LakeCompression, number> = { snappy: 1, gzip: 2, zstd: 6 };
const REQUIRED = 0;
const OPTIONAL = 1;
const CONVERTED_UTF8 = 0;
const CONVERTED_TIMESTAMP_MILLIS = 9;

const textEncoder = new TextEncoder();

interface SchemaTemplate {
  /** The encoded SchemaElement structs (root, then one per column), without the list header. */
  readonly elements: Uint8Array;
  readonly elementCount: number;
  /** Each column's name as UTF-8, for `path_in_schema`. */
  readonly names: readonly Uint8Array[];
}

const templates = new WeakMap<LakeSchema, SchemaTemplate>();

/**
 * The schema part of the footer is the same for every file of a schema: encoded once. `timestamp` is
 * REQUIRED INT64 with logical TIMESTAMP(MILLIS, isAdjustedToUTC) and converted TIMESTAMP_MILLIS;
 * every other column OPTIONAL; strings BYTE_ARRAY with logical STRING and converted UTF8.
 */
function schemaTemplate(schema: LakeSchema): SchemaTemplate {
  let template = templates.get(schema);
  if (template) return template;
  const sink = new ByteSink(1024);
  const w = new ThriftWriter(sink);
  w.enter();
  w.string(4, 'schema');
  w.i32(5, schema.allColumns.length);
  w.end();
  schema.allColumns.forEach((column, i) => {
    w.enter();
    w.i32(1, PHYSICAL_TYPE[column.type]);
    w.i32(3, i === 0 ? REQUIRED : OPTIONAL);
    w.string(4, column.name);
    if (column.type === 'string') {
      w.i32(6, CONVERTED_UTF8);
      w.struct(10); // LogicalType
      w.struct(1); // STRING
      w.end();
      w.end();
    } else if (column.type === 'timestamp-ms') {
      w.i32(6, CONVERTED_TIMESTAMP_MILLIS);
      w.struct(10); // LogicalType
      w.struct(8); // TIMESTAMP
      w.bool(1, true); // isAdjustedToUTC: DuckDB reads TIMESTAMP WITH TIME ZONE
      w.struct(2); // unit
      w.struct(1); // MILLIS
      w.end();
      w.end();
      w.end();
      w.end();
    }
    w.end();
  });
  template = {
    elements: sink.written().slice(),
    elementCount: schema.allColumns.length + 1,
    names: schema.allColumns.map((c) => textEncoder.encode(c.name)),
  };
  templates.set(schema, template);
  return template;
}

export interface FileMetadataInput {
  readonly schema: LakeSchema;
  readonly rowCount: number;
  readonly chunks: readonly ColumnChunkMeta[];
  readonly compression: LakeCompression;
  readonly metadata: readonly { key: string; value: string }[];
  readonly createdBy: string;
}

/** Writes FileMetaData (one row group) followed by its length; the caller adds the closing magic. */
export function writeFileMetadata(w: ThriftWriter, input: FileMetadataInput): void {
  const { schema, rowCount, chunks } = input;
  const template = schemaTemplate(schema);
  const sink = w.sink;
  const start = sink.length;
  w.enter();
  w.i32(1, 2); // version
  w.list(2, T.STRUCT, template.elementCount);
  sink.append(template.elements);
  w.i64(3, rowCount);
  w.list(4, T.STRUCT, 1);
  w.enter(); // RowGroup
  w.list(1, T.STRUCT, chunks.length);
  let uncompressed = 0;
  let compressed = 0;
  const codec = CODEC[input.compression];
  chunks.forEach((chunk, i) => {
    uncompressed += chunk.uncompressedSize;
    compressed += chunk.compressedSize;
    writeColumnChunkMeta(w, chunk, template.names[i] as Uint8Array, codec);
  });
  w.i64(2, uncompressed); // total_byte_size
  w.i64(3, rowCount);
  w.i64(6, compressed); // total_compressed_size
  w.end();
  w.list(5, T.STRUCT, input.metadata.length);
  for (const { key, value } of input.metadata) {
    w.enter();
    w.string(1, key);
    w.string(2, value);
    w.end();
  }
  w.string(6, input.createdBy);
  // column_orders: TYPE_ORDER for every column, so readers may use min/max of strings too.
  w.list(7, T.STRUCT, chunks.length);
  for (let i = 0; i < chunks.length; i++) {
    w.enter();
    w.struct(1);
    w.end();
    w.end();
  }
  w.end();
  sink.u32(sink.length - start);
}

function writeColumnChunkMeta(
  w: ThriftWriter,
  chunk: ColumnChunkMeta,
  name: Uint8Array,
  codec: number,
): void {
  const { statistics } = chunk;
  w.enter(); // ColumnChunk
  w.i64(2, chunk.offset); // file_offset: where the chunk starts
  w.struct(3); // ColumnMetaData
  w.i32(1, chunk.type);
  w.list(2, T.I32, 1);
  w.listI32(chunk.encoding);
  w.list(3, T.BINARY, 1);
  w.listBinary(name);
  w.i32(4, codec);
  w.i64(5, chunk.numValues);
  w.i64(6, chunk.uncompressedSize);
  w.i64(7, chunk.compressedSize);
  w.i64(9, chunk.offset); // data_page_offset
  w.struct(12); // Statistics
  w.i64(3, statistics.nullCount);
  if (statistics.max) w.binary(5, statistics.max);
  if (statistics.min) w.binary(6, statistics.min);
  if (!statistics.maxExact) w.bool(7, false);
  if (!statistics.minExact) w.bool(8, false);
  if (statistics.nanCount !== undefined) w.i64(9, statistics.nanCount);
  w.end();
  // No encoding_stats: with one data page and no dictionary they would repeat `encodings`.
  w.end(); // ColumnMetaData
  w.end(); // ColumnChunk
}
