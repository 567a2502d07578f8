import { basename, dirname, join } from 'node:path';
import type { Journal } from '@opensensor/buffer';
import { childLogger, type Logger, silentLogger } from '@opensensor/errors';
import {
  BatchOverlapError,
  type LakeCompression,
  type LakeEncodings,
  type LakeFilePrefix,
  type LakeSchema,
  type LakeWindow,
  listWindowFiles,
  parseLakeFileName,
  syncDirectory,
  windowOf,
  writeWindowFile,
  type ZstdImplementation,
} from '@opensensor/parquet-hive-writer';
import type { StationClock } from './clock.js';
import { newestPartitionDirs, partitionDay } from './partition-dirs.js';
import { decodeRecord, type PipelineRecord, RECORD_KIND, recordKind } from './records.js';
import { RESTAMP_STEP, Restamper, type Sequenced } from './restamp.js';
import { FloatWindowBuffer, ObjectWindowBuffer, type WindowBuffer } from './window-buffer.js';

export interface LakeConsumerOptions {
  journal: Journal<Uint8Array>;
  /** Journal consumer name, e.g. `parquet` or `health`. */
  name: string;
  /** Which records this consumer turns into files. */
  kind: 'reading' | 'health';
  /**
   * The journal's identity, written into each file's footer with its sequence numbers: a replay is
   * checked only against files of the same journal (another journal for the station numbers anew).
   */
  seqSource?: string;
  schema: LakeSchema;
  root: string;
  station: string;
  batchDurationSec: number;
  compression: LakeCompression;
  /** Where zstd comes from (`writeWindowFile`'s `zstd`); default `auto`. */
  zstd?: ZstdImplementation;
  /** Default `compact`. */
  encodings?: LakeEncodings;
  clock: StationClock;
  /** A window is closed by time this long after its end, if no later record closed it first. */
  closeGraceMs: number;
  logger?: Logger;
  /** How long to wait before retrying a window that could not be written (disk full, I/O error). */
  retryDelayMs?: number;
  onWindowWritten?: (info: WindowWritten) => void;
}

export interface WindowWritten {
  path: string;
  status: 'written' | 'identical';
  /** The compressor that wrote the file (e.g. `zstd-js`); undefined for `identical`. */
  codec: string | undefined;
  rows: number;
  bytes: number;
  firstSeq: number;
  lastSeq: number;
  windowEnd: number;
}

export interface LakeConsumerStats {
  windows: number;
  rows: number;
  bytes: number;
  identical: number;
  /** Rows dropped because the lake already held their sequence numbers (a replay after a crash). */
  alreadyInLake: number;
  writeErrors: number;
  restamped: number;
  undatable: number;
  lastWindowEnd: number | null;
  lastFile: string | null;
}

const READ_BATCH = 2000;
/**
 * Files a backfill drain writes at once: the next window is encoded while earlier ones are written
 * and fsynced, and the files are named in order (`nameAfter`). Four keep the fsyncs overlapping with
 * a few dozen KB of encoded files in memory.
 */
const MAX_WRITES_IN_FLIGHT = 4;
/** Thrown by a window write that cannot start because an earlier one of the drain failed (counted already). */
const EARLIER_WRITE_FAILED = new Error('an earlier window of this drain could not be written');
const KNOWN_KINDS: ReadonlySet<number> = new Set(Object.values(RECORD_KIND));
/** What `take` returns for a record dealt with, and for one that sends the reader back (re-dating). */
const TAKE_NEXT = 0;
const TAKE_REWIND = 1;

/**
 * Records the caller has just journaled under seqs `firstSeq`, `firstSeq + 1`, …: a drain takes them
 * from memory instead of reading them back (a backfill's group of windows).
 */
export interface JournaledRecords {
  firstSeq: number;
  values: readonly Uint8Array[];
}

/**
 * Turns journal records into one Parquet file per clock-aligned window. The cursor is committed
 * only up to the record before the oldest one not yet in a file, so after any crash a restart
 * replays exactly the unwritten records and forms the same windows again; a replay of a window that
 * did reach the disk is recognised by its footer (first/last seq) and not written twice.
 */
