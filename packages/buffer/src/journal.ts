import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { deleteCursor, type LostRange, loadCursors, type ResumePoint, storeCursor } from './cursor-store.js';
import {
  errnoCode,
  InvalidCursorError,
  JournalClosedError,
  JournalDiskFullError,
  JournalFullError,
  JournalIOError,
  RecordTooLargeError,
  UnknownConsumerError,
} from './errors.js';
import { acquireLock, fsyncDir, fsyncDirSync, unlinkIfExists } from './fs-util.js';
import { isValidConsumerName, type JournalOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { encodeRecord, HEADER_BYTES } from './record.js';
import { segmentBase, segmentFileName } from './segment-files.js';
import { fdSource, SegmentScanner, scanToEnd } from './segment-scanner.js';

/** One record read back from the journal. */
export interface JournalRecord<T> {
  seq: number;
  value: T;
}

export interface ReadOptions {
  /** First seq to return. Default: the consumer's cursor + 1. */
  fromSeq?: number;
  /** Stop after this many records. Default: no limit. */
  maxRecords?: number;
}

export interface AppendBatchResult {
  firstSeq: number;
  lastSeq: number;
}

export interface ConsumerStats {
  /** Last committed seq (0 = nothing committed). */
  cursor: number;
  /** Records after the cursor that are still in the journal (an upper bound when seqs have gaps). */
  backlog: number;
  /**
   * Bytes of those records on disk: whole segments behind the cursor, and the share of the segment
   * that holds the cursor in proportion to its records (records are near-equal in size).
   */
  backlogBytes: number;
  /**
   * Since open: records this consumer came to read after `onFull: 'drop-oldest'` had deleted them
   * (counted when it reads, once across restarts). Records it had already read are not counted:
   * a consumer holding them in memory still delivers them.
   */
  lostToFull: number;
}

export interface JournalStats {
  /** Smallest seq that may still be in the journal, or null when it holds no record. */
  firstSeq: number | null;
  /** Highest seq written (0 before the first append ever). */
  lastSeq: number;
  /** Highest seq that readers can see: fsynced, or written under `fsync: 'never'`. */
  readableSeq: number;
  bytes: number;
  segments: number;
  maxBytes: number;
  consumers: Record<string, ConsumerStats>;
  /**
   * Since open: segments deleted by `onFull: 'drop-oldest'` before every consumer committed them.
   * What each consumer lost is its `lostToFull`, known when it comes to read.
   */
  droppedToFull: { segments: number; bytes: number };
  /** Since open: damaged regions skipped (each counted once) and the records they held. */
  corrupt: { regions: number; bytes: number; records: number };
  /** Found by recovery at open: bytes after the last valid record of the active segment, cut off. */
  tornTail: { bytes: number };
  fsyncs: number;
}

interface Segment {
  base: number;
  /** Highest seq in the segment (for segments before the active one: the next base - 1). */
  lastSeq: number;
  bytes: number;
  path: string;
  /** Flat (seq, offset) pairs of record starts, so reads need not scan a segment from its start. */
  checkpoints: number[];
  nextCheckpoint: number;
}

interface ConsumerState {
  cursor: number;
  /** Highest seq asked to be committed; commits are applied in order through `chain`. */
  target: number;
  chain: Promise<void>;
  lostToFull: number;
  /** Seq ranges after the cursor already counted in `lostToFull` (here or by an earlier process). */
  lost: LostRange[];
}

interface Waiter {
  seq: number;
  resolve: (seq: number) => void;
  reject: (err: unknown) => void;
}

interface SeqWatcher {
  seq: number;
  resolve: (reached: boolean) => void;
}

const CHECKPOINT_EVERY = 64 * 1024;
const WRITE_CHUNK = 64 * 1024;

/**
 * A durable append-only journal with named consumer cursors. See README.md for usage and
 * docs/buffer.md for the on-disk format and the guarantees of each fsync policy.
 */
export class Journal<T = Uint8Array> {
  private readonly opts: ResolvedOptions<T>;
  private readonly releaseLock: () => void;
  private segments: Segment[] = [];
  private fd = -1;
  private retiredFds: number[] = [];
  private nextSeq = 1;
  private writtenSeq = 0;
  /** Highest seq known to be on stable storage (fsynced). */
  private syncedSeq = 0;
  /** Highest seq readers may see: syncedSeq, or writtenSeq under fsync 'never'. */
  private visibleSeq = 0;
  private totalBytes = 0;
  private scratch = Buffer.allocUnsafe(WRITE_CHUNK);
  private readonly consumerStates = new Map<string, ConsumerState>();

  private waiters: Waiter[] = [];
  private waiterHead = 0;
  private watchers: SeqWatcher[] = [];
  private syncing = false;
  private syncQueued = false;
  private idleResolvers: Array<() => void> = [];
  private timer: unknown = null;
  private broken: JournalIOError | null = null;
  private closed = false;
  private closing: Promise<void> | null = null;

  private fsyncCount = 0;
  private readonly dropped = { segments: 0, bytes: 0 };
  private readonly corrupt = { regions: 0, bytes: 0, records: 0 };
  private readonly seenCorrupt = new Set<string>();
  private tornTailBytes = 0;

  private constructor(opts: ResolvedOptions<T>, releaseLock: () => void) {
    this.opts = opts;
    this.releaseLock = releaseLock;
  }

  /** Opens (creating if needed) the journal in `options.dir` and recovers it from any crash. */
  static async open<T = Uint8Array>(options: JournalOptions<T>): Promise<Journal<T>> {
    const opts = resolveOptions(options);
    mkdirSync(join(opts.dir, 'cursors'), { recursive: true });
    const release = acquireLock(opts.dir, opts.logger, opts.lockLabel);
    const journal = new Journal<T>(opts, release);
    try {
      await journal.recover();
    } catch (err) {
      journal.closeFds();
      release();
      throw err;
    }
    return journal;
  }

  /** The directory this journal lives in (absolute). */
  get dir(): string {
    return this.opts.dir;
  }

  // ---------------------------------------------------------------- writing

  /**
   * Appends one value and resolves to its seq once it is durable per the fsync policy. Rejects with
   * `RecordTooLargeError`, `JournalFullError` (onFull 'reject'), `JournalDiskFullError` (ENOSPC: the
   * journal is unchanged, retry later) or `JournalClosedError`.
   */
  append(value: T): Promise<number> {
    try {
      this.assertWritable();
      const payload = this.opts.codec.encode(value);
      const size = HEADER_BYTES + payload.length;
      if (size > this.opts.maxRecordBytes) throw new RecordTooLargeError(size, this.opts.maxRecordBytes);
      if (this.segmentFull(0, size)) this.roll();
      if (!this.makeRoom(size)) throw new JournalFullError(this.opts.dir, this.opts.maxBytes);
      if (this.scratch.length < size) this.scratch = Buffer.allocUnsafe(size);
      const seq = this.nextSeq;
      encodeRecord(this.scratch, 0, seq, payload);
      this.writeChunk(size, seq, seq);
      return this.acknowledge(seq);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Appends many values with one write per 64 KiB and one fsync, for backfills. Seqs are
   * consecutive. On an error the records before `lastWrittenSeq` of the error (if it has one) are
   * in the journal and the rest are not.
   */
  appendBatch(values: Iterable<T>): Promise<AppendBatchResult> {
    try {
      this.assertWritable();
      const firstSeq = this.nextSeq;
      let pending = 0;
      let chunkFirst = firstSeq;
      let seq = firstSeq;
      for (const value of values) {
        const payload = this.opts.codec.encode(value);
        const size = HEADER_BYTES + payload.length;
        if (size > this.opts.maxRecordBytes) {
          this.writeChunk(pending, chunkFirst, seq - 1);
          throw new RecordTooLargeError(size, this.opts.maxRecordBytes);
        }
        if (this.segmentFull(pending, size)) {
          this.writeChunk(pending, chunkFirst, seq - 1);
          pending = 0;
          chunkFirst = seq;
          this.roll();
        }
        if (!this.makeRoom(pending + size)) {
          this.writeChunk(pending, chunkFirst, seq - 1);
          throw new JournalFullError(this.opts.dir, this.opts.maxBytes);
        }
        if (pending + size > this.scratch.length) {
          this.writeChunk(pending, chunkFirst, seq - 1);
          pending = 0;
          chunkFirst = seq;
          if (size > this.scratch.length) this.scratch = Buffer.allocUnsafe(size);
        }
        pending = encodeRecord(this.scratch, pending, seq, payload);
        seq += 1;
      }
      this.writeChunk(pending, chunkFirst, seq - 1);
      if (seq === firstSeq) return Promise.resolve({ firstSeq, lastSeq: firstSeq - 1 });
      return this.acknowledge(seq - 1).then((lastSeq) => ({ firstSeq, lastSeq }));
    } catch (err) {
      // The chunks written before the failure must still become durable (and readable) on the
      // policy's schedule, although nobody waits for them.
      if (!this.broken && this.writtenSeq > this.syncedSeq) this.acknowledge(this.writtenSeq).catch(() => {});
      return Promise.reject(err);
    }
  }

  /** Makes every record written so far durable now, whatever the policy; resolves to the last seq. */
  sync(): Promise<number> {
    if (this.broken) return Promise.reject(this.broken);
    const seq = this.writtenSeq;
    if (seq <= this.syncedSeq) return Promise.resolve(seq);
    return new Promise((resolve, reject) => {
      this.waiters.push({ seq, resolve, reject });
      this.requestSync();
    });
  }

  private assertWritable(): void {
    if (this.broken) throw this.broken;
    if (this.closed) throw new JournalClosedError(this.opts.dir);
  }

  /** True when a record of `size` does not fit after what the segment and the pending chunk hold. */
  private segmentFull(pending: number, size: number): boolean {
    const used = this.active().bytes + pending;
    return used > 0 && used + size > this.opts.segmentBytes;
  }

  private active(): Segment {
    return this.segments[this.segments.length - 1] as Segment;
  }

  /** Writes `length` bytes of the scratch buffer (records firstSeq..lastSeq) to the active segment. */
  private writeChunk(length: number, firstSeq: number, lastSeq: number): void {
    if (length === 0) return;
    const active = this.active();
    const start = active.bytes;
    try {
      let written = 0;
      while (written < length) written += writeSync(this.fd, this.scratch, written, length - written);
    } catch (err) {
      this.undoPartialWrite(start);
      const code = errnoCode(err);
      if (code === 'ENOSPC' || code === 'EDQUOT') {
        throw new JournalDiskFullError(this.opts.dir, firstSeq - 1, err);
      }
      throw new JournalIOError(`Writing to ${active.path} failed: ${String(err)}`, err);
    }
    if (start >= active.nextCheckpoint) {
      active.checkpoints.push(firstSeq, start);
      active.nextCheckpoint = start + CHECKPOINT_EVERY;
    }
    active.bytes += length;
    active.lastSeq = lastSeq;
    this.totalBytes += length;
    this.nextSeq = lastSeq + 1;
    this.writtenSeq = lastSeq;
    if (this.opts.fsync === 'never') {
      this.visibleSeq = lastSeq;
      if (this.watchers.length > 0) this.notifyWatchers();
    }
  }

  /** A failed write may have left part of a record; cut it off so the segment ends on a record. */
  private undoPartialWrite(size: number): void {
    try {
      ftruncateSync(this.fd, size);
    } catch (err) {
      this.fail(err, 'cutting off a failed write');
    }
  }

  private acknowledge(seq: number): Promise<number> {
    if (this.opts.fsync === 'always') {
      return new Promise((resolve, reject) => {
        this.waiters.push({ seq, resolve, reject });
        this.requestSync();
      });
    }
    if (this.opts.fsync === 'interval' && this.timer === null) {
      this.timer = this.opts.clock.setTimeout(() => {
        this.timer = null;
        this.startSync();
      }, this.opts.intervalMs);
    }
    return Promise.resolve(seq);
  }

  /** Starts the shared fsync after the current synchronous code, so a burst of appends shares it. */
  private requestSync(): void {
    if (this.syncQueued) return;
    this.syncQueued = true;
    queueMicrotask(() => {
      this.syncQueued = false;
      this.startSync();
    });
  }

  private startSync(): void {
    if (this.syncing || this.broken || this.fd < 0) return;
    if (this.writtenSeq <= this.syncedSeq) {
      this.markSynced(this.syncedSeq);
      return;
    }
    this.syncing = true;
    const target = this.writtenSeq;
    fdatasync(this.fd, (err) => {
      this.syncing = false;
      for (const fd of this.retiredFds) closeQuietly(fd);
      this.retiredFds = [];
      if (err) {
        this.fail(err, 'fsync');
      } else {
        this.fsyncCount += 1;
        this.markSynced(target);
        if (this.writtenSeq > this.syncedSeq) {
          if (this.waiterHead < this.waiters.length) this.startSync();
          else if (this.opts.fsync === 'interval') this.acknowledge(this.writtenSeq);
        }
      }
      const idle = this.idleResolvers;
      this.idleResolvers = [];
      for (const resolve of idle) resolve();
    });
  }

  private markSynced(seq: number): void {
    if (seq > this.syncedSeq) this.syncedSeq = seq;
    if (this.opts.fsync !== 'never') this.visibleSeq = this.syncedSeq;
    const waiters = this.waiters;
    let head = this.waiterHead;
    while (head < waiters.length) {
      const waiter = waiters[head] as Waiter;
      if (waiter.seq > this.syncedSeq) break;
      head += 1;
      waiter.resolve(waiter.seq);
    }
    if (head === waiters.length) {
      this.waiters = [];
      this.waiterHead = 0;
    } else if (head > 1024 && head * 2 > waiters.length) {
      this.waiters = waiters.slice(head);
      this.waiterHead = 0;
    } else {
      this.waiterHead = head;
    }
    if (this.watchers.length > 0) this.notifyWatchers();
  }

  /**
   * After a failed fsync the kernel may have dropped the dirty pages, so nothing written since the
   * last good fsync can be trusted; the journal refuses further work until it is reopened and
   * recovery has checked the files.
   */
  private fail(err: unknown, during: string): JournalIOError {
    if (this.broken) return this.broken;
    this.broken = new JournalIOError(
      `The journal in ${this.opts.dir} failed during ${during} (${String(err)}); close it and open it again to recover.`,
      err,
    );
    this.opts.logger.error('journal I/O failure; reopen to recover', {
      dir: this.opts.dir,
      during,
      error: String(err),
    });
    const pending = this.waiters.slice(this.waiterHead);
    this.waiters = [];
    this.waiterHead = 0;
    for (const waiter of pending) waiter.reject(this.broken);
    return this.broken;
  }

  /** Closes the active segment (durable first, so no later segment exists before it is) and starts a new one. */
  private roll(): void {
    const old = this.active();
    if (this.opts.fsync !== 'never') {
      try {
        fdatasyncSync(this.fd);
        this.fsyncCount += 1;
      } catch (err) {
        throw this.fail(err, 'fsync before starting a new segment');
      }
      this.markSynced(this.writtenSeq);
    }
    const base = this.nextSeq;
    const path = join(this.opts.dir, segmentFileName(base));
    let fd: number;
    try {
      fd = openSync(path, 'ax');
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOSPC' || code === 'EDQUOT')
        throw new JournalDiskFullError(this.opts.dir, this.writtenSeq, err);
      throw new JournalIOError(`Creating segment ${path} failed: ${String(err)}`, err);
    }
    if (this.syncing) this.retiredFds.push(this.fd);
    else closeQuietly(this.fd);
    this.fd = fd;
    old.lastSeq = base - 1;
    this.segments.push({ base, lastSeq: base - 1, bytes: 0, path, checkpoints: [], nextCheckpoint: 0 });
    if (this.opts.fsync !== 'never') this.syncDirQuietly();
  }

  private syncDirQuietly(): void {
    try {
      fsyncDirSync(this.opts.dir);
    } catch (err) {
      this.opts.logger.warn('fsync of the journal directory failed', {
        dir: this.opts.dir,
        error: String(err),
      });
    }
  }

  /**
   * Frees space for `extra` more bytes: first segments every consumer has committed, then, under
   * 'drop-oldest', the oldest segments even if uncommitted (counted and logged). False when the
   * policy is 'reject' and there is no room.
   */
  private makeRoom(extra: number): boolean {
    if (this.totalBytes + extra <= this.opts.maxBytes) return true;
    this.deleteCommittedSegments();
    while (this.totalBytes + extra > this.opts.maxBytes && this.segments.length > 1) {
      if (this.opts.onFull === 'reject') return false;
      this.dropOldestSegment();
    }
    return this.totalBytes + extra <= this.opts.maxBytes;
  }

  /**
   * Deletes the oldest segment although a consumer has not committed it. What a consumer loses is
   * counted when it reads (`noteLost`), not here: a consumer may already have read these records
   * past its cursor (an open window, a batch in flight) and still deliver them.
   */
  private dropOldestSegment(): void {
    const seg = this.segments[0] as Segment;
    const uncommitted: Record<string, number> = {};
    for (const [name, state] of this.consumerStates) {
      const n = Math.max(0, seg.lastSeq - Math.max(state.cursor, seg.base - 1));
      if (n > 0) uncommitted[name] = n;
    }
    this.removeSegmentFile(seg);
    this.dropped.segments += 1;
    this.dropped.bytes += seg.bytes;
    this.opts.logger.warn('journal full: dropped the oldest segment before every consumer committed it', {
      dir: this.opts.dir,
      maxBytes: this.opts.maxBytes,
      firstSeq: seg.base,
      lastSeq: seg.lastSeq,
      bytes: seg.bytes,
      uncommitted,
    });
  }

  /**
   * `consumer` asked for `from` but the journal now starts at `firstHeld`: the records in between
   * were dropped by the bound. Counts those it had neither committed nor counted before, logs them
   * and persists the ranges counted, so a restart that reads them again does not count twice.
   */
  private async noteLost(
    consumer: string,
    state: ConsumerState,
    from: number,
    firstHeld: number,
  ): Promise<void> {
    const lo = Math.max(from, state.cursor + 1);
    const hi = firstHeld - 1;
    if (lo > hi) return;
    const fresh = uncountedRanges(state.lost, lo, hi);
    if (fresh.length === 0) return;
    state.lost = mergeRange(
      state.lost.filter((r) => r[1] > state.cursor),
      lo,
      hi,
    );
    for (const [first, last] of fresh) {
      state.lostToFull += last - first + 1;
      this.opts.logger.warn(
        'records were dropped by the journal bound before this consumer read them; lost for it',
        {
          dir: this.opts.dir,
          consumer,
          firstSeq: first,
          lastSeq: last,
          records: last - first + 1,
          maxBytes: this.opts.maxBytes,
        },
      );
    }
    const persist = state.chain
      .catch(() => {})
      .then(() =>
        storeCursor(
          this.opts.dir,
          consumer,
          state.cursor,
          this.opts.clock.now(),
          state.lost,
          this.resumePoint(state.cursor),
        ),
      );
    state.chain = persist;
    try {
      await persist;
    } catch (err) {
      // Counted in this process all the same; a restart before the next commit may count them again.
      this.opts.logger.warn('could not persist how far the losses of a consumer are counted', {
        consumer,
        error: String(err),
      });
    }
  }

  private deleteCommittedSegments(): void {
    if (this.consumerStates.size === 0) return;
    let committed = Number.POSITIVE_INFINITY;
    for (const state of this.consumerStates.values()) committed = Math.min(committed, state.cursor);
    while (this.segments.length > 1 && (this.segments[0] as Segment).lastSeq <= committed) {
      const seg = this.segments[0] as Segment;
      this.removeSegmentFile(seg);
      this.opts.logger.info('deleted a segment every consumer has committed', {
        firstSeq: seg.base,
        lastSeq: seg.lastSeq,
      });
    }
  }

  private removeSegmentFile(seg: Segment): void {
    try {
      unlinkSync(seg.path);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') {
        this.opts.logger.warn('could not delete a journal segment', { path: seg.path, error: String(err) });
        return;
      }
    }
    this.segments.shift();
    this.totalBytes -= seg.bytes;
  }

  // ---------------------------------------------------------------- reading

  /** Highest seq readers may see: fsynced ones, or all written ones under `fsync: 'never'`. */
  get readableSeq(): number {
    return this.visibleSeq;
  }

  /**
   * Replays records in seq order, from the consumer's cursor + 1 (or `fromSeq`) up to the readable
   * end at the time of the call. Reads segment files in 64 KiB chunks. Damaged records are skipped
   * and counted; the records after them are returned. The segment being read stays open until the
   * iteration ends: iterate with `for await` (leaving the loop early closes it) or call `return()`.
   */
  async *read(
    consumer: string,
    options: ReadOptions = {},
  ): AsyncGenerator<JournalRecord<T>, void, undefined> {
    const state = this.consumerState(consumer);
    const from = options.fromSeq ?? state.cursor + 1;
    if (!Number.isSafeInteger(from) || from < 1) {
      throw new RangeError(`fromSeq must be an integer >= 1, received ${String(options.fromSeq)}`);
    }
    const max = options.maxRecords ?? Number.POSITIVE_INFINITY;
    const until = this.visibleSeq;
    let next = from;
    let count = 0;
    while (next <= until && count < max) {
      if (this.closed) throw new JournalClosedError(this.opts.dir);
      const index = this.segmentIndexFor(next);
      if (index < 0) return;
      const seg = this.segments[index] as Segment;
      if (next < seg.base) {
        // Only before the first segment: what was there is gone (drop-oldest, or committed by all).
        await this.noteLost(consumer, state, next, seg.base);
        next = seg.base;
        continue;
      }
      const following = this.segments[index + 1];
      const segmentEnd = following ? following.base - 1 : until;
      let fd: number;
      try {
        // Synchronous: opening a segment is answered from the kernel's caches; the reads are not.
        fd = openSync(seg.path, 'r');
      } catch (err) {
        // Deleted under us (retention or drop-oldest): go on with whatever is now first.
        if (errnoCode(err) === 'ENOENT' && this.segments[0] !== seg) continue;
        throw err;
      }
      try {
        const start = this.startPoint(seg, next);
        const scanner = new SegmentScanner(
          fdSource(fd),
          seg.bytes,
          start,
          this.opts.maxRecordBytes - HEADER_BYTES,
        );
        let prevSeq = start.prevSeq;
        let damaged: { offset: number; end: number } | null = null;
        for (;;) {
          const item = scanner.nextBuffered() ?? (await scanner.next());
          if (item === null) break;
          if (item.kind === 'record') {
            if (damaged) this.noteCorrupt(seg, damaged, item.seq - prevSeq - 1);
            damaged = null;
            if (item.seq > until) break;
            prevSeq = item.seq;
            if (item.seq < next) continue;
            if (this.closed) throw new JournalClosedError(this.opts.dir);
            yield { seq: item.seq, value: this.opts.codec.decode(item.payload) };
            count += 1;
            if (count >= max) return;
          } else if (item.kind === 'corrupt') {
            damaged = item;
          } else {
            this.noteCorrupt(seg, item, following ? Math.max(0, segmentEnd - prevSeq) : 0);
          }
        }
      } finally {
        closeSync(fd);
      }
      next = Math.max(next, segmentEnd + 1);
    }
  }

  /** Like `read`, collected into an array (use `maxRecords` to bound memory). */
  async readBatch(consumer: string, options: ReadOptions = {}): Promise<JournalRecord<T>[]> {
    const records: JournalRecord<T>[] = [];
    for await (const record of this.read(consumer, options)) records.push(record);
    return records;
  }

  /**
   * Resolves true once `seq` is readable, false if the journal closes first. For consumers that
   * tail the journal instead of polling.
   */
  waitForSeq(seq: number, signal?: AbortSignal): Promise<boolean> {
    if (seq <= this.visibleSeq) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const watcher: SeqWatcher = { seq, resolve };
      this.watchers.push(watcher);
      signal?.addEventListener(
        'abort',
        () => {
          this.watchers = this.watchers.filter((w) => w !== watcher);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  private notifyWatchers(): void {
    const ready = this.watchers.filter((w) => w.seq <= this.visibleSeq);
    if (ready.length === 0) return;
    this.watchers = this.watchers.filter((w) => w.seq > this.visibleSeq);
    for (const w of ready) w.resolve(true);
  }

  private segmentIndexFor(seq: number): number {
    const segments = this.segments;
    if (segments.length === 0) return -1;
    let lo = 0;
    let hi = segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((segments[mid] as Segment).base <= seq) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * The newest segment's last checkpoint at or before record `seq` (readable, so written before the
   * commit that stores it), or nothing when `seq` is not in that segment or no checkpoint is.
   */
  private resumePoint(seq: number): ResumePoint | undefined {
    const seg = this.segments[this.segments.length - 1];
    if (!seg || seq < seg.base) return undefined;
    const { offset, prevSeq } = this.startPoint(seg, seq);
    return prevSeq + 1 === seg.base && offset === 0
      ? undefined
      : { segment: seg.base, seq: prevSeq + 1, offset };
  }

  private startPoint(seg: Segment, seq: number): { offset: number; prevSeq: number } {
    const cps = seg.checkpoints;
    let offset = 0;
    let prevSeq = seg.base - 1;
    for (let i = 0; i < cps.length; i += 2) {
      const cpSeq = cps[i] as number;
      if (cpSeq > seq) break;
      offset = cps[i + 1] as number;
      prevSeq = cpSeq - 1;
    }
    return { offset, prevSeq };
  }

  private noteCorrupt(seg: Segment, region: { offset: number; end: number }, records: number): void {
    const key = `${seg.base}:${region.offset}`;
    if (this.seenCorrupt.has(key)) return;
    this.seenCorrupt.add(key);
    this.corrupt.regions += 1;
    this.corrupt.bytes += region.end - region.offset;
    this.corrupt.records += records;
    this.opts.logger.warn('skipped a damaged region of the journal', {
      segment: seg.path,
      offset: region.offset,
      bytes: region.end - region.offset,
      recordsLost: records,
    });
  }

  // ---------------------------------------------------------------- consumers

  /** Names of the consumers, sorted. */
  consumers(): string[] {
    return [...this.consumerStates.keys()].sort();
  }

  /** Last committed seq of `consumer` (0 = nothing committed). */
  cursor(consumer: string): number {
    return this.consumerState(consumer).cursor;
  }

  /**
   * Adds a consumer (idempotent). `startAt: 'oldest'` (default) reads everything still in the
   * journal; `'latest'` starts after the last readable record.
   */
  async addConsumer(consumer: string, options: { startAt?: 'oldest' | 'latest' } = {}): Promise<void> {
    this.assertOpen();
    if (typeof consumer !== 'string' || !isValidConsumerName(consumer)) {
      throw new RangeError(
        `Consumer name ${JSON.stringify(consumer)} is invalid: use 1-64 letters, digits, _ . - starting with a letter or digit.`,
      );
    }
    if (this.consumerStates.has(consumer)) return;
    const seq = options.startAt === 'latest' ? this.visibleSeq : 0;
    // Records deleted before the consumer existed are not its losses.
    const firstHeld = this.segments[0]?.base ?? 1;
    const lost: LostRange[] = firstHeld > seq + 1 ? [[seq + 1, firstHeld - 1]] : [];
    await storeCursor(this.opts.dir, consumer, seq, this.opts.clock.now(), lost);
    this.consumerStates.set(consumer, {
      cursor: seq,
      target: seq,
      chain: Promise.resolve(),
      lostToFull: 0,
      lost,
    });
  }

  /** Forgets a consumer and its cursor, so it no longer holds back retention. */
  async removeConsumer(consumer: string): Promise<void> {
    this.assertOpen();
    const state = this.consumerState(consumer);
    await state.chain.catch(() => {});
    this.consumerStates.delete(consumer);
    await deleteCursor(this.opts.dir, consumer);
    this.deleteCommittedSegments();
  }

  /**
   * Records that `consumer` has processed every record up to and including `seq`, durably and
   * atomically (temp file, fsync, rename, fsync directory), then deletes segments that every
   * consumer has committed. Commits of one consumer apply in call order.
   */
  commit(consumer: string, seq: number): Promise<void> {
    try {
      this.assertOpen();
      const state = this.consumerState(consumer);
      if (!Number.isSafeInteger(seq) || seq < 0) {
        throw new InvalidCursorError(consumer, seq, 'a cursor is an integer >= 0');
      }
      if (seq > this.visibleSeq) {
        throw new InvalidCursorError(
          consumer,
          seq,
          `the last readable record is ${this.visibleSeq}; commit only what you have read`,
        );
      }
      if (seq < state.target) {
        throw new InvalidCursorError(
          consumer,
          seq,
          `the cursor is already at ${state.target} and never moves back`,
        );
      }
      if (seq === state.target) return state.chain.catch(() => {});
      state.target = seq;
      const run = state.chain
        .catch(() => {})
        .then(() =>
          storeCursor(this.opts.dir, consumer, seq, this.opts.clock.now(), state.lost, this.resumePoint(seq)),
        )
        .then(
          () => {
            state.cursor = Math.max(state.cursor, seq);
            if (!this.closed) this.deleteCommittedSegments();
          },
          (err: unknown) => {
            state.target = state.cursor;
            throw new JournalIOError(`Persisting the cursor of "${consumer}" failed: ${String(err)}`, err);
          },
        );
      state.chain = run;
      return run;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private consumerState(consumer: string): ConsumerState {
    const state = this.consumerStates.get(consumer);
    if (!state) throw new UnknownConsumerError(consumer, this.consumers());
    return state;
  }

  private assertOpen(): void {
    if (this.closed) throw new JournalClosedError(this.opts.dir);
  }

  // ---------------------------------------------------------------- state

  stats(): JournalStats {
    const first = this.segments[0];
    const firstSeq = first && this.writtenSeq >= first.base ? first.base : null;
    const consumers: Record<string, ConsumerStats> = {};
    for (const [name, state] of this.consumerStates) {
      // Per segment, so that a jump in seqs between segments (after a rewound cursor) is not counted.
      let backlog = 0;
      let backlogBytes = 0;
      for (const seg of this.segments) {
        const behind = Math.max(0, seg.lastSeq - Math.max(state.cursor, seg.base - 1));
        backlog += behind;
        const records = seg.lastSeq - seg.base + 1;
        if (behind > 0 && records > 0) backlogBytes += Math.round((seg.bytes * behind) / records);
      }
      consumers[name] = { cursor: state.cursor, backlog, backlogBytes, lostToFull: state.lostToFull };
    }
    return {
      firstSeq,
      lastSeq: this.writtenSeq,
      readableSeq: this.visibleSeq,
      bytes: this.totalBytes,
      segments: this.segments.length,
      maxBytes: this.opts.maxBytes,
      consumers,
      droppedToFull: { ...this.dropped },
      corrupt: { ...this.corrupt },
      tornTail: { bytes: this.tornTailBytes },
      fsyncs: this.fsyncCount,
    };
  }

  /** Makes everything durable (under every policy), waits for pending commits and releases the directory. */
  close(): Promise<void> {
    if (!this.closing) this.closing = this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) {
      this.opts.clock.clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.syncing) await new Promise<void>((resolve) => this.idleResolvers.push(resolve));
    if (!this.broken && this.writtenSeq > this.syncedSeq) {
      try {
        fdatasyncSync(this.fd);
        this.fsyncCount += 1;
        this.markSynced(this.writtenSeq);
      } catch (err) {
        this.fail(err, 'the final fsync at close');
      }
    }
    await Promise.all([...this.consumerStates.values()].map((s) => s.chain.catch(() => {})));
    const watchers = this.watchers;
    this.watchers = [];
    for (const w of watchers) w.resolve(false);
    this.closeFds();
    this.releaseLock();
  }

  private closeFds(): void {
    if (this.fd >= 0) closeQuietly(this.fd);
    this.fd = -1;
    for (const fd of this.retiredFds) closeQuietly(fd);
    this.retiredFds = [];
  }

  // ---------------------------------------------------------------- recovery

  private async recover(): Promise<void> {
    const { dir, logger } = this.opts;
    const entries = await readdir(dir);
    const bases: number[] = [];
    for (const entry of entries) {
      const base = segmentBase(entry);
      if (base !== null) bases.push(base);
      else if (entry.endsWith('.tmp')) await unlinkIfExists(join(dir, entry));
    }
    bases.sort((a, b) => a - b);

    const cursors = await loadCursors(dir, logger);
    for (const [name, { seq, lost }] of cursors) {
      this.consumerStates.set(name, {
        cursor: seq,
        target: seq,
        chain: Promise.resolve(),
        lostToFull: 0,
        lost,
      });
    }
    let maxCursor = 0;
    for (const { seq } of cursors.values()) maxCursor = Math.max(maxCursor, seq);

    for (let i = 0; i < bases.length; i++) {
      const base = bases[i] as number;
      const path = join(dir, segmentFileName(base));
      const next = bases[i + 1];
      const bytes = (await stat(path)).size;
      this.segments.push({
        base,
        lastSeq: next === undefined ? base - 1 : next - 1,
        bytes,
        path,
        checkpoints: [],
        nextCheckpoint: 0,
      });
      this.totalBytes += bytes;
    }

    let lastSeq = 0;
    const last = this.segments[this.segments.length - 1];
    if (last) {
      lastSeq = await this.recoverActiveSegment(last, cursors.values());
    }
    let newSegment = last === undefined;
    if (maxCursor > lastSeq) {
      await this.rewindCursorsPastEnd(lastSeq);
      // New records are numbered after the largest cursor: a consumer may have processed seqs up to
      // it (under fsync 'never' a power cut can take back committed records), and the lake and
      // Snowflake remember those seqs, so reusing one would make them skip a new record. A new
      // segment named after it keeps that mark on disk now that the rewound cursors no longer do.
      lastSeq = maxCursor;
      newSegment = true;
    }
    this.nextSeq = lastSeq + 1;
    this.writtenSeq = lastSeq;
    this.syncedSeq = lastSeq;
    this.visibleSeq = lastSeq;

    if (last && !newSegment) {
      this.fd = openSync(last.path, 'a');
      if (this.opts.fsync !== 'never') {
        // Whatever an earlier process left in the page cache becomes durable before anyone reads it.
        // Opening is async: another journal's work (a fleet backfill) goes on while this one waits.
        const fd = this.fd;
        await new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
        this.fsyncCount += 1;
      }
    } else {
      const path = join(dir, segmentFileName(this.nextSeq));
      this.fd = openSync(path, 'ax');
      this.segments.push({
        base: this.nextSeq,
        lastSeq: this.nextSeq - 1,
        bytes: 0,
        path,
        checkpoints: [],
        nextCheckpoint: 0,
      });
      // After a rewind the segment's name is the only record of the high-water mark: always durable.
      if (this.opts.fsync !== 'never' || last) await fsyncDir(dir);
    }

    for (const name of this.opts.consumers) {
      if (!this.consumerStates.has(name)) await this.addConsumer(name);
    }
    this.deleteCommittedSegments();
    if (this.totalBytes > this.opts.maxBytes && this.opts.onFull === 'drop-oldest') this.makeRoom(0);
  }

  /**
   * A cursor past the last record (`lastSeq`, the highest seq ever written) would skip every record
   * the journal still holds for that consumer, silently: the cursor file was edited or copied from
   * another journal, or a power cut under fsync 'never' took back records after they were committed.
   * Nothing tells these apart, so each such cursor is moved back before the oldest record still held
   * and persisted, with an error log: the consumer replays, and consumers that de-duplicate by seq
   * (the lake writer's overlap check, Snowflake's offset token) skip what they already have. A replay
   * costs work; a skip would lose readings.
   */
  private async rewindCursorsPastEnd(lastSeq: number): Promise<void> {
    const { dir, logger } = this.opts;
    const first = this.segments[0];
    const replayFrom = first && lastSeq >= first.base ? first.base : lastSeq + 1;
    for (const [consumer, state] of this.consumerStates) {
      if (state.cursor <= lastSeq) continue;
      logger.error(
        'consumer cursor is past the last record of the journal; it is moved back to replay every record the journal holds',
        {
          dir,
          consumer,
          cursor: state.cursor,
          lastSeq,
          replayFrom,
          records: lastSeq - replayFrom + 1,
          cause:
            'the cursor file was edited or restored from elsewhere, or a power cut under fsync never took back committed records',
        },
      );
      state.cursor = replayFrom - 1;
      state.target = replayFrom - 1;
      await storeCursor(dir, consumer, replayFrom - 1, this.opts.clock.now(), state.lost);
    }
  }

  /**
   * Scans the newest segment to its end ({@link scanToEnd}: from the furthest intact resume point, else
   * from its start): damage is counted and skipped, bytes after the last valid record (a torn write)
   * are cut off so new records follow a valid one. Returns the highest seq found (base - 1 when none).
   */
  private async recoverActiveSegment(
    seg: Segment,
    cursors: Iterable<{ resume?: ResumePoint }>,
  ): Promise<number> {
    const file = await open(seg.path, 'r+');
    try {
      const scan = await scanToEnd(
        file,
        seg.bytes,
        seg.base,
        cursors,
        this.opts.maxRecordBytes - HEADER_BYTES,
      );
      let prevSeq = scan.prevSeq;
      let damaged: { offset: number; end: number } | null = null;
      for (let item = scan.first; item !== null; item = await scan.scanner.next()) {
        if (item.kind === 'record') {
          if (damaged) this.noteCorrupt(seg, damaged, item.seq - prevSeq - 1);
          damaged = null;
          if (item.offset >= seg.nextCheckpoint) {
            seg.checkpoints.push(item.seq, item.offset);
            seg.nextCheckpoint = item.offset + CHECKPOINT_EVERY;
          }
          prevSeq = item.seq;
        } else if (item.kind === 'corrupt') {
          damaged = item;
        } else {
          const cut = item.end - item.offset;
          await file.truncate(item.offset);
          if (this.opts.fsync !== 'never') await file.sync();
          this.tornTailBytes += cut;
          this.totalBytes -= cut;
          seg.bytes = item.offset;
          this.opts.logger.warn('dropped a torn record at the end of the journal', {
            segment: seg.path,
            offset: item.offset,
            bytes: cut,
            lastSeq: prevSeq,
          });
        }
      }
      seg.lastSeq = prevSeq;
      return prevSeq;
    } finally {
      await file.close();
    }
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Closing is best effort: the data was already synced or the journal is being abandoned.
  }
}

/** The parts of [lo, hi] that no range of `counted` (sorted, disjoint) covers. */
function uncountedRanges(counted: readonly LostRange[], lo: number, hi: number): LostRange[] {
  const out: LostRange[] = [];
  let next = lo;
  for (const [a, b] of counted) {
    if (b < next) continue;
    if (a > hi) break;
    if (a > next) out.push([next, a - 1]);
    next = Math.max(next, b + 1);
    if (next > hi) return out;
  }
  if (next <= hi) out.push([next, hi]);
  return out;
}

/** `ranges` (sorted, disjoint) with [lo, hi] added, overlapping and adjacent ranges merged. */
function mergeRange(ranges: readonly LostRange[], lo: number, hi: number): LostRange[] {
  const out: LostRange[] = [];
  let cur: LostRange = [lo, hi];
  let placed = false;
  for (const r of ranges) {
    if (r[1] + 1 < cur[0]) out.push(r);
    else if (r[0] > cur[1] + 1) {
      if (!placed) out.push(cur);
      placed = true;
      out.push(r);
    } else cur = [Math.min(r[0], cur[0]), Math.max(r[1], cur[1])];
  }
  if (!placed) out.push(cur);
  return out;
}
