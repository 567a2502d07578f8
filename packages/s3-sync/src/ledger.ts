import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { type ProcessLock, tryAcquireProcessLock, writeFileAtomic } from '@opensensor/buffer';
import { type Clock, type Logger, systemClock } from '@opensensor/errors';
import { LedgerError } from './errors.js';

/** How an object came to be recorded as uploaded. */
export type UploadMethod = 'put' | 'multipart' | 'existing';

/** One uploaded file, as the ledger remembers it. */
export interface LedgerEntry {
  /** `S3Target.id`: the store and bucket the object went to. */
  readonly target: string;
  readonly key: string;
  /** Path relative to the lake root. */
  readonly path: string;
  readonly size: number;
  /** Local modification time at upload; retention uses size + mtime to know the file is unchanged. */
  readonly mtimeMs: number;
  /** SHA-256 of the bytes, lower-case hex. */
  readonly sha256: string;
  readonly etag?: string;
  /** ISO-8601 time of the upload. */
  readonly uploadedAt: string;
  /** True when the store confirmed these exact bytes (a checksum it checked, or a matching existing object). */
  readonly verified: boolean;
  readonly method: UploadMethod;
}

interface PutLine extends LedgerEntry {
  readonly v: 1;
  readonly op: 'put';
}
interface ForgetLine {
  readonly v: 1;
  readonly op: 'forget';
  readonly target: string;
  readonly key: string;
  readonly at: string;
}
type Line = PutLine | ForgetLine;

/** What opening the ledger found; useful for `status` output and logs. */
export interface LedgerLoadReport {
  readonly lines: number;
  readonly entries: number;
  /** Lines that were not valid ledger records (a bit flip on the card); their files get re-checked remotely. */
  readonly skippedLines: number;
  /** Bytes of a torn last line (a crash during an append) that were cut off. */
  readonly truncatedBytes: number;
  /** The ledger was rewritten: superseded lines compacted away, or damaged lines dropped. */
  readonly compacted: boolean;
  /**
   * Where the damaged lines were kept when a locked open dropped them (`<path>.damaged`, appended to).
   * Undefined when nothing was dropped, or when the ledger was opened read-only.
   */
  readonly damagedLinesFile?: string;
}

export interface OpenLedgerOptions {
  readonly clock?: Clock;
  /**
   * Take the ledger's lock file (`<path>.lock`). Default true. Without it, the ledger is read-only:
   * use that for status displays while a sync may be running.
   */
  readonly lock?: boolean;
  /** Told when a stale lock (of a process that died, or of an earlier boot) is taken over. */
  readonly logger?: Pick<Logger, 'warn'>;
}

/**
 * The ledger's entries by target, then by key. A station's ledger grows by a line per file (35,040 a
 * year for one lake) and every sync loads it whole, so each entry is kept small: the target string is
 * shared by its entries, the path is a slice of the key when the key ends with it (the usual case), and
 * no combined map key is built. A year of entries took 23 MB of heap before.
 */
class EntryMap {
  private readonly targets = new Map<string, { target: string; byKey: Map<string, LedgerEntry> }>();
  size = 0;

  get(target: string, key: string): LedgerEntry | undefined {
    return this.targets.get(target)?.byKey.get(key);
  }

  set(entry: LedgerEntry): void {
    let t = this.targets.get(entry.target);
    if (!t) {
      t = { target: entry.target, byKey: new Map() };
      this.targets.set(entry.target, t);
    }
    const { key, path } = entry;
    const sharedPath =
      path === key ? key : key.endsWith(`/${path}`) ? key.slice(key.length - path.length) : path;
    const before = t.byKey.size;
    t.byKey.set(key, { ...entry, target: t.target, path: sharedPath });
    this.size += t.byKey.size - before;
  }

  delete(target: string, key: string): void {
    if (this.targets.get(target)?.byKey.delete(key)) this.size--;
  }

  *values(): Generator<LedgerEntry> {
    for (const t of this.targets.values()) yield* t.byKey.values();
  }
}

function isPutLine(x: unknown): x is PutLine {
  const l = x as Partial<PutLine> | null;
  return (
    !!l &&
    l.v === 1 &&
    l.op === 'put' &&
    typeof l.target === 'string' &&
    typeof l.key === 'string' &&
    typeof l.path === 'string' &&
    typeof l.size === 'number' &&
    typeof l.mtimeMs === 'number' &&
    typeof l.sha256 === 'string' &&
    typeof l.uploadedAt === 'string' &&
    typeof l.verified === 'boolean' &&
    (l.method === 'put' || l.method === 'multipart' || l.method === 'existing')
  );
}

