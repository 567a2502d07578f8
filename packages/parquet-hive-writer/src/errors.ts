import { OpenSensorError } from '@opensensor/errors';
/**
 * Every error this package throws is a `LakeWriteError` with a stable `code`, so callers can branch on
 * the kind of failure without parsing messages. Messages name what was wrong and what to do.
 */
export type LakeErrorCode =
  | 'INVALID_SCHEMA'
  | 'INVALID_WINDOW'
  | 'INVALID_STATION_ID'
  | 'INVALID_OPTIONS'
  | 'UNKNOWN_COLUMN'
  | 'COLUMN_LENGTH'
  | 'INVALID_VALUE'
  | 'ROW_OUTSIDE_WINDOW'
  | 'BATCH_OVERLAP'
  | 'CODEC_UNAVAILABLE'
  | 'FILE_CONFLICT';

export class LakeWriteError extends OpenSensorError {
  declare readonly code: LakeErrorCode;
  constructor(code: LakeErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'LakeWriteError';
  }
}

/** The schema definition itself is wrong (bad column name, duplicate, unsupported type). */
export class LakeSchemaError extends LakeWriteError {
  constructor(message: string) {
    super('INVALID_SCHEMA', message);
    this.name = 'LakeSchemaError';
  }
}

/** A batch duration or window that cannot be aligned to the clock as the lake contract requires. */
export class WindowError extends LakeWriteError {
  constructor(message: string) {
    super('INVALID_WINDOW', message);
    this.name = 'WindowError';
  }
}

/** A station id that cannot be used as a single, safe `station=<id>` path segment. */
export class StationIdError extends LakeWriteError {
  readonly stationId: string;
  constructor(stationId: string, reason: string) {
    super(
      'INVALID_STATION_ID',
      `station id ${JSON.stringify(stationId)} ${reason}; use 1-128 characters from A-Z a-z 0-9 . _ - starting with a letter or digit (a UUID works)`,
    );
    this.name = 'StationIdError';
    this.stationId = stationId;
  }
}

/** The rows handed to the writer do not fit the schema or the window. */
export class RowsError extends LakeWriteError {
  /** Column the problem was found in, when there is one. */
  readonly column: string | undefined;
  /** Zero-based row index the problem was found at, when there is one. */
  readonly row: number | undefined;
  constructor(
    code: 'UNKNOWN_COLUMN' | 'COLUMN_LENGTH' | 'INVALID_VALUE' | 'ROW_OUTSIDE_WINDOW',
    message: string,
    where: { column?: string; row?: number } = {},
  ) {
    super(code, message);
    this.name = 'RowsError';
    this.column = where.column;
    this.row = where.row;
  }
}

/** Where an existing lake file came from, read back from its footer. */
export interface ExistingBatch {
  path: string;
  firstSeq: bigint;
  lastSeq: bigint;
  rows: number;
}

/**
 * A file for the same window already holds part of this journal range. Writing the batch would store
 * those readings twice, so the writer refuses; pass only the records after `existing.lastSeq`.
 */
export class BatchOverlapError extends LakeWriteError {
  readonly existing: ExistingBatch;
  constructor(existing: ExistingBatch, firstSeq: bigint, lastSeq: bigint) {
    super(
      'BATCH_OVERLAP',
      `batch seq ${firstSeq}..${lastSeq} overlaps ${existing.path} (seq ${existing.firstSeq}..${existing.lastSeq}, ${existing.rows} rows); ` +
        `those readings are already in the lake: write only records with seq > ${existing.lastSeq}`,
    );
    this.name = 'BatchOverlapError';
    this.existing = existing;
  }
}

/** A compression codec that cannot be loaded on this runtime. */
export class CodecError extends LakeWriteError {
  constructor(message: string, cause?: unknown) {
    super('CODEC_UNAVAILABLE', message, { cause });
    this.name = 'CodecError';
  }
}

/** Options that are missing or malformed (root directory, sequence numbers, metadata keys). */
export class LakeOptionsError extends LakeWriteError {
  constructor(message: string) {
    super('INVALID_OPTIONS', message);
    this.name = 'LakeOptionsError';
  }
}

/** A file at the target name exists but is not a lake file this writer can identify (foreign or damaged). */
export class FileConflictError extends LakeWriteError {
  readonly path: string;
  constructor(path: string, reason: string, cause?: unknown) {
    super(
      'FILE_CONFLICT',
      `${path} already exists and ${reason}; the writer never overwrites a lake file: move it aside and retry`,
      { cause },
    );
    this.name = 'FileConflictError';
    this.path = path;
  }
}