export class LakeConsumer {
  readonly stats: LakeConsumerStats = {
    windows: 0,
    rows: 0,
    bytes: 0,
    identical: 0,
    alreadyInLake: 0,
    writeErrors: 0,
    restamped: 0,
    undatable: 0,
    lastWindowEnd: null,
    lastFile: null,
  };
  private readonly buffer: WindowBuffer;
  private readonly restamper = new Restamper();
  private readonly log: Logger;
  private nextSeq: number;
  private lastProcessed: number;
  private retryAt = 0;
  private readonly days = new Map<string, DaySeqIndex>();
  /** The last failure to write a window or read the journal, for a caller that reports it. */
  lastError: unknown = null;
  /** Whether this drain leaves directory fsyncs to the end of the drain (`deferDirectorySync`). */
  private deferDirectorySync = false;
  /** Directories that got a file whose name is not yet durable: fsynced before the next commit. */
  private readonly unsyncedDirs = new Set<string>();
  /** Reading again from the cursor (a start, a reset): see `skipWhatTheLakeHolds`. */
  private fromCursor = true;
  /** Window files of this drain still being written (deferred drains): true once named, false if failed. */
  private readonly writesInFlight: Promise<boolean>[] = [];
  /** The write of the newest window started: the next file is named only after it. */
  private lastWrite: Promise<unknown> = Promise.resolve();
  /** A write in flight failed: the drain stops and reads again from the cursor. */
  private writeFailedInFlight = false;

  constructor(private readonly o: LakeConsumerOptions) {
    this.buffer = o.kind === 'reading' ? new FloatWindowBuffer(o.schema) : new ObjectWindowBuffer(o.schema);
    this.log = childLogger(o.logger ?? silentLogger, { consumer: o.name });
    this.lastProcessed = o.journal.cursor(o.name);
    this.nextSeq = this.lastProcessed + 1;
  }

  /** Records read but not yet in a file (open window plus records waiting in the journal for the clock). */
  get pending(): number {
    return this.buffer.count + this.restamper.heldCount;
  }

  /**
   * Processes every readable record. Closes a window when a record of a later window arrives, when
   * the clock is past its end plus the grace, or (with `final`) unconditionally, as at the end of a
   * backfill. Never throws for a write failure: it logs, counts and retries later.
   *
   * With `deferDirectorySync` (backfills), each file is still written atomically and fsynced before it
   * is named, but the directories are fsynced once at the end of the drain instead of after each file;
   * either way, the cursor moves past a record only once its file and its name are durable.
   *
   * With `journaled`, the records the caller has just journaled (and fsynced) are taken from memory
   * where the drain reaches them, instead of being read back from the journal.
   */
  async drain(
    options: { final?: boolean; deferDirectorySync?: boolean; journaled?: JournaledRecords } = {},
  ): Promise<void> {
    this.deferDirectorySync = options.deferDirectorySync === true;
    try {
      await this.drainJournal(options);
    } finally {
      // A drain that stopped early (a failure) still waits for the files it started.
      if (!(await this.settleWrites())) this.resetToCursor();
      this.deferDirectorySync = false;
    }
  }

  private async drainJournal(options: { final?: boolean; journaled?: JournaledRecords }): Promise<void> {
    const { journal } = this.o;
    if (this.fromCursor) {
      this.fromCursor = false;
      await this.skipWhatTheLakeHolds();
    }
    const wanted: number = this.o.kind === 'reading' ? RECORD_KIND.reading : RECORD_KIND.health;
    const fed = options.journaled;
    for (;;) {
      let n = 0;
      let rewound = false;
      let step: number | Promise<boolean>;
      const fedFrom = fed ? this.nextSeq - fed.firstSeq : -1;
      if (fed && fedFrom >= 0 && fedFrom < fed.values.length) {
        // The records the caller has just journaled, from memory instead of read back: the same bytes
        // under the same seqs, and only those readers may see (fsynced ones).
        const last = Math.min(fed.values.length, journal.readableSeq - fed.firstSeq + 1);
        for (let i = fedFrom; i < last; i++) {
          n++;
          step = this.take(fed.firstSeq + i, fed.values[i] as Uint8Array, wanted);
          if (step === TAKE_REWIND) {
            rewound = true;
            break;
          }
          if (step !== TAKE_NEXT && !(await step)) return this.resetToCursor();
        }
        // Whatever follows them (nothing, in a backfill) is read from the journal.
        if (n > 0) continue;
      }
      for await (const rec of journal.read(this.o.name, { fromSeq: this.nextSeq, maxRecords: READ_BATCH })) {
        n++;
        step = this.take(rec.seq, rec.value, wanted);
        if (step === TAKE_REWIND) {
          rewound = true;
          break;
        }
        if (step !== TAKE_NEXT && !(await step)) return this.resetToCursor();
      }
      if (!rewound && n < READ_BATCH) break;
    }
    this.stats.restamped = this.restamper.stats.restamped;
    if (this.restamper.stats.undatable > this.stats.undatable) {
      this.log.warn(
        'readings of a boot that ended before the clock was synchronised cannot be dated; dropped',
        {
          dropped: this.restamper.stats.undatable - this.stats.undatable,
          total: this.restamper.stats.undatable,
        },
      );
      this.stats.undatable = this.restamper.stats.undatable;
    }
    const w = this.buffer.window;
    if (w && this.buffer.count > 0 && (options.final || this.o.clock.now() >= w.end + this.o.closeGraceMs)) {
      if (!(await this.closeWindow())) {
        this.resetToCursor();
        return;
      }
    }
    // The cursor passes only records whose files are all written and named.
    if (!(await this.settleWrites())) {
      this.resetToCursor();
      return;
    }
    await this.commit();
  }

