/**
 * @opensensor/s3-sync — idempotent, resumable upload of a Hive-partitioned Parquet lake to
 * S3-compatible storage, driven by a local ledger instead of bucket listings.
 */

export {
  /** @deprecated import `Clock` from `@opensensor/errors`, where every package's clock type is declared. */
  type Clock,
  /** @deprecated import `realSleep` from `@opensensor/errors`. */
  realSleep,
  /** @deprecated import `Sleep` from `@opensensor/errors`, where every package's sleep type is declared. */
  type Sleep,
  /** @deprecated import `systemClock` from `@opensensor/errors`. */
  systemClock,
} from '@opensensor/errors';
export { digestFile, type FileDigest } from './checksum.js';
export {
  type DownloadedObject,
  downloadObject,
  type ListedObject,
  type ListObjectsOptions,
  listObjects,
  type ReadOptions,
} from './download.js';
export {
  ConflictError,
  LedgerError,
  S3SyncError,
  type S3SyncErrorCode,
  S3SyncOptionsError,
  UploadError,
} from './errors.js';
export {
  defaultHealthPrefix,
  isEligibleLakePath,
  type LakeFile,
  type LakeStream,
  lakeObjectKey,
  listLakeFiles,
  normalizeKeyPrefix,
} from './lake-files.js';
export {
  Ledger,
  type LedgerEntry,
  type LedgerLoadReport,
  type OpenLedgerOptions,
  openLedger,
  type UploadMethod,
} from './ledger.js';
export { checkParquetFile, type ParquetCheckResult } from './parquet-check.js';
export { probeWrite, type WriteProbeResult } from './probe.js';
export {
  createProgressBar,
  createProgressLog,
  formatBytes,
  formatLedgerRepair,
  formatSyncSummary,
  type ProgressLogOptions,
  type ProgressStream,
  syncExitCode,
} from './progress.js';
export { defaultQuarantineDir, inspectQuarantine, moveWithoutOverwrite } from './quarantine.js';
export {
  applyRetention,
  type RetainedFile,
  type RetentionOptions,
  type RetentionReport,
} from './retention.js';
export { backoffDelay, DEFAULT_RETRY, type RetryPolicy } from './retry.js';
export {
  type LedgerRepair,
  type PlannedUpload,
  type QuarantinedFile,
  type SyncFileError,
  type SyncFileOutcome,
  type SyncOptions,
  type SyncProgressEvent,
  type SyncSummary,
  syncLake,
} from './sync.js';
export {
  type ChecksumMode,
  type ClientTargetOptions,
  type ConditionalWriteMode,
  createS3Target,
  type ResolvedTargetSettings,
  resolveTargetSettings,
  type S3Credentials,
  type S3Target,
  type S3TargetOptions,
  STORAGE_PROVIDERS,
  type StorageProvider,
  s3TargetFromClient,
} from './target.js';
export { type MultipartSettings, SHA256_METADATA_KEY } from './upload.js';
export {
  type FileUploadState,
  fileUploadStates,
  type UploadDestination,
  type UploadStatus,
  type UploadStatusOptions,
  uploadStatus,
} from './upload-status.js';
