import { join } from 'node:path';
import { type Clock, realSleep, type Sleep, systemClock } from '@opensensor/errors';
import { digestFile } from './checksum.js';
import { S3SyncError, type S3SyncErrorCode, S3SyncOptionsError } from './errors.js';
import { type LakeFile, listLakeFiles, normalizeKeyPrefix } from './lake-files.js';
import { Ledger, type LedgerEntry } from './ledger.js';
import { checkParquetFile, type ParquetCheckResult } from './parquet-check.js';
import { assertQuarantineOutsideLake, defaultQuarantineDir, moveWithoutOverwrite } from './quarantine.js';
import { backoffDelay, type RetryPolicy, validateRetryPolicy } from './retry.js';
import type { ConditionalWriteMode, S3Target } from './target.js';
import { type MultipartSettings, type UploadContext, uploadFile } from './upload.js';
import { fileUploadStates } from './upload-status.js';

export interface SyncOptions {
  /** Lake root: the directory that holds `station=…` folders. */
  readonly root: string;
  readonly target: S3Target;
  /** Key prefix for this root; default `target.prefix`. Pass the health prefix when syncing the health root. */
  readonly keyPrefix?: string;
  /** Path of the ledger file (opened and locked for this sync) or a `Ledger` you opened. */
  readonly ledger: string | Ledger;
  /** Files uploaded at once. Default 2 (a Pi Zero has one core and a shared Wi-Fi link). */
  readonly concurrency?: number;
  /** Stop starting uploads, and abort those in flight, after this long. Default: no budget. */
  readonly timeBudgetMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly multipart?: Partial<MultipartSettings>;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: SyncProgressEvent) => void;
  /** List what would be uploaded; touch neither the store nor the ledger, move no file. */
  readonly dryRun?: boolean;
  /**
   * Check every file before its upload (size, `PAR1` at both ends, a footer that fits and parses) and
   * move a broken one to `quarantineDir` instead of uploading it. Default true; turn it off only for
   * a root whose files are not Parquet.
   */
  readonly checkParquet?: boolean;
  /**
   * Where broken files go, under their relative path; an earlier file of the same name is never
   * replaced. Must be outside `root`. Default `<root>-quarantine`.
   */
  readonly quarantineDir?: string;
  readonly clock?: Clock;
  /** Source of jitter in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
  readonly sleep?: Sleep;
}

/** Why a file was not uploaded. */
export interface SyncFileError {
  readonly key: string;
  readonly path: string;
  readonly code: S3SyncError['code'];
  readonly message: string;
  readonly retryable: boolean;
}

/** A lake file that is not a Parquet file a reader can open; it is never uploaded. */
export interface QuarantinedFile {
  readonly key: string;
  /** Where it was in the lake. */
  readonly path: string;
  readonly relativePath: string;
  /** Why it is broken, e.g. `empty file (0 bytes)`. */
  readonly reason: string;
  /** Where it is now; null in a dry run, or when the move failed (see `errors`). */
  readonly movedTo: string | null;
}

/** What opening the ledger repaired. */
export interface LedgerRepair {
  /** Lines that were not valid records, dropped from the ledger (their files are checked against the store again). */
  readonly skippedLines: number;
  /** Bytes of a torn last line (a crash during an append) that were cut off. */
  readonly truncatedBytes: number;
  /** Where the dropped lines were kept. */
  readonly damagedLinesFile?: string;
}

export interface PlannedUpload {
  readonly key: string;
  readonly path: string;
  readonly size: number;
}

export interface SyncSummary {
  /** Eligible files under the root. */
  readonly files: number;
  /** Uploaded by this sync. */
  readonly uploaded: number;
  /** Found in the store with identical bytes (an earlier upload whose ledger line was lost) and recorded. */
  readonly alreadyPresent: number;
  /** Already in the ledger. */
  readonly skipped: number;
  /** Tried and failed (see `errors`; `retryable` says whether the next sync can succeed). */
  readonly failed: number;
  /** A different object exists under the key, or the local file changed after its upload. Never overwritten. */
  readonly conflicts: number;
  /** Not tried: the time budget ran out, the sync was aborted, or the store refused every request. */
  readonly pending: number;
  /** Bytes uploaded. */
  readonly bytes: number;
  /** Broken files moved to the quarantine folder instead of being uploaded (in a dry run: found, not moved). */
  readonly quarantined: number;
  readonly quarantine: readonly QuarantinedFile[];
  /** What opening the ledger repaired; zeros when it was intact or when the caller passed an open `Ledger`. */
  readonly ledgerRepair: LedgerRepair;
  readonly errors: readonly SyncFileError[];
  /** How existing objects were protected in the end (after any automatic fallback). */
  readonly conditionalWrites: ConditionalWriteMode;
  readonly dryRun: boolean;
  /** In a dry run: what a real sync would upload. */
  readonly planned: readonly PlannedUpload[];
  readonly durationMs: number;
  /** True when every eligible file is in the store: nothing failed, conflicted, was quarantined or stayed pending. */
  readonly ok: boolean;
}