  /**
   * One record of the journal: TAKE_NEXT when it is dealt with, TAKE_REWIND when the records before
   * it must be read again (re-dated), or the write of the window it closed (false: the write failed;
   * forget what is in memory and replay from the cursor on the retry, which forms the same windows).
   */
  private take(seq: number, value: Uint8Array, wanted: number): number | Promise<boolean> {
    this.nextSeq = seq + 1;
    // The other stream's records are skipped without decoding them (a reading is not parsed by the
    // health writer, a health record's JSON not by the data writer).
    const kind = recordKind(value);
    if (kind !== wanted && kind !== RECORD_KIND.clockSynced && KNOWN_KINDS.has(kind)) {
      this.lastProcessed = seq;
      return TAKE_NEXT;
    }
    const step = this.restamper.admit(seq, value);
    if (step === RESTAMP_STEP.rewind) {
      // The marker that dates the held records: read them again from the journal, re-dated.
      this.nextSeq = this.restamper.rewindTo;
      this.lastProcessed = this.nextSeq - 1;
      return TAKE_REWIND;
    }
    // Held for re-dating, or a dated reading of the open window, which goes from its bytes into the
    // columns (no decode, no await).
    if (step !== RESTAMP_STEP.pass || this.buffer.addToOpenWindow?.(seq, value)) {
      this.lastProcessed = seq;
      return TAKE_NEXT;
    }
    let decoded: PipelineRecord;
    try {
      decoded = decodeRecord(value);
    } catch (err) {
      this.log.error('journal record is not a pipeline record; skipped', { seq, err });
      this.lastProcessed = seq;
      return TAKE_NEXT;
    }
    const record = decoded.kind === wanted ? this.restamper.date(decoded) : null;
    if (record !== null) {
      const item = { seq, record };
      // A record of the open window is added without an await (17,280 a station-day).
      if (!this.addToOpenWindow(item)) {
        return this.accept(item).then((ok) => {
          if (ok) this.lastProcessed = seq;
          return ok;
        });
      }
    }
    this.lastProcessed = seq;
    return TAKE_NEXT;
  }

  /** Waits for the window files still being written; false when one of them failed (counted and logged). */
  private async settleWrites(): Promise<boolean> {
    const results = await Promise.all(this.writesInFlight.splice(0));
    const ok = !this.writeFailedInFlight && results.every(Boolean);
    this.writeFailedInFlight = false;
    this.lastWrite = Promise.resolve();
    return ok;
  }

  /** Makes the names of the files written with deferred directory fsyncs durable; false on failure. */
  private async syncDirectories(): Promise<boolean> {
    if (this.unsyncedDirs.size === 0) return true;
    const dirs = [...this.unsyncedDirs];
    try {
      await Promise.all(dirs.map((dir) => syncDirectory(dir)));
      for (const dir of dirs) this.unsyncedDirs.delete(dir);
      return true;
    } catch (err) {
      // The files are there; only the cursor waits until their names are durable (the next commit).
      this.stats.writeErrors++;
      this.lastError = err;
      this.log.error('could not make new file names durable; the cursor stays behind them', { err });
      return false;
    }
  }

  /** When the open window should be closed by time, so a tailing loop knows how long it may sleep. */
  get closeDeadline(): number | null {
    const w = this.buffer.window;
    const byTime = w && this.buffer.count > 0 ? w.end + this.o.closeGraceMs : null;
    return this.retryAt > 0 ? Math.min(this.retryAt, byTime ?? this.retryAt) : byTime;
  }

