export type {
  /** @deprecated the journal takes `Logger` from `@opensensor/errors` (one more method, `debug`; `console` fits). */
  Logger as JournalLogger,
} from '@opensensor/errors';
export { bytesCodec, type JournalCodec, jsonCodec } from './codec.js';
export {
  InvalidCursorError,
  JournalClosedError,
  JournalDiskFullError,
  JournalError,
  type JournalErrorCode,
  JournalFullError,
  JournalIOError,
  JournalLockedError,
  type JournalOptionIssue,
  JournalOptionsError,
  RecordTooLargeError,
  UnknownConsumerError,
} from './errors.js';
export {
  commitTempFile,
  fsyncDir,
  fsyncDirSync,
  fsyncFd,
  writeFileAtomic,
  writeFileAtomicSync,
} from './fs-util.js';
export { inspectJournal, type JournalInspection } from './inspect.js';
export {
  type AppendBatchResult,
  type ConsumerStats,
  Journal,
  type JournalRecord,
  type JournalStats,
  type ReadOptions,
} from './journal.js';
export {
  DEFAULT_FSYNC_INTERVAL_MS,
  DEFAULT_MAX_BYTES,
  DEFAULT_SEGMENT_BYTES,
  type FsyncPolicy,
  type FullPolicy,
  type JournalClock,
  type JournalOptions,
} from './options.js';
export {
  currentBootId,
  describeLockHolder,
  type LockAttempt,
  type LockHolder,
  type LockOwner,
  type ProcessLock,
  type ProcessLockOptions,
  readProcessLock,
  tryAcquireProcessLock,
} from './process-lock.js';