export type SyncFileOutcome = 'uploaded' | 'already-present' | 'failed' | 'conflict' | 'quarantined';

export type SyncProgressEvent =
  | {
      readonly type: 'start';
      readonly files: number;
      readonly toUpload: number;
      readonly toUploadBytes: number;
    }
  | {
      readonly type: 'file';
      readonly key: string;
      readonly outcome: SyncFileOutcome;
      readonly bytes: number;
      /** Files finished so far / files to upload. */
      readonly done: number;
      readonly total: number;
      readonly doneBytes: number;
      readonly totalBytes: number;
      readonly error?: SyncFileError;
    }
  | {
      readonly type: 'retry';
      readonly key: string;
      readonly attempt: number;
      readonly delayMs: number;
      readonly error: SyncFileError;
    }
  | { readonly type: 'bytes'; readonly key: string; readonly loaded: number; readonly total: number }
  /** A broken file was found (and, unless in a dry run, moved to the quarantine folder). */
  | { readonly type: 'quarantine'; readonly file: QuarantinedFile }
  | { readonly type: 'fallback'; readonly conditionalWrites: ConditionalWriteMode; readonly reason: string };

type HaltReason = 'time-budget' | 'aborted' | 'refused' | 'unreachable';

const HALT_TEXT: Record<HaltReason, string> = {
  'time-budget': 'the time budget ran out',
  aborted: 'the sync was aborted',
  refused: 'the store refused the sync',
  unreachable: 'the store is unreachable or failing',
};

/** The code of the errors of the files a halted sync leaves pending. */
const HALT_CODE: Record<HaltReason, S3SyncErrorCode> = {
  'time-budget': 'TIME_BUDGET',
  aborted: 'ABORTED',
  refused: 'REJECTED',
  unreachable: 'NETWORK',
};

const FATAL_CODES = new Set<S3SyncError['code']>(['NO_SUCH_BUCKET', 'BAD_CREDENTIALS', 'ACCESS_DENIED']);

const DEFAULT_MULTIPART: MultipartSettings = {
  thresholdBytes: 64 * 1024 * 1024,
  // 8 MiB parts keep a large upload within the memory of a 512 MB Pi Zero (peak ~ part x (queue + 1)).
  partSizeBytes: 8 * 1024 * 1024,
  queueSize: 1,
};

function multipartSettings(m: Partial<MultipartSettings> | undefined): MultipartSettings {
  const s = { ...DEFAULT_MULTIPART, ...(m ?? {}) };
  if (!Number.isInteger(s.partSizeBytes) || s.partSizeBytes < 5 * 1024 * 1024)
    throw new S3SyncOptionsError(
      'multipart.partSizeBytes',
      `must be an integer >= 5 MiB (the S3 minimum), got ${s.partSizeBytes}`,
    );
  if (!(s.thresholdBytes >= s.partSizeBytes))
    throw new S3SyncOptionsError(
      'multipart.thresholdBytes',
      `must be >= partSizeBytes, got ${s.thresholdBytes}`,
    );
  if (!Number.isInteger(s.queueSize) || s.queueSize < 1)
    throw new S3SyncOptionsError('multipart.queueSize', `must be an integer >= 1, got ${s.queueSize}`);
  return s;
}

function toFileError(err: unknown, key: string, path: string): SyncFileError {
  if (err instanceof S3SyncError)
    return { key, path, code: err.code, message: err.message, retryable: err.retryable };
  const e = err as NodeJS.ErrnoException;
  return {
    key,
    path,
    code: 'LOCAL_IO',
    message: `${path}: ${e?.code ?? 'error'}: ${e?.message ?? String(err)} — could not read the local file`,
    retryable: true,
  };
}