  /** Tails the journal until `signal` aborts; the open window stays in the journal for the next start. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (this.retryAt === 0 || this.o.clock.now() >= this.retryAt) {
        this.retryAt = 0;
        try {
          await this.drain();
        } catch (err) {
          // A journal read or a cursor write failed (I/O error, full or read-only card): start again
          // from the cursor later rather than end the writer.
          this.stats.writeErrors++;
          this.lastError = err;
          this.resetToCursor();
          this.retryAt = this.o.clock.now() + (this.o.retryDelayMs ?? 30_000);
          this.log.error('lake writer failed; retrying from the journal cursor', { err });
        }
      }
      if (signal.aborted) break;
      const wake = new AbortController();
      const onAbort = () => wake.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      const deadline = this.closeDeadline;
      const waits: Promise<unknown>[] = [];
      // While a failed write waits for its retry, new records must not wake the loop (it would spin).
      if (this.retryAt === 0)
        waits.push(this.o.journal.waitForSeq(this.nextSeq, wake.signal).catch(() => false));
      if (deadline !== null) waits.push(this.o.clock.sleepUntil(deadline, wake.signal));
      await Promise.race(waits);
      wake.abort();
      signal.removeEventListener('abort', onAbort);
    }
    await this.commit();
  }

  /** Adds a record that belongs to the open window (no window object to build); false for any other. */
  private addToOpenWindow(item: Sequenced<PipelineRecord>): boolean {
    const record = item.record;
    const open = this.buffer.window;
    if (record.kind === RECORD_KIND.clockSynced || !open || this.buffer.count === 0) return false;
    if (record.timestamp < open.start || record.timestamp >= open.end) return false;
    this.buffer.add(item.seq, record);
    return true;
  }

  private async accept(item: Sequenced<PipelineRecord>): Promise<boolean> {
    const record = item.record;
    if (record.kind === RECORD_KIND.clockSynced) return true;
    const open = this.buffer.window;
    const window = windowOf(record.timestamp, this.o.batchDurationSec);
    if (open && this.buffer.count > 0 && open.start !== window.start) {
      if (!(await this.closeWindow())) return false;
      // The cursor follows each file at once (a backfill's drain commits at its end instead): a
      // catch-up of many windows (after a restart, or re-dating a day without NTP) killed part-way then
      // replays only the window in flight, and the journal's bound cannot drop, before the next process
      // reads them, records whose files are already in the lake (it would count them as lost).
      if (!this.deferDirectorySync) await this.commit();
    }
    if (!this.buffer.window || this.buffer.count === 0 || this.buffer.window.start !== window.start) {
      this.buffer.start(window);
    }
    this.buffer.add(item.seq, record);
    return true;
  }

  /** Writes the open window; false when the write failed (the window stays open for a retry). */
  private async closeWindow(): Promise<boolean> {
    const window = this.buffer.window;
    if (!window || this.buffer.count === 0) return true;
    const base = {
      root: this.o.root,
      station: this.o.station,
      schema: this.o.schema,
      window,
      prefix: this.o.kind === 'reading' ? ('data' as const) : ('health' as const),
      compression: this.o.compression,
      ...(this.o.zstd ? { zstd: this.o.zstd } : {}),
      ...(this.o.encodings ? { encodings: this.o.encodings } : {}),
    };
    try {
      let batch = this.buffer.rows();
      let index = await this.dayIndex(base);
      // A replay (a crash between a file and its cursor, a cursor reset, a changed window length):
      // keep only the sequence numbers no file of this day holds, whatever window it was written for.
      if (batch.firstSeq <= index.maxLastSeq && !index.holdsExactly(batch, window.hhmm)) {
        batch = this.buffer.rows((seq) => !index.covers(seq));
        this.noteAlreadyInLake(window.fileName, this.buffer.count - batch.count);
      }
      if (batch.count > 0) {
        try {
          await this.writeWindow(base, batch);
        } catch (err) {
          if (!(err instanceof BatchOverlapError)) throw err;
          // Files appeared that this day's index did not know (written by something else): read the
          // day again and keep only what none of its files holds.
          this.days.delete(index.key);
          const fresh = await this.dayIndex(base);
          index = fresh;
          const kept = batch.count;
          batch = this.buffer.rows((seq) => !fresh.covers(seq));
          this.noteAlreadyInLake(window.fileName, kept - batch.count);
          if (batch.count > 0) await this.writeWindow(base, batch);
        }
        index.add(batch.firstSeq, batch.lastSeq, window.hhmm);
      }
      this.buffer.clear();
      return true;
    } catch (err) {
      if (err !== EARLIER_WRITE_FAILED) this.noteWriteFailure(window, err);
      return false;
    }
  }

