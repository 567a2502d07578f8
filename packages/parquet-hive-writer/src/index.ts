/**
 * @opensensor/parquet-hive-writer: readings to Parquet files in a Hive-partitioned lake
 * (`station=…/year=…/month=…/day=…/data_HHMM.parquet`), written atomically and idempotently.
 */
export { fsyncDir as syncDirectory } from '@opensensor/buffer';
export { cleanupTempFiles } from './atomic-file.js';
export {
  LAKE_COMPRESSIONS,
  type LakeCompression,
  type LoadedCodec,
  loadCodec,
  type PageCompressor,
  ZSTD_LEVEL,
  type ZstdImplementation,
} from './codecs.js';
export {
  type EncodeRequest,
  hyparquetEncoder,
  LAKE_ENCODINGS,
  type LakeEncodings,
  type ParquetEncoder,
  parquetSchemaOf,
} from './encoder.js';
export {
  BatchOverlapError,
  CodecError,
  type ExistingBatch,
  FileConflictError,
  type LakeErrorCode,
  LakeOptionsError,
  LakeSchemaError,
  LakeWriteError,
  RowsError,
  StationIdError,
  WindowError,
} from './errors.js';
export { FOOTER_KEYS, type LakeFileFooter, readLakeFooter } from './footer.js';
export {
  assertStationId,
  type HivePathOptions,
  hivePath,
  isTempFileName,
  LAKE_FILE_NAME,
  type LakeFileName,
  type LakeFilePrefix,
  type LakePath,
  lakeFileName,
  type PartitionDirOptions,
  type PartitionLevel,
  parseLakeFileName,
  parseLakePath,
  parsePartitionDirName,
  partitionDir,
} from './hive-path.js';
export { opensensorEncoder } from './parquet/opensensor-encoder.js';
export {
  type ColumnValues,
  type MaskedColumn,
  type NonFinitePolicy,
  type NumericTypedArray,
  type PreparedColumns,
  type PreparedSource,
  prepareColumns,
  rowsFromRecords,
  type TypedColumn,
  type WindowRows,
} from './rows.js';
export {
  defineLakeSchema,
  type LakeColumn,
  type LakeColumnType,
  type LakeSchema,
  type LakeSchemaDefinition,
  TIMESTAMP_COLUMN,
} from './schema.js';
export { HEALTH_SCHEMA, SENSOR_SCHEMA } from './schemas.js';
export {
  assertBatchDuration,
  BATCH_DURATIONS_SEC,
  type LakeWindow,
  nextWindow,
  type PartitionKey,
  windowOf,
} from './window.js';
export {
  listWindowFiles,
  type SequenceNumber,
  WRITER_NAME,
  WRITER_VERSION,
  type WriteWindowFileOptions,
  type WriteWindowFileResult,
  writeWindowFile,
} from './write-window-file.js';