function isForgetLine(x: unknown): x is ForgetLine {
  const l = x as Partial<ForgetLine> | null;
  return !!l && l.v === 1 && l.op === 'forget' && typeof l.target === 'string' && typeof l.key === 'string';
}

/**
 * The upload ledger: an append-only JSON-lines file, one line per upload, `fdatasync`ed before the
 * upload counts. A crash can only tear the line being written, which the next open cuts off, so the
 * ledger never claims an upload that did not finish; an upload that finished but was not yet recorded
 * is found again by the next sync and settled with a conditional PUT (412 → compare checksums).
 * Superseded lines are compacted away on open (write temp, fsync, rename, fsync directory).
 */
export class Ledger {
  readonly path: string;
  readonly report: LedgerLoadReport;
  private readonly map: EntryMap;
  private readonly clock: Clock;
  private handle: fs.FileHandle | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly lock: ProcessLock | undefined;
  private closed = false;

  private constructor(
    path: string,
    map: EntryMap,
    report: LedgerLoadReport,
    clock: Clock,
    handle: fs.FileHandle | undefined,
    lock: ProcessLock | undefined,
  ) {
    this.path = path;
    this.map = map;
    this.report = report;
    this.clock = clock;
    this.handle = handle;
    this.lock = lock;
  }

  /** Opens (creating if needed) the ledger at `path`, taking its lock unless `lock: false`. */
  static async open(path: string, options: OpenLedgerOptions = {}): Promise<Ledger> {
    const clock = options.clock ?? systemClock;
    const lock = options.lock ?? true;
    let held: ProcessLock | undefined;
    if (lock) {
      await fs.mkdir(dirname(path), { recursive: true });
      held = acquireLock(`${path}.lock`, options.logger);
    }
    try {
      const { map, report, validBytes, fileBytes, damaged } = await load(path);
      let finalReport: LedgerLoadReport = report;
      if (lock) {
        if (validBytes < fileBytes) await fs.truncate(path, validBytes);
        let damagedLinesFile: string | undefined;
        if (damaged.length > 0) {
          // Kept for whoever investigates the card, then dropped, so the repair happens (and is reported) once.
          damagedLinesFile = `${path}.damaged`;
          await appendDurably(damagedLinesFile, Buffer.concat(damaged.flatMap((d) => [d, NEWLINE])));
        }
        // Rewrite when most lines are superseded, so a long-running station's ledger stays small.
        if (damaged.length > 0 || (report.lines > 256 && report.lines > 2 * map.size)) {
          await rewrite(path, map);
          finalReport = { ...report, compacted: true, ...(damagedLinesFile ? { damagedLinesFile } : {}) };
        }
      }
      const handle = lock ? await fs.open(path, 'a') : undefined;
      return new Ledger(path, map, finalReport, clock, handle, held);
    } catch (err) {
      held?.release();
      throw err;
    }
  }

  get size(): number {
    return this.map.size;
  }

  get(target: string, key: string): LedgerEntry | undefined {
    return this.map.get(target, key);
  }

  /** All current entries (the latest record per target and key). */
  entries(): IterableIterator<LedgerEntry> {
    return this.map.values();
  }

  /** Durably records an upload; resolves once the line is on disk. */
  record(entry: LedgerEntry): Promise<void> {
    const line: PutLine = { v: 1, op: 'put', ...entry };
    return this.append(line, () => this.map.set(entry));
  }

  /** Durably forgets an entry (retention deleted the local file; the object stays in the store). */
  forget(target: string, key: string): Promise<void> {
    const line: ForgetLine = {
      v: 1,
      op: 'forget',
      target,
      key,
      at: new Date(this.clock.now()).toISOString(),
    };
    return this.append(line, () => this.map.delete(target, key));
  }