  /** Counts and logs a window that could not be written; its readings stay in the journal. */
  private noteWriteFailure(window: LakeWindow, err: unknown): void {
    this.stats.writeErrors++;
    this.lastError = err;
    this.retryAt = this.o.clock.now() + (this.o.retryDelayMs ?? 30_000);
    this.log.error('could not write window; the readings stay in the journal and the write is retried', {
      window: `${window.partition.year}-${window.partition.month}-${window.partition.day} ${window.fileName}`,
      err,
    });
  }

  private noteAlreadyInLake(fileName: string, n: number): void {
    if (n <= 0) return;
    this.stats.alreadyInLake += n;
    this.log.warn('records already in the lake (a replay); writing only the new ones', {
      window: fileName,
      alreadyInLake: n,
    });
  }

  /** The sequence ranges of every file of the window's day, read once per day and kept up to date. */
  private async dayIndex(base: {
    root: string;
    station: string;
    window: LakeWindow;
    prefix: LakeFilePrefix;
  }): Promise<DaySeqIndex> {
    const { year, month, day } = base.window.partition;
    const key = `${year}-${month}-${day}`;
    const known = this.days.get(key);
    if (known) return known;
    const index = new DaySeqIndex(key);
    for (const f of await listWindowFiles({ ...base, wholeDay: true })) {
      const name = parseLakeFileName(basename(f.path));
      // Files numbered by another journal hold other readings whatever their sequence numbers say.
      const otherJournal =
        f.seqSource !== undefined && this.o.seqSource !== undefined && f.seqSource !== this.o.seqSource;
      if (f.firstSeq !== undefined && f.lastSeq !== undefined && name && !otherJournal)
        index.add(Number(f.firstSeq), Number(f.lastSeq), name.hhmm);
    }
    // A replay rarely spans more than a few days; keep the memory bounded all the same.
    if (this.days.size >= 8) this.days.delete(this.days.keys().next().value as string);
    this.days.set(key, index);
    return index;
  }

  /**
   * Writes one window. In a deferred drain (a backfill) it returns once the rows are encoded, so the
   * buffer can take the next window while this file is written, fsynced and named after the one
   * before it; errors before the encoding are thrown here as from a write awaited whole.
   */
  private async writeWindow(base: WindowFileBase, batch: ReturnType<WindowBuffer['rows']>): Promise<void> {
    if (!this.deferDirectorySync) return this.write(base, batch);
    if (this.writeFailedInFlight) throw EARLIER_WRITE_FAILED;
    let encoded = () => {};
    const rowsEncoded = new Promise<void>((resolve) => {
      encoded = resolve;
    });
    // Named after the window before it; not at all when that one failed (then this one counts no error).
    const nameAfter = this.lastWrite.then(
      () => undefined,
      () => {
        throw EARLIER_WRITE_FAILED;
      },
    );
    const task = this.write(base, batch, { onEncoded: () => encoded(), nameAfter });
    await Promise.race([rowsEncoded, task]);
    this.lastWrite = task;
    this.writesInFlight.push(
      task.then(
        () => true,
        (err: unknown) => {
          this.writeFailedInFlight = true;
          // The day indexes already count this window's sequence numbers: read the days again.
          this.days.clear();
          if (err !== EARLIER_WRITE_FAILED) this.noteWriteFailure(base.window, err);
          return false;
        },
      ),
    );
    if (this.writesInFlight.length >= MAX_WRITES_IN_FLIGHT && !(await this.writesInFlight.shift()))
      throw EARLIER_WRITE_FAILED;
  }

