import { OpenSensorError } from '@opensensor/errors';

/**
 * Every error this package throws or reports is an `S3SyncError`: it names what went wrong, what to
 * do about it, and whether a later attempt can succeed (`retryable`). Messages never contain secrets:
 * they are built from our own text plus the store's error code and HTTP status.
 */
export type S3SyncErrorCode =
  | 'INVALID_OPTIONS'
  | 'NETWORK'
  | 'TIMEOUT'
  | 'THROTTLED'
  | 'CLOCK_SKEW'
  | 'SERVER'
  | 'ACCESS_DENIED'
  | 'NO_SUCH_BUCKET'
  | 'BAD_CREDENTIALS'
  | 'REJECTED'
  | 'CONFLICT'
  | 'CANNOT_VERIFY'
  | 'LOCAL_FILE_CHANGED'
  | 'LOCAL_IO'
  | 'INVALID_PARQUET'
  | 'LEDGER_CORRUPT'
  | 'LEDGER_LOCKED'
  | 'TIME_BUDGET'
  | 'ABORTED'
  | 'NOT_FOUND'
  | 'DOWNLOAD_MISMATCH'
  | 'MOTO_NOT_FOUND';

export class S3SyncError extends OpenSensorError {
  override readonly name: string = 'S3SyncError';
  declare readonly code: S3SyncErrorCode;
  /** True when the same operation may succeed later (network, throttling, 5xx, time budget). */
  readonly retryable: boolean;
  /** The object key concerned, when there is one. */
  readonly key: string | undefined;
  /** HTTP status of the store's answer, when there was one. */
  readonly status: number | undefined;

  constructor(
    code: S3SyncErrorCode,
    message: string,
    opts: { retryable?: boolean; key?: string; status?: number; cause?: unknown } = {},
  ) {
    super(code, message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.retryable = opts.retryable ?? false;
    this.key = opts.key;
    this.status = opts.status;
  }

  /** A plain object for `--json` output and structured logs. */
  toJSON(): {
    name: string;
    code: S3SyncErrorCode;
    message: string;
    retryable: boolean;
    key?: string;
    status?: number;
  } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.key === undefined ? {} : { key: this.key }),
      ...(this.status === undefined ? {} : { status: this.status }),
    };
  }
}

/** Options passed to `createS3Target`, `syncLake` or `applyRetention` are invalid. */
export class S3SyncOptionsError extends S3SyncError {
  override readonly name = 'S3SyncOptionsError';
  /** The option that was wrong, e.g. `endpoint`. */
  readonly option: string;
  constructor(option: string, message: string) {
    super('INVALID_OPTIONS', `${option}: ${message}`);
    this.option = option;
  }
}

/** An upload (or the HEAD/GET that checks an existing object) failed. */
export class UploadError extends S3SyncError {
  override readonly name = 'UploadError';
}

/**
 * The store already holds a different object under the key. It is never overwritten: move the remote
 * object aside or change the prefix, then sync again.
 */
export class ConflictError extends S3SyncError {
  override readonly name = 'ConflictError';
  constructor(key: string, detail: string) {
    super(
      'CONFLICT',
      `${key}: the store already holds a different object (${detail}); it was not overwritten. Inspect the remote object, move it aside or use another prefix, then sync again.`,
      { key, retryable: false },
    );
  }
}

/** The ledger file cannot be used (corrupt beyond a torn last line, or locked by another sync). */
export class LedgerError extends S3SyncError {
  override readonly name = 'LedgerError';
}
