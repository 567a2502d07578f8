import { OpenSensorError } from '@opensensor/errors';
import { describeLockHolder, type LockHolder } from './process-lock.js';

/** What went wrong, as a stable string a caller can switch on. */
export type JournalErrorCode =
  | 'INVALID_OPTIONS'
  | 'JOURNAL_LOCKED'
  | 'JOURNAL_CLOSED'
  | 'JOURNAL_FULL'
  | 'DISK_FULL'
  | 'RECORD_TOO_LARGE'
  | 'UNKNOWN_CONSUMER'
  | 'INVALID_CURSOR'
  | 'IO';

/** Base class of every error this package throws. `code` says which kind it is. */
export class JournalError extends OpenSensorError {
  override readonly name: string = 'JournalError';
  declare readonly code: JournalErrorCode;

  constructor(code: JournalErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** One bad option: which one, what a valid value looks like, what was given. */
export interface JournalOptionIssue {
  option: string;
  expected: string;
  received: string;
}

/** `Journal.open` was given options it cannot work with. Lists every problem at once. */
export class JournalOptionsError extends JournalError {
  override readonly name = 'JournalOptionsError';
  readonly issues: readonly JournalOptionIssue[];

  constructor(issues: readonly JournalOptionIssue[]) {
    const lines = issues.map((i) => `  - ${i.option}: expected ${i.expected}, received ${i.received}`);
    super(
      'INVALID_OPTIONS',
      `Invalid journal options (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    );
    this.issues = issues;
  }
}

/** Another journal (in this process or another live one) already has the directory open. */
export class JournalLockedError extends JournalError {
  override readonly name = 'JournalLockedError';
  readonly dir: string;
  /** Pid of the other process; undefined when it is this process. */
  readonly holderPid: number | undefined;
  /** The live owner of the journal's LOCK file. */
  readonly holder: LockHolder;

  constructor(dir: string, holder: LockHolder) {
    super(
      'JOURNAL_LOCKED',
      `The journal in ${dir} is already open by ${describeLockHolder(holder)}. Close it first, or give each writer its own directory.`,
    );
    this.dir = dir;
    this.holder = holder;
    this.holderPid = holder.self ? undefined : holder.pid;
  }
}

/** The journal was closed, or became unusable after an I/O failure; open it again to go on. */
export class JournalClosedError extends JournalError {
  override readonly name = 'JournalClosedError';

  constructor(dir: string, reason = 'it was closed') {
    super('JOURNAL_CLOSED', `The journal in ${dir} cannot be used because ${reason}. Open it again.`);
  }
}

/**
 * `onFull: 'reject'` and the journal is at `maxBytes`: the record was not written. Commit consumer
 * cursors (so committed segments can be deleted), raise `maxBytes`, or use `onFull: 'drop-oldest'`.
 */
export class JournalFullError extends JournalError {
  override readonly name = 'JournalFullError';
  readonly maxBytes: number;

  constructor(dir: string, maxBytes: number) {
    super(
      'JOURNAL_FULL',
      `The journal in ${dir} holds ${maxBytes} bytes (its maxBytes) of records that consumers have not committed; the record was not written. Commit consumer cursors, raise maxBytes, or choose onFull: 'drop-oldest'.`,
    );
    this.maxBytes = maxBytes;
  }
}

/**
 * The file system said ENOSPC (or EDQUOT). The partial record was cut off again, so the journal
 * is intact and the append can be retried once space is freed. In a batch, records up to
 * `lastWrittenSeq` are in the journal and the rest are not.
 */
export class JournalDiskFullError extends JournalError {
  override readonly name = 'JournalDiskFullError';
  readonly lastWrittenSeq: number;

  constructor(dir: string, lastWrittenSeq: number, cause: unknown) {
    super(
      'DISK_FULL',
      `The disk holding ${dir} is full; nothing after seq ${lastWrittenSeq} was written. Free space on that disk or lower maxBytes below the free space.`,
      { cause },
    );
    this.lastWrittenSeq = lastWrittenSeq;
  }
}

/** A record is bigger than `maxRecordBytes`. */
export class RecordTooLargeError extends JournalError {
  override readonly name = 'RecordTooLargeError';

  constructor(size: number, max: number) {
    super(
      'RECORD_TOO_LARGE',
      `A record of ${size} bytes (payload plus header) exceeds maxRecordBytes (${max}). Split the payload or raise maxRecordBytes (at most segmentBytes).`,
    );
  }
}

/** A consumer name that the journal does not know. */
export class UnknownConsumerError extends JournalError {
  override readonly name = 'UnknownConsumerError';
  readonly consumer: string;

  constructor(consumer: string, known: readonly string[]) {
    const list = known.length > 0 ? known.join(', ') : 'none';
    super(
      'UNKNOWN_CONSUMER',
      `Unknown journal consumer "${consumer}" (known: ${list}). Name it in the consumers option or call addConsumer() first.`,
    );
    this.consumer = consumer;
  }
}

/** A cursor commit that would move backwards, past the readable end, or is not a sequence number. */
export class InvalidCursorError extends JournalError {
  override readonly name = 'InvalidCursorError';
  readonly consumer: string;
  readonly seq: number;

  constructor(consumer: string, seq: number, why: string) {
    super('INVALID_CURSOR', `Cannot commit seq ${seq} for consumer "${consumer}": ${why}.`);
    this.consumer = consumer;
    this.seq = seq;
  }
}

/** An I/O failure other than a full disk (EIO, a failed fsync, permissions). */
export class JournalIOError extends JournalError {
  override readonly name = 'JournalIOError';

  constructor(message: string, cause: unknown) {
    super('IO', message, { cause });
  }
}

export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}