  private async write(
    base: WindowFileBase,
    batch: ReturnType<WindowBuffer['rows']>,
    order: { onEncoded?: () => void; nameAfter?: PromiseLike<unknown> } = {},
  ): Promise<void> {
    const deferred = this.deferDirectorySync;
    const res = await writeWindowFile({
      ...base,
      ...(this.o.seqSource ? { seqSource: this.o.seqSource } : {}),
      rows: batch.rows,
      firstSeq: batch.firstSeq,
      lastSeq: batch.lastSeq,
      ...(deferred ? { syncDirectory: false } : {}),
      ...order,
    });
    // Also for an identical file: another process may have named it without fsyncing the directory.
    if (deferred) this.unsyncedDirs.add(dirname(res.path));
    this.stats.windows++;
    this.stats.rows += res.rows;
    if (res.status === 'identical') this.stats.identical++;
    else this.stats.bytes += res.bytes;
    this.stats.lastWindowEnd = base.window.end;
    this.stats.lastFile = res.path;
    this.log.debug('window written', {
      file: res.path,
      status: res.status,
      rows: res.rows,
      bytes: res.bytes,
      codec: res.codec,
    });
    this.o.onWindowWritten?.({
      path: res.path,
      status: res.status,
      codec: res.codec,
      rows: res.rows,
      bytes: res.bytes,
      firstSeq: batch.firstSeq,
      lastSeq: batch.lastSeq,
      windowEnd: base.window.end,
    });
  }

  private resetToCursor(): void {
    this.buffer.clear();
    this.restamper.reset();
    this.lastProcessed = this.o.journal.cursor(this.o.name);
    this.nextSeq = this.lastProcessed + 1;
    this.fromCursor = true;
  }

  /**
   * Reading again from the cursor, when the journal's bound has dropped records after it: files written
   * after the cursor's last commit (a kill between a file and its commit) may hold some of them, and
   * the journal would count those as lost although they are in the lake. Files are written in sequence
   * order (a window is written when a later record arrives; held records block everything after them
   * until they are re-dated), so every record up to the highest sequence number in this journal's files
   * has been written or skipped: reading resumes after it. Only when records are missing, so a normal
   * start reads no footer.
   */
  private async skipWhatTheLakeHolds(): Promise<void> {
    const first = this.o.journal.stats().firstSeq;
    if (first === null || first <= this.nextSeq) return;
    let high = 0;
    for (const dir of await newestPartitionDirs(join(this.o.root, `station=${this.o.station}`), 3)) {
      const day = partitionDay(dir);
      if (day === null) continue;
      const files = await listWindowFiles({
        root: this.o.root,
        station: this.o.station,
        window: windowOf(day, this.o.batchDurationSec),
        prefix: this.o.kind === 'reading' ? 'data' : 'health',
        wholeDay: true,
      });
      for (const f of files) {
        const otherJournal =
          f.seqSource !== undefined && this.o.seqSource !== undefined && f.seqSource !== this.o.seqSource;
        if (f.lastSeq !== undefined && !otherJournal) high = Math.max(high, Number(f.lastSeq));
      }
    }
    if (high < this.nextSeq) return;
    this.log.info('the lake already holds records after the cursor; reading resumes after them', {
      cursor: this.o.journal.cursor(this.o.name),
      resumeAfter: high,
    });
    this.lastProcessed = high;
    this.nextSeq = high + 1;
  }

  /** Commits up to the record before the oldest one not yet in a file. */
  private async commit(): Promise<void> {
    if (!(await this.syncDirectories())) return;
    let safe = this.lastProcessed;
    if (this.buffer.window && this.buffer.count > 0) safe = Math.min(safe, this.buffer.firstSeq - 1);
    const held = this.restamper.firstHeldSeq;
    if (held !== null) safe = Math.min(safe, held - 1);
    const { journal, name } = this.o;
    if (safe > journal.cursor(name)) await journal.commit(name, safe);
  }
}

type WindowFileBase = Omit<Parameters<typeof writeWindowFile>[0], 'rows' | 'firstSeq' | 'lastSeq'>;

/** Which journal sequence numbers the files of one lake day hold (from their footers). */
class DaySeqIndex {
  maxLastSeq = -1;
  private readonly ranges: { first: number; last: number; hhmm: string }[] = [];

  constructor(readonly key: string) {}

  add(first: number, last: number, hhmm: string): void {
    this.ranges.push({ first, last, hhmm });
    if (last > this.maxLastSeq) this.maxLastSeq = last;
  }

  covers(seq: number): boolean {
    for (const r of this.ranges) if (seq >= r.first && seq <= r.last) return true;
    return false;
  }

  /** A file of this window already holds exactly this batch: writing it again is an identical replay. */
  holdsExactly(batch: { firstSeq: number; lastSeq: number }, hhmm: string): boolean {
    return this.ranges.some((r) => r.first === batch.firstSeq && r.last === batch.lastSeq && r.hhmm === hhmm);
  }
}
