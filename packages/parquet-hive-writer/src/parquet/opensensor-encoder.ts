import pkg from '../../package.json' with { type: 'json' };
import type { EncodeRequest, ParquetEncoder } from '../encoder.js';
import type { PreparedSource } from '../rows.js';
import { ByteSink, LITTLE_ENDIAN } from './byte-sink.js';
import { type ColumnChunkMeta, writeColumnChunk } from './column-chunk.js';
import { writeFileMetadata } from './file-metadata.js';
import { ThriftWriter } from './thrift.js';

const MAGIC = 0x31524150; // "PAR1" read as a little-endian u32

/**
 * This package's own Parquet writer, for exactly the lake's schemas: flat columns (`timestamp`
 * REQUIRED, the rest OPTIONAL) of float, double, int32, int64, boolean, string and timestamp-ms; one
 * row group; one DATA_PAGE_V2 page per column; statistics. `compact`: timestamps DELTA_BINARY_PACKED,
 * FLOAT/DOUBLE BYTE_STREAM_SPLIT, the rest PLAIN; `plain`: PLAIN everywhere. Needs a codec with a
 * compressor (zstd, gzip); see docs/decisions/0303-own-parquet-encoder.md.
 */
export const opensensorEncoder: ParquetEncoder = {
  id: `opensensor-parquet ${pkg.version}`,
  encode(request: EncodeRequest): Uint8Array {
    if (!LITTLE_ENDIAN) throw new Error('the opensensor Parquet encoder needs a little-endian platform');
    const { schema, columns, codec } = request;
    const compact = (request.encodings ?? 'compact') === 'compact';
    const n = columns.rowCount;
    const sink = new ByteSink(Math.max(16384, n * schema.allColumns.length * 2));
    const w = new ThriftWriter(sink);
    sink.u32(MAGIC);
    const chunks: ColumnChunkMeta[] = [];
    // `sources` keeps typed columns typed; `data` (for callers that built only that) has them as
    // per-value arrays.
    const sources: readonly PreparedSource[] = columns.sources ?? columns.data.map((values) => ({ values }));
    schema.allColumns.forEach((column, i) => {
      const source = sources[i];
      const typed = source?.typed;
      const values = source?.values ?? [];
      chunks.push(writeColumnChunk(w, column.type, i === 0, values, typed, n, codec, compact));
    });
    writeFileMetadata(w, {
      schema,
      rowCount: n,
      chunks,
      compression: codec.compression,
      metadata: request.metadata,
      createdBy: request.createdBy,
    });
    sink.u32(MAGIC);
    return sink.written();
  },
};

/** Whether `opensensorEncoder` can write with this codec: it brings no snappy compressor of its own. */
export function opensensorEncoderSupports(codec: { compress: unknown }): boolean {
  return codec.compress !== undefined;
}