/**
 * Uploads every finished lake file under `root` that the ledger does not list, once. Never lists the
 * bucket, never overwrites an object, and records each upload durably before counting it, so an
 * outage or a crash at any point leaves a ledger the next sync can trust.
 */
export async function syncLake(options: SyncOptions): Promise<SyncSummary> {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const target = options.target;
  if (!target || typeof target.id !== 'string')
    throw new S3SyncOptionsError(
      'target',
      'is required: build one with createS3Target() or s3TargetFromClient()',
    );
  if (typeof options.root !== 'string' || options.root.length === 0)
    throw new S3SyncOptionsError('root', 'is required: the lake directory that holds station=… folders');
  const concurrency = options.concurrency ?? 2;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    throw new S3SyncOptionsError('concurrency', `must be an integer from 1 to 64, got ${concurrency}`);
  const budget = options.timeBudgetMs;
  if (budget !== undefined && !(budget > 0))
    throw new S3SyncOptionsError('timeBudgetMs', `must be a positive number of milliseconds, got ${budget}`);
  const retry = validateRetryPolicy(options.retry);
  const multipart = multipartSettings(options.multipart);
  const prefix = normalizeKeyPrefix(options.keyPrefix ?? target.prefix);
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? realSleep;
  const dryRun = options.dryRun ?? false;
  const emit = options.onProgress ?? (() => undefined);
  const checkParquet = options.checkParquet ?? true;
  const quarantineDir = options.quarantineDir ?? defaultQuarantineDir(options.root);
  if (checkParquet) assertQuarantineOutsideLake(options.root, quarantineDir);

  const ownLedger = typeof options.ledger === 'string';
  const ledger =
    typeof options.ledger === 'string'
      ? await Ledger.open(options.ledger, { clock, lock: !dryRun })
      : options.ledger;
  try {
    const ledgerRepair: LedgerRepair = ownLedger
      ? {
          skippedLines: ledger.report.skippedLines,
          truncatedBytes: ledger.report.truncatedBytes,
          ...(ledger.report.damagedLinesFile ? { damagedLinesFile: ledger.report.damagedLinesFile } : {}),
        }
      : { skippedLines: 0, truncatedBytes: 0 };
    const files = await listLakeFiles(options.root);
    const errors: SyncFileError[] = [];
    const planned: PlannedUpload[] = [];
    const quarantine: QuarantinedFile[] = [];
    /** Checks a file about to be uploaded; a broken one is recorded (and moved unless in a dry run). */
    const screen = async (file: LakeFile, key: string): Promise<'ok' | 'quarantined' | SyncFileError> => {
      if (!checkParquet) return 'ok';
      let verdict: ParquetCheckResult;
      try {
        verdict = await checkParquetFile(file.path);
      } catch (err) {
        const fe = toFileError(err, key, file.path);
        return { ...fe, message: `${fe.message} (while checking it is Parquet)` };
      }
      if (verdict.valid) return 'ok';
      const dest = join(quarantineDir, file.relativePath);
      let movedTo: string | null = null;
      let message: string;
      if (dryRun) {
        message = `${file.path}: not a valid Parquet file (${verdict.reason}); a sync moves it to ${dest} instead of uploading it`;
      } else {
        try {
          movedTo = await moveWithoutOverwrite(file.path, dest);
          message = `${file.path}: not a valid Parquet file (${verdict.reason}); moved to ${movedTo}, not uploaded`;
        } catch (err) {
          const e = err as NodeJS.ErrnoException;
          message = `${file.path}: not a valid Parquet file (${verdict.reason}); not uploaded, and moving it to ${dest} failed (${e?.code ?? 'error'}: ${e?.message ?? String(err)})`;
        }
      }
      const q: QuarantinedFile = {
        key,
        path: file.path,
        relativePath: file.relativePath,
        reason: verdict.reason,
        movedTo,
      };
      quarantine.push(q);
      errors.push({ key, path: file.path, code: 'INVALID_PARQUET', message, retryable: false });
      emit({ type: 'quarantine', file: q });
      return 'quarantined';
    };
    const sortedQuarantine = () =>
      quarantine.sort((a, b) =>
        a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0,
      );
    let skipped = 0;
    let conflicts = 0;
    const todo: { file: LakeFile; key: string }[] = [];

    for (const { file, key, entry } of fileUploadStates(files, ledger, { id: target.id, prefix })) {
      if (!entry) {
        todo.push({ file, key });
        continue;
      }
      if (entry.size === file.size && entry.mtimeMs === file.mtimeMs) {
        skipped++;
        continue;
      }
      // Touched since its upload: only identical bytes may stay "uploaded".
      const digest = await digestFile(file.path);
      if (digest.size === entry.size && digest.sha256Hex === entry.sha256) {
        skipped++;
        if (!dryRun) await ledger.record({ ...entry, mtimeMs: file.mtimeMs });
        continue;
      }
      conflicts++;
      errors.push({
        key,
        path: file.path,
        code: 'LOCAL_FILE_CHANGED',
        message: `${file.path}: changed after it was uploaded as ${key} (ledger SHA-256 ${entry.sha256.slice(0, 12)}…); the object is not overwritten. Lake files are immutable: find out what rewrote it.`,
        retryable: false,
      });
    }

    const toUploadBytes = todo.reduce((n, t) => n + t.file.size, 0);
    emit({ type: 'start', files: files.length, toUpload: todo.length, toUploadBytes });

    if (dryRun) {
      let unreadable = 0;
      for (const t of todo) {
        const verdict = await screen(t.file, t.key);
        if (verdict === 'ok') planned.push({ key: t.key, path: t.file.path, size: t.file.size });
        else if (verdict !== 'quarantined') {
          unreadable++;
          errors.push(verdict);
        }
      }
      return {
        files: files.length,
        uploaded: 0,
        alreadyPresent: 0,
        skipped,
        failed: unreadable,
        conflicts,
        pending: planned.length,
        bytes: 0,
        quarantined: quarantine.length,
        quarantine: sortedQuarantine(),
        ledgerRepair,
        errors,
        conditionalWrites: target.conditionalWrites,
        dryRun: true,
        planned,
        durationMs: clock.now() - started,
        ok: conflicts === 0 && todo.length === 0,
      };
    }

    const deadline = budget === undefined ? Number.POSITIVE_INFINITY : started + budget;
    // `halted` stops new uploads; `stop` also aborts those in flight (only for the budget and the caller).
    const stop = new AbortController();
    let halted: HaltReason | undefined;
    const halt = (reason: HaltReason) => {
      halted ??= reason;
      if (reason === 'time-budget' || reason === 'aborted')
        stop.abort(new S3SyncError(HALT_CODE[reason], `sync stopped: ${reason}`, { retryable: true }));
    };
    // setTimeout fires at once for delays beyond 2^31-1 ms; such a budget never needs to abort anything.
    const budgetTimer =
      budget === undefined || budget > 2_147_483_647
        ? undefined
        : setTimeout(() => halt('time-budget'), Math.max(0, deadline - clock.now()));
    budgetTimer?.unref();
    const onExternalAbort = () => halt('aborted');
    if (options.signal?.aborted) halt('aborted');
    options.signal?.addEventListener('abort', onExternalAbort, { once: true });

    const ctx: UploadContext = {
      target,
      multipart,
      conditional: target.conditionalWrites,
      onFallback: (reason) => emit({ type: 'fallback', conditionalWrites: 'head-before-put', reason }),
      onBytes: (key, loaded, total) => emit({ type: 'bytes', key, loaded, total }),
    };

    let uploaded = 0;
    let alreadyPresent = 0;
    let failed = 0;
    let bytes = 0;
    let done = 0;
    let doneBytes = 0;
    let next = 0;

    const finish = (
      key: string,
      file: LakeFile,
      outcome: SyncFileOutcome,
      sent: number,
      error?: SyncFileError,
    ) => {
      done++;
      doneBytes += file.size;
      emit({
        type: 'file',
        key,
        outcome,
        bytes: sent,
        done,
        total: todo.length,
        doneBytes,
        totalBytes: toUploadBytes,
        ...(error ? { error } : {}),
      });
    };

    const processOne = async (file: LakeFile, key: string): Promise<void> => {
      const verdict = await screen(file, key);
      if (verdict === 'quarantined') {
        finish(key, file, 'quarantined', 0);
        return;
      }
      if (verdict !== 'ok') {
        failed++;
        errors.push(verdict);
        finish(key, file, 'failed', 0, verdict);
        return;
      }
      for (let attempt = 1; ; attempt++) {
        try {
          const out = await uploadFile(ctx, file.path, key, stop.signal);
          const entry: LedgerEntry = {
            target: target.id,
            key,
            path: file.relativePath,
            size: out.digest.size,
            mtimeMs: file.mtimeMs,
            sha256: out.digest.sha256Hex,
            ...(out.etag ? { etag: out.etag } : {}),
            uploadedAt: new Date(clock.now()).toISOString(),
            verified: out.verified,
            method: out.method,
          };
          // The upload counts only once its ledger line is on disk.
          await ledger.record(entry);
          if (out.method === 'existing') {
            alreadyPresent++;
            finish(key, file, 'already-present', 0);
          } else {
            uploaded++;
            bytes += out.bytesSent;
            finish(key, file, 'uploaded', out.bytesSent);
          }
          return;
        } catch (err) {
          let fe = toFileError(err, key, file.path);
          if (stop.signal.aborted) {
            const code = halted === 'time-budget' ? 'TIME_BUDGET' : 'ABORTED';
            fe = {
              ...fe,
              code,
              retryable: true,
              message: `${key}: ${code === 'TIME_BUDGET' ? 'the time budget ran out' : 'the sync was aborted'} during the upload; the next sync uploads it`,
            };
          }
          if (fe.code === 'CONFLICT' || fe.code === 'LOCAL_FILE_CHANGED') {
            conflicts++;
            errors.push(fe);
            finish(key, file, 'conflict', 0, fe);
            return;
          }
          const delay = backoffDelay(attempt, retry, random);
          const canRetry =
            fe.retryable &&
            !stop.signal.aborted &&
            attempt < retry.maxAttempts &&
            clock.now() + delay < deadline;
          if (!canRetry) {
            const outOfTime =
              fe.retryable &&
              !stop.signal.aborted &&
              attempt < retry.maxAttempts &&
              clock.now() + delay >= deadline;
            if (outOfTime)
              fe = {
                ...fe,
                code: 'TIME_BUDGET',
                message: `${fe.message} (no time left in this sync's budget to retry)`,
              };
            // Whatever stopped this file would stop the next ones too: leave them for the next sync.
            if (FATAL_CODES.has(fe.code)) halt('refused');
            else if (fe.code === 'TIME_BUDGET') halt('time-budget');
            else if (fe.retryable && fe.code !== 'ABORTED' && fe.code !== 'LOCAL_IO') halt('unreachable');
            failed++;
            errors.push(fe);
            finish(key, file, 'failed', 0, fe);
            return;
          }
          emit({ type: 'retry', key, attempt, delayMs: delay, error: fe });
          try {
            await sleep(delay, stop.signal);
          } catch {
            // Aborted while waiting: the next loop turn reports it.
          }
        }
      }
    };

    const worker = async () => {
      for (;;) {
        if (halted) return;
        if (clock.now() >= deadline) {
          halt('time-budget');
          return;
        }
        const i = next++;
        const item = todo[i];
        if (!item) return;
        await processOne(item.file, item.key);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, todo.length)) }, worker));
    } finally {
      if (budgetTimer) clearTimeout(budgetTimer);
      options.signal?.removeEventListener('abort', onExternalAbort);
    }
    const pending = todo.length - done;
    if (pending > 0 && halted && halted !== 'refused') {
      errors.push({
        key: '',
        path: options.root,
        code: HALT_CODE[halted],
        message: `${pending} file(s) not tried: ${HALT_TEXT[halted]}; the next sync uploads them`,
        retryable: true,
      });
    }
    return {
      files: files.length,
      uploaded,
      alreadyPresent,
      skipped,
      failed,
      conflicts,
      pending,
      bytes,
      quarantined: quarantine.length,
      quarantine: sortedQuarantine(),
      ledgerRepair,
      errors,
      conditionalWrites: ctx.conditional,
      dryRun: false,
      planned,
      durationMs: clock.now() - started,
      ok: failed === 0 && conflicts === 0 && pending === 0 && quarantine.length === 0,
    };
  } finally {
    if (ownLedger) await ledger.close();
  }
}