  private append(line: Line, apply: () => void): Promise<void> {
    if (this.closed)
      return Promise.reject(new LedgerError('LEDGER_CORRUPT', `ledger ${this.path} is closed`));
    const handle = this.handle;
    if (!handle)
      return Promise.reject(
        new LedgerError(
          'LEDGER_LOCKED',
          `ledger ${this.path} was opened read-only (lock: false); it cannot record`,
        ),
      );
    const text = `${JSON.stringify(line)}\n`;
    // Appends are serialised: concurrent uploads finish in any order, lines must not interleave.
    const next = this.chain.then(async () => {
      await handle.write(text);
      await handle.datasync();
      apply();
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Waits for pending appends, closes the file and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chain;
    await this.handle?.close();
    this.handle = undefined;
    this.lock?.release();
  }
}

/** Opens a ledger; see `Ledger`. */
export function openLedger(path: string, options?: OpenLedgerOptions): Promise<Ledger> {
  return Ledger.open(path, options);
}

const NEWLINE = Buffer.from('\n');

async function appendDurably(path: string, bytes: Buffer): Promise<void> {
  const h = await fs.open(path, 'a');
  try {
    await h.write(bytes);
    await h.datasync();
  } finally {
    await h.close();
  }
}

async function load(path: string): Promise<{
  map: EntryMap;
  report: LedgerLoadReport;
  validBytes: number;
  fileBytes: number;
  /** The skipped lines' bytes. */
  damaged: Buffer[];
}> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return {
        map: new EntryMap(),
        report: { lines: 0, entries: 0, skippedLines: 0, truncatedBytes: 0, compacted: false },
        validBytes: 0,
        fileBytes: 0,
        damaged: [],
      };
    throw cannotRead(path, err);
  }
  const map = new EntryMap();
  let lines = 0;
  let skipped = 0;
  const damaged: Buffer[] = [];
  const takeLine = (line: Buffer) => {
    const text = line.toString('utf8');
    if (text.trim() === '') return;
    lines++;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (isPutLine(parsed)) {
      const { v: _v, op: _op, ...entry } = parsed;
      map.set(entry);
    } else if (isForgetLine(parsed)) {
      map.delete(parsed.target, parsed.key);
    } else {
      skipped++;
      damaged.push(line);
    }
  };
  // Read in chunks rather than whole: a year of one lake is 17 MB of ledger, read by every sync.
  let fileBytes = 0;
  /** The start of a line whose newline has not been read yet. */
  let partial: Buffer[] = [];
  try {
    for (;;) {
      const chunk = Buffer.allocUnsafe(LOAD_CHUNK_BYTES);
      let n: number;
      try {
        ({ bytesRead: n } = await handle.read(chunk, 0, chunk.length, null));
      } catch (err) {
        throw cannotRead(path, err);
      }
      if (n === 0) break;
      fileBytes += n;
      let start = 0;
      for (let nl = chunk.indexOf(0x0a, start); nl !== -1 && nl < n; nl = chunk.indexOf(0x0a, start)) {
        const piece = chunk.subarray(start, nl);
        takeLine(partial.length === 0 ? piece : Buffer.concat([...partial, piece]));
        partial = [];
        start = nl + 1;
      }
      if (start < n) partial.push(chunk.subarray(start, n));
    }
  } finally {
    await handle.close();
  }
  // Bytes after the last newline: a line torn by a crash during its append.
  const truncatedBytes = partial.reduce((sum, b) => sum + b.length, 0);
  return {
    map,
    report: {
      lines,
      entries: map.size,
      skippedLines: skipped,
      truncatedBytes,
      compacted: false,
    },
    validBytes: fileBytes - truncatedBytes,
    fileBytes,
    damaged,
  };
}

const LOAD_CHUNK_BYTES = 64 * 1024;

function cannotRead(path: string, err: unknown): LedgerError {
  return new LedgerError(
    'LEDGER_CORRUPT',
    `cannot read the upload ledger ${path}: ${(err as Error).message}`,
    {
      cause: err,
    },
  );
}

async function rewrite(path: string, map: EntryMap): Promise<void> {
  await writeFileAtomic(path, chunksOf(map.values()));
}

/** The ledger's lines in chunks of about 64 KiB, so a large ledger is never one string in memory. */
function* chunksOf(entries: Iterable<LedgerEntry>): Generator<string> {
  let chunk = '';
  for (const e of entries) {
    chunk += `${JSON.stringify({ v: 1, op: 'put', ...e })}\n`;
    if (chunk.length > 65536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/**
 * Takes `<ledger>.lock` with the lock of @opensensor/buffer (pid, boot id and process start time):
 * a lock left by a process that died, by an earlier boot, or whose pid now belongs to another process
 * is taken over; a live holder is refused.
 */
function acquireLock(lockPath: string, logger: OpenLedgerOptions['logger']): ProcessLock {
  const attempt = tryAcquireProcessLock(lockPath, logger ? { logger } : {});
  if (attempt.acquired) return attempt.lock;
  const who = `pid ${attempt.holder.pid}${attempt.holder.self ? ', this process' : ''}`;
  throw new LedgerError(
    'LEDGER_LOCKED',
    `the upload ledger is in use by another sync (${who}, lock ${lockPath}); wait for it to finish or stop that process`,
    { retryable: true },
  );
}
