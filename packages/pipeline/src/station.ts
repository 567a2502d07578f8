import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_SEGMENT_BYTES,
  type FsyncPolicy,
  Journal,
  JournalDiskFullError,
  type ProcessLock,
} from '@opensensor/buffer';
import { childLogger, isoTime, type Logger, silentLogger } from '@opensensor/errors';
import {
  cleanupTempFiles,
  HEALTH_SCHEMA,
  type LakeCompression,
  type LakeEncodings,
  type LakeSchema,
  loadCodec,
  type ZstdImplementation,
} from '@opensensor/parquet-hive-writer';
import type { BoardFacade, BoardSample } from '@opensensor/sensors-core';
import type { StationClock } from './clock.js';
import type { ClockSyncMonitor } from './clock-sync.js';
import { collectHealth, type HealthSources } from './health.js';
import { claimJournalForStation } from './journal-station.js';
import {
  type JournaledRecords,
  LakeConsumer,
  type LakeConsumerStats,
  type WindowWritten,
} from './lake-consumer.js';
import { lockStationLakes } from './lake-lock.js';
import { newestPartitionDirs } from './partition-dirs.js';
import {
  decodeRecord,
  encodeClockSynced,
  encodeHealth,
  encodeReading,
  type PipelineRecord,
  RECORD_KIND,
} from './records.js';
import { runSchedule } from './scheduler.js';
import type { UploadBacklog } from './upload-backlog.js';

/** A consumer of the journal besides the lake writers (the Snowpipe sink). */
export interface JournalTask {
  readonly name: string;
  /** Follows the journal until `signal` aborts. Must never throw for a remote failure. */
  run(journal: Journal<Uint8Array>, signal: AbortSignal): Promise<void>;
  /** Processes everything readable now (backfills); with `final`, also waits until it is delivered. */
  drain(journal: Journal<Uint8Array>, options?: { final?: boolean }): Promise<void>;
  status(): Record<string, unknown>;
}

/** A periodic job outside the journal (the S3 sync). */
export interface PeriodicTask {
  readonly name: string;
  readonly intervalMs: number;
  run(signal: AbortSignal): Promise<Record<string, unknown>>;
}

/** The station's configured name and place (WGS 84), recorded in every health record. */
export interface StationPlace {
  name: string | null;
  latitude: number | null;
  longitude: number | null;
}

export interface StationOptions {
  stationId: string;
  board: BoardFacade;
  /** The board's lake schema; its columns (after `timestamp`) are read from the board by name. */
  schema: LakeSchema;
  clock: StationClock;
  /** Monotonic ms since boot; defaults to the clock's own (a paced simulation), else process.hrtime. */
  monotonic?: () => number;
  stateDir: string;
  outputDir: string;
  healthDir: string;
  readIntervalMs: number;
  batchDurationSec: number;
  compression: LakeCompression;
  /**
   * Where zstd comes from (`writeWindowFile`'s `zstd`). Default `auto`: `node:zlib` on Node ≥ 22.15,
   * else the writer's own compressor, which keeps an agent small; a backfill runs faster with `wasm`
   * (docs/performance.md, "Round 8" and "Round 10").
   */
  zstd?: ZstdImplementation;
  /** Default `compact` (decision 0302); `plain` for readers that predate those encodings. */
  encodings?: LakeEncodings;
  fsync?: FsyncPolicy;
  /**
   * Bound of the journal on disk. Its segments are the journal's default size (4 MiB), or half the
   * bound when that is smaller, so that a small bound (a simulation) still holds two of them.
   */
  journalMaxBytes?: number;
  /** Null: trust the system clock. */
  clockSync?: ClockSyncMonitor | null;
  /** Null: no health stream. `place` is recorded in every health record (null fields when unset). */
  health?: { sources?: HealthSources; everyReadings?: number; place?: StationPlace } | null;
  tasks?: readonly JournalTask[];
  periodic?: readonly PeriodicTask[];
  logger?: Logger;
  /**
   * What this process is (`opensensor start`), recorded in the journal's and the lake's locks so that
   * a second writer's error can name it.
   */
  owner?: string;
  /** Statistics line every this many ms of (station) time. Default 15 min. */
  statsIntervalMs?: number;
  onWindowWritten?: (info: WindowWritten & { stream: 'data' | 'health' }) => void;
  /** What is not uploaded yet, kept by the periodic sync (metrics and status). */
  uploads?: UploadBacklog | null;
}

/** `ok`, or what keeps the station from reading and journaling. */
export interface StationHealth {
  ok: boolean;
  reason: string | null;
}

/** What a backfill did, for a summary that says what was written and how to continue. */
export interface BackfillResult {
  /** Where the readings started: after the newest reading the journal already held for the range. */
  from: number;
  /** The next reading would have been taken here: the range's end unless the backfill stopped early. */
  reached: number;
  /** The whole range is journaled and every window written. */
  completed: boolean;
  /** Why the backfill stopped early (a full disk, an I/O error); null when it was not a failure. */
  failure: string | null;
  /** Readings taken but not journaled: lost. */
  lostReadings: number;
  /** Readings in the journal but not yet in a lake file: written by the next run over the range. */
  unwrittenReadings: number;
}

function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

export interface StationStats {
  readings: number;
  /** Board reads that returned (warm-up samples included; failed reads are `readErrors`). */
  boardReads: number;
  /** Seconds spent in board reads, summed (with `boardReads + readErrors`, the mean read time). */
  readSeconds: number;
  warmupSkipped: number;
  overruns: number;
  /** The wall clock jumped back and the read grid was re-anchored. */
  clockJumps: number;
  readErrors: number;
  healthRecords: number;
  appendErrors: number;
  sensorErrors: Record<string, number>;
}

export interface StationStatus {
  station: string;
  board: string;
  time: string;
  clockSynced: boolean;
  stats: StationStats;
  journal: {
    backlog: Record<string, number>;
    lastSeq: number;
    bytes: number;
    /** Per consumer: records it found dropped by the journal's bound when it came to read them. */
    lostToFull: Record<string, number>;
    corruptRecords: number;
  };
  lake: {
    windows: number;
    rows: number;
    bytes: number;
    lastWindowEnd: string | null;
    lastFile: string | null;
  };
  health: { windows: number; lastFile: string | null } | null;
  tasks: Record<string, unknown>;
}

/**
 * A backfill writes the windows it has journaled every this many windows (four hours of 15-minute
 * windows): one journal fsync, one directory fsync and one cursor commit per group instead of per
 * window. 16 rather than 4: a station-day's fsync, fdatasync and rename calls fell from 432 to 254.
 */
const BACKFILL_DRAIN_WINDOWS = 16;

const monotonicNow = () => Number(process.hrtime.bigint() / 1000n) / 1000;

/**
 * One station's pipeline: a drift-free read loop that journals every reading before anything else,
 * the lake writers (readings and health) following the journal, and the other consumers and
 * periodic jobs. The same object runs in real time (the agent) and on a simulated clock (backfills).
 */
export class Station {
  readonly stats: StationStats = {
    readings: 0,
    boardReads: 0,
    readSeconds: 0,
    warmupSkipped: 0,
    overruns: 0,
    clockJumps: 0,
    readErrors: 0,
    healthRecords: 0,
    appendErrors: 0,
    sensorErrors: {},
  };
  private readonly log: Logger;
  private readonly columns: readonly string[];
  /** The reading being encoded, NaN where a column has no value (as the record stores it): no boxed numbers. */
  private readonly values: Float64Array;
  private readonly monotonic: () => number;
  private readonly lake: LakeConsumer;
  private readonly healthLake: LakeConsumer | null;
  private readonly periodicStatus: Record<string, unknown> = {};
  private pendingAppends = new Set<Promise<unknown>>();
  /** Set when the journal fails for good: `run` stops and rethrows it. */
  private fatal: Error | null = null;
  private readonly stopInternally = new AbortController();
  /** This station's lake locks (data, health), released by `close`. */
  private lakeLocks: ProcessLock[] = [];
  private lastAppendError: unknown = null;
  /** The newest append failed (cleared by the next that succeeds): what `/healthz` reports. */
  private lastAppendFailed = false;
  /** Monotonic ms at the start of the newest board read; null before the first. */
  private lastReadStart: number | null = null;
  private running = false;
  /** From the newest health record: what the metrics show without reading the sensor again. */
  private lastCpuTempC: number | null = null;

  private constructor(
    private readonly o: StationOptions,
    readonly journal: Journal<Uint8Array>,
    journalId: string,
  ) {
    this.log = childLogger(o.logger ?? silentLogger, { station: o.stationId });
    this.columns = o.schema.columns.map((c) => c.name);
    this.values = new Float64Array(this.columns.length);
    this.monotonic =
      o.monotonic ?? (o.clock.monotonic ? () => (o.clock.monotonic as () => number)() : monotonicNow);
    const common = {
      journal,
      seqSource: journalId,
      station: o.stationId,
      batchDurationSec: o.batchDurationSec,
      compression: o.compression,
      ...(o.zstd ? { zstd: o.zstd } : {}),
      ...(o.encodings ? { encodings: o.encodings } : {}),
      clock: o.clock,
      // Close a window by time only once its last reading must be readable: readers see records
      // only after the journal's fsync, so its interval counts too.
      closeGraceMs:
        o.readIntervalMs +
        5000 +
        (typeof o.fsync === 'object' ? o.fsync.interval : o.fsync === undefined ? 1000 : 0) *
          (o.clock.speed ?? 1),
      logger: this.log,
    };
    this.lake = new LakeConsumer({
      ...common,
      name: 'parquet',
      kind: 'reading',
      schema: o.schema,
      root: o.outputDir,
      onWindowWritten: (w) => o.onWindowWritten?.({ ...w, stream: 'data' }),
    });
    this.healthLake = o.health
      ? new LakeConsumer({
          ...common,
          name: 'health',
          kind: 'health',
          schema: HEALTH_SCHEMA,
          root: o.healthDir,
          onWindowWritten: (w) => o.onWindowWritten?.({ ...w, stream: 'health' }),
        })
      : null;
  }

  static async open(options: StationOptions): Promise<Station> {
    const dir = join(options.stateDir, 'journal');
    mkdirSync(dir, { recursive: true });
    const consumers = [
      'parquet',
      ...(options.health ? ['health'] : []),
      ...(options.tasks ?? []).map((t) => t.name),
    ];
    const journal = await Journal.open<Uint8Array>({
      dir,
      fsync: options.fsync ?? { interval: 1000 },
      ...(options.journalMaxBytes
        ? {
            maxBytes: options.journalMaxBytes,
            segmentBytes: Math.min(DEFAULT_SEGMENT_BYTES, Math.floor(options.journalMaxBytes / 2)),
          }
        : {}),
      consumers,
      logger: childLogger(options.logger ?? silentLogger, { component: 'journal' }),
      ...(options.owner ? { lockLabel: options.owner } : {}),
    });
    // A consumer configured later (Snowflake switched on) starts at the oldest record the journal still
    // holds. One that is no longer configured would pin every segment until the journal is full: forget it.
    for (const name of journal.consumers()) {
      if (!consumers.includes(name)) {
        await journal.removeConsumer(name);
        options.logger?.info('journal consumer removed: it is no longer configured', { consumer: name });
      }
    }
    // Readings of another station must never be filed under this one (a changed OPENSENSOR_STATION_ID).
    let journalId: string;
    try {
      const claim = await claimJournalForStation(journal, options.stationId, () => options.clock.now());
      journalId = claim.journalId;
      if (claim.previous !== null)
        options.logger?.info('the journal now belongs to this station; it held nothing of the previous one', {
          previous: claim.previous,
        });
    } catch (err) {
      await journal.close();
      throw err;
    }
    // One writer per station lake: two journals number their readings independently, and the lake
    // writer's replay check would drop one's readings as the other's. Taken before the temp-file cleanup,
    // which must not delete another writer's file in flight.
    let lakeLocks: ProcessLock[];
    try {
      lakeLocks = await lockStationLakes(
        options.health ? [options.outputDir, options.healthDir] : [options.outputDir],
        options.stationId,
        {
          ...(options.owner ? { label: options.owner } : {}),
          logger: childLogger(options.logger ?? silentLogger, { component: 'lake' }),
        },
      );
    } catch (err) {
      await journal.close();
      throw err;
    }
    // A crash can leave a temp file only where windows were being written: this station's newest days.
    // (Scanning the whole lake at every start grew with every day and every station.)
    for (const root of options.health ? [options.outputDir, options.healthDir] : [options.outputDir]) {
      for (const dir of await newestPartitionDirs(join(root, `station=${options.stationId}`), 3)) {
        await cleanupTempFiles(dir).catch(() => {});
      }
    }
    await options.clockSync?.init();
    const station = new Station(options, journal, journalId);
    station.lakeLocks = lakeLocks;
    // An agent restarted after the clock synchronised may find undated readings of this boot from
    // before the restart in its journal: a marker now re-dates them (harmless when there are none).
    if (options.clockSync?.synced && options.clockSync.bootTag !== 0) {
      await station.journalClockSynced('clock synchronised at start');
    }
    return station;
  }

  /** Reads once and journals it. Returns the sequence number, or null if nothing was stored. */
  async takeReading(): Promise<number | null> {
    const sync = this.o.clockSync;
    const bytes = await this.sampleReading();
    if (bytes === null) return null;
    const seq = await this.append(bytes);
    if (seq !== null) this.stats.readings++;
    if (sync && !sync.synced && (await sync.poll()))
      await this.journalClockSynced('system clock synchronised; readings taken before are re-dated');
    return seq;
  }

  /** Reads the board once: the encoded reading record, or null when there is nothing to store. */
  private async sampleReading(): Promise<Uint8Array | null> {
    let sample: BoardSample;
    const sync = this.o.clockSync;
    // Whether this reading can be dated is decided before it is taken: if NTP steps the clock during
    // the read, `started` is still the old time, and the marker journaled after it re-dates it.
    const dated = sync ? sync.synced : true;
    const started = this.o.clock.now();
    const mono = this.monotonic();
    this.lastReadStart = mono;
    try {
      sample = await this.o.board.read();
    } catch (err) {
      this.stats.readSeconds += (this.monotonic() - mono) / 1000;
      this.stats.readErrors++;
      this.log.error('board read failed', { err });
      return null;
    }
    this.stats.readSeconds += (this.monotonic() - mono) / 1000;
    this.stats.boardReads++;
    for (const sensor in sample.errors) this.stats.sensorErrors[sensor] = sample.errors[sensor] as number;
    if (sample.warmup) {
      this.stats.warmupSkipped++;
      return null;
    }
    for (let i = 0; i < this.columns.length; i++)
      this.values[i] = sample.reading[this.columns[i] as string] ?? Number.NaN;
    return encodeReading(this.values, {
      timestamp: started,
      monotonic: mono,
      bootTag: sync?.bootTag ?? 0,
      unsynced: !dated,
    });
  }

  /** Journals the wall/monotonic pair that re-dates this boot's undated readings, then counts the clock as synchronised. */
  private async journalClockSynced(message: string): Promise<void> {
    const sync = this.o.clockSync;
    if (!sync) return;
    const marker = await this.append(
      encodeClockSynced({
        timestamp: this.o.clock.now(),
        monotonic: this.monotonic(),
        bootTag: sync.bootTag,
      }),
    );
    if (marker === null) return; // tried again with the next reading
    await sync.markSynced();
    this.log.info(message);
  }

  async takeHealth(): Promise<void> {
    const bytes = await this.sampleHealth();
    if (bytes === null) return;
    const seq = await this.append(bytes);
    if (seq !== null) this.stats.healthRecords++;
  }

  /** Collects the health values: the encoded health record, or null without a health stream. */
  private async sampleHealth(): Promise<Uint8Array | null> {
    if (!this.o.health) return null;
    const sync = this.o.clockSync;
    const values = await collectHealth({
      dataDir: this.o.outputDir,
      clockSynced: sync ? sync.synced : true,
      ...(this.o.health.sources ? { sources: this.o.health.sources } : {}),
    });
    const cpuTemp = values.cpu_temp_c;
    this.lastCpuTempC = typeof cpuTemp === 'number' ? cpuTemp : null;
    const place = this.o.health.place;
    const named = {
      ...values,
      station_name: place?.name ?? null,
      latitude: place?.latitude ?? null,
      longitude: place?.longitude ?? null,
    };
    return encodeHealth(named, {
      timestamp: this.o.clock.now(),
      monotonic: this.monotonic(),
      bootTag: sync?.bootTag ?? 0,
      unsynced: sync ? !sync.synced : false,
    });
  }

  private async append(bytes: Uint8Array): Promise<number | null> {
    const p = this.journal.append(bytes);
    this.pendingAppends.add(p);
    try {
      const seq = await p;
      this.lastAppendFailed = false;
      return seq;
    } catch (err) {
      this.noteAppendError(err);
      return null;
    } finally {
      this.pendingAppends.delete(p);
    }
  }

  /**
   * Journals a backfill's records with one `appendBatch` (one write per 64 KiB instead of one per
   * reading). Returns how many of them, from the first, are in the journal: all of them, or those
   * before the one the journal refused (a full disk), which is counted and logged like a failed append;
   * and the seq of the first.
   */
  private async appendRecords(
    records: readonly Uint8Array[],
  ): Promise<{ written: number; firstSeq: number }> {
    const firstSeq = this.journal.stats().lastSeq + 1;
    if (records.length === 0) return { written: 0, firstSeq };
    const p = this.journal.appendBatch(records);
    this.pendingAppends.add(p);
    try {
      await p;
      return { written: records.length, firstSeq };
    } catch (err) {
      // The records before the failure were written (and stay in the journal); the rest were not.
      const lastWritten =
        err instanceof JournalDiskFullError ? err.lastWrittenSeq : this.journal.stats().lastSeq;
      this.noteAppendError(err);
      return { written: Math.max(0, Math.min(records.length, lastWritten - firstSeq + 1)), firstSeq };
    } finally {
      this.pendingAppends.delete(p);
    }
  }

  private noteAppendError(err: unknown): void {
    this.stats.appendErrors++;
    this.lastAppendError = err;
    this.lastAppendFailed = true;
    const code = (err as { code?: string }).code;
    if (code === 'IO' || code === 'JOURNAL_CLOSED') {
      // The journal refuses every append after an I/O failure (a dying SD card): only reopening it
      // recovers, so stop and let the service manager restart the agent instead of losing every reading.
      this.fatal ??= err as Error;
      this.stopInternally.abort();
      this.log.error('the journal cannot be written; stopping so that a restart reopens it', { err });
    } else {
      this.log.error('journal append failed; this reading is lost', { err });
    }
  }

  /**
   * Runs in real time until `signal` aborts: reads on the grid, writes windows as they close, runs
   * the tasks. On abort: stops reading, waits for in-flight appends, writes closed windows, commits
   * cursors, fsyncs, and writes the open windows too (`flushOnExit`, default true), so that what
   * was read before a stop can be uploaded at once; after the next start the rest of such a window
   * goes to a second, suffixed file. With `flushOnExit: false` open windows stay in the journal and
   * the next start writes each as one file.
   */
  async run(outer: AbortSignal, options: { flushOnExit?: boolean } = {}): Promise<void> {
    const signal = AbortSignal.any([outer, this.stopInternally.signal]);
    this.running = true;
    try {
      await this.runUntil(signal, options);
    } finally {
      this.running = false;
    }
  }

  private async runUntil(signal: AbortSignal, options: { flushOnExit?: boolean }): Promise<void> {
    const healthEvery = this.o.health?.everyReadings ?? 12;
    const statsEvery = this.o.statsIntervalMs ?? 15 * 60_000;
    let nextStats = this.o.clock.now() + statsEvery;
    const consumers = [this.lake, ...(this.healthLake ? [this.healthLake] : [])].map((c) =>
      c.run(signal).catch((err: unknown) => this.log.error('lake writer stopped', { err })),
    );
    const tasks = (this.o.tasks ?? []).map((t) =>
      t
        .run(this.journal, signal)
        .catch((err: unknown) => this.log.error('consumer stopped', { task: t.name, err })),
    );
    const periodic = (this.o.periodic ?? []).map((p) => this.runPeriodic(p, signal));
    // Health probes spawn programs (slow on a Pi Zero): they run beside the read loop, never in it.
    let health: Promise<void> | null = null;
    const startHealth = () => {
      health ??= this.takeHealth()
        .catch((err: unknown) => this.log.warn('health record failed', { err }))
        .finally(() => {
          health = null;
        });
    };
    if (this.o.health) startHealth();
    let ticks = 0;
    const result = await runSchedule({
      clock: this.o.clock,
      intervalMs: this.o.readIntervalMs,
      signal,
      onTick: async () => {
        await this.takeReading();
        ticks++;
        if (this.o.health && ticks % healthEvery === 0) startHealth();
        if (this.o.clock.now() >= nextStats) {
          nextStats = this.o.clock.now() + statsEvery;
          this.logStats();
        }
      },
      onOverrun: (missed) => {
        // One line per event: at a 5 s interval these are rare, and each explains a gap in the lake.
        this.stats.overruns += missed;
        this.log.warn('reading took longer than the interval; deadlines skipped', {
          missed,
          total: this.stats.overruns,
        });
      },
    });
    this.stats.clockJumps = result.clockJumps;
    if (result.clockJumps > 0)
      this.log.warn('the wall clock jumped while running; the read grid was re-anchored', {
        times: result.clockJumps,
      });
    await (health as Promise<void> | null);
    await Promise.allSettled([...this.pendingAppends]);
    if (this.fatal) {
      await Promise.allSettled([...consumers, ...tasks, ...periodic]);
      throw this.fatal;
    }
    await this.journal.sync();
    await Promise.allSettled([...consumers, ...tasks, ...periodic]);
    // Everything the journal holds that closes a window is on disk now; commit and report. Unless
    // flushOnExit is false, the open window is written too (a later batch of it goes to a suffixed file).
    await this.lake.drain({ final: options.flushOnExit !== false });
    await this.healthLake?.drain({ final: options.flushOnExit !== false });
    this.logStats();
  }

  private async runPeriodic(task: PeriodicTask, signal: AbortSignal): Promise<void> {
    const interval = task.intervalMs;
    while (!signal.aborted) {
      const next = Math.ceil((this.o.clock.now() + 1) / interval) * interval;
      await this.o.clock.sleepUntil(next, signal);
      if (signal.aborted) break;
      try {
        this.periodicStatus[task.name] = {
          ...(await task.run(signal)),
          at: isoTime(this.o.clock.now()),
        };
      } catch (err) {
        this.periodicStatus[task.name] = {
          error: String(err),
          at: isoTime(this.o.clock.now()),
        };
        this.log.error('periodic task failed; retried at the next interval', { task: task.name, err });
      }
    }
  }

  /**
   * Simulated time from `from` to `to` (exclusive) as fast as the machine allows, through the same
   * journal and writers; needs a clock that jumps (SimulatedClock). Every window is written at the end.
   *
   * Readings the journal already holds for the range (an earlier run that was interrupted, killed or
   * ran out of disk before writing them) are not taken again: the backfill continues after the newest
   * of them, and the journal replays them into the same windows. It stops early when `signal` aborts
   * (the open window stays in the journal for the next run) or when a reading cannot be journaled or a
   * window cannot be written (a full disk): continuing would only lose more.
   *
   * Its durability path differs from the agent's (docs/performance.md, "Backfill durability"): a
   * backfill can be run again, so the readings of a window are journaled together with one
   * `appendBatch` when the window's last reading is taken (a kill loses at most that window's readings,
   * which the next run takes again), and the windows are written while the next readings are taken.
   * Files are written atomically and fsynced, and a cursor moves only past readings that are in
   * durable files, exactly as in the agent.
   */
  async backfill(range: {
    from: number;
    to: number;
    onProgress?: (t: number) => void;
    signal?: AbortSignal;
  }): Promise<BackfillResult> {
    const sync = this.o.clockSync;
    // Undated readings need the re-dating marker after each of them (`takeReading`): one at a time.
    const batched = !sync || sync.synced;
    const interval = this.o.readIntervalMs;
    const windowMs = this.o.batchDurationSec * 1000;
    const healthEvery = this.o.health?.everyReadings ?? 12;
    let ticks = 0;
    // The codec (zstd's WebAssembly on Node 20 compiles off the main thread) loads while the first
    // windows are taken rather than when the first file is written; a failure shows at that write.
    loadCodec(this.o.compression, this.o.zstd).catch(() => undefined);
    const journaled = await this.unwrittenReadings();
    const from =
      journaled.newest !== null && journaled.newest >= range.from && journaled.newest < range.to
        ? journaled.newest + 1
        : range.from;
    const stop = new AbortController();
    const signal = range.signal ? AbortSignal.any([range.signal, stop.signal]) : stop.signal;
    let failure: string | null = null;
    const fail = (why: string) => {
      failure ??= why;
      stop.abort();
    };
    let reached = from;

    // Records taken but not yet journaled (batched): journaled together at the end of each window.
    const pending: Uint8Array[] = [];
    const pendingAt: number[] = [];
    const pendingIsReading: boolean[] = [];
    let lastTick: number | null = null;
    const clearPending = () => {
      pending.length = 0;
      pendingAt.length = 0;
      pendingIsReading.length = 0;
      lastTick = null;
    };
    // The records journaled since the last group was handed to the writers, which take them from
    // memory instead of reading them back (they read the journal for anything not here).
    let toWrite: { firstSeq: number; values: Uint8Array[] } = { firstSeq: 0, values: [] };
    const takeJournaled = (): JournaledRecords => {
      const group = toWrite;
      toWrite = { firstSeq: 0, values: [] };
      return group;
    };
    const journalPending = async (): Promise<boolean> => {
      const { written, firstSeq } = await this.appendRecords(pending);
      if (toWrite.firstSeq + toWrite.values.length !== firstSeq) toWrite = { firstSeq, values: [] };
      for (let i = 0; i < written; i++) {
        toWrite.values.push(pending[i] as Uint8Array);
        if (pendingIsReading[i]) this.stats.readings++;
        else this.stats.healthRecords++;
      }
      if (written < pending.length) {
        // Stopped at the first record the journal refused, as if each had been appended alone: that
        // record is lost (counted), the ones after it were never journaled, and the next run takes
        // them again after the newest reading the journal holds.
        const at = pendingAt[written] as number;
        reached = pendingIsReading[written] ? at : Math.min(at + interval, range.to);
        clearPending();
        fail(`a reading could not be journaled: ${describeError(this.lastAppendError)}`);
        return false;
      }
      if (lastTick !== null) reached = Math.min(lastTick + interval, range.to);
      clearPending();
      return true;
    };

    /**
     * Writes what the journal holds to both lakes; why it failed, or null. A window of either lake that
     * could not be written stops the backfill; its records stay in the journal for the next run.
     */
    const drainLakes = async (final: boolean, group: JournaledRecords): Promise<string | null> => {
      const data = this.lake.stats.writeErrors;
      const health = this.healthLake?.stats.writeErrors ?? 0;
      const options = { final, deferDirectorySync: true, journaled: group };
      await Promise.all([this.lake.drain(options), this.healthLake?.drain(options)]);
      if (this.lake.stats.writeErrors > data)
        return `a window could not be written: ${describeError(this.lake.lastError)}`;
      if (this.healthLake && this.healthLake.stats.writeErrors > health)
        return `a health window could not be written: ${describeError(this.healthLake.lastError)}`;
      return null;
    };

    // Writing the windows of the journal, one group at a time, while the next readings are taken.
    let draining: Promise<unknown> | null = null;
    const drainJournal = async (deadline: number) => {
      const group = takeJournaled();
      await this.journal.sync();
      const why = await drainLakes(false, group);
      if (why !== null) fail(why);
      for (const t of this.o.tasks ?? []) await t.drain(this.journal);
      range.onProgress?.(deadline);
    };
    /** Waits for the group being written; rethrows what it threw (a journal read, a cursor commit). */
    const settleDrain = async () => {
      const outcome = await draining;
      draining = null;
      if (outcome instanceof Error) throw outcome;
    };
    let windowsJournaled = 0;
    const startDrain = async (deadline: number) => {
      if (++windowsJournaled % BACKFILL_DRAIN_WINDOWS !== 0) return;
      // One group in flight: a window that cannot be written stops the backfill one group later at most.
      await settleDrain();
      if (failure !== null) return;
      draining = drainJournal(deadline).then(
        () => null,
        (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
      );
    };

    await runSchedule({
      clock: this.o.clock,
      intervalMs: interval,
      startAt: Math.ceil(from / interval) * interval,
      endAt: range.to - 1,
      signal,
      onTick: async (deadline) => {
        ticks++;
        if (batched) {
          const reading = await this.sampleReading();
          if (reading !== null) {
            pending.push(reading);
            pendingAt.push(deadline);
            pendingIsReading.push(true);
          }
          if (this.o.health && ticks % healthEvery === 0) {
            const health = await this.sampleHealth();
            if (health !== null) {
              pending.push(health);
              pendingAt.push(deadline);
              pendingIsReading.push(false);
            }
          }
          lastTick = deadline;
          // The last reading of a window: journal the window's records, then write what is complete.
          if (Math.floor(deadline / windowMs) === Math.floor((deadline + interval) / windowMs)) return;
          if (!(await journalPending())) return;
        } else {
          const appendErrors = this.stats.appendErrors;
          await this.takeReading();
          if (this.o.health && ticks % healthEvery === 0) await this.takeHealth();
          if (this.stats.appendErrors > appendErrors) {
            fail(`a reading could not be journaled: ${describeError(this.lastAppendError)}`);
            return;
          }
          reached = Math.min(deadline + interval, range.to);
          if (Math.floor(deadline / windowMs) === Math.floor((deadline + interval) / windowMs)) return;
        }
        await startDrain(deadline);
      },
    });
    // Interrupted: what was taken is journaled, as it would have been one reading at a time.
    if (failure === null) await journalPending();
    await settleDrain();
    const completed = failure === null && !range.signal?.aborted;
    await this.journal.sync();
    // Interrupted: write the windows that are complete; the open one waits in the journal for the next run.
    const why = await drainLakes(completed, takeJournaled());
    failure ??= why;
    for (const t of this.o.tasks ?? []) await t.drain(this.journal, { final: completed });
    if (completed) range.onProgress?.(range.to);
    return {
      from,
      reached: completed ? range.to : reached,
      completed: completed && failure === null,
      failure,
      lostReadings: this.stats.appendErrors,
      unwrittenReadings: (await this.unwrittenReadings()).count,
    };
  }

  /** Readings in the journal that no lake file holds yet, and the newest of their timestamps. */
  private async unwrittenReadings(): Promise<{ count: number; newest: number | null }> {
    let count = 0;
    let newest: number | null = null;
    const from = this.journal.cursor('parquet') + 1;
    for await (const rec of this.journal.read('parquet', { fromSeq: from })) {
      let record: PipelineRecord;
      try {
        record = decodeRecord(rec.value);
      } catch {
        continue;
      }
      if (record.kind !== RECORD_KIND.reading) continue;
      count++;
      if (newest === null || record.timestamp > newest) newest = record.timestamp;
    }
    return { count, newest };
  }

  /**
   * Whether the station is doing its job: reading on its grid and journaling what it reads. What
   * `/healthz` answers; `reason` says what is wrong when it is not.
   */
  health(): StationHealth {
    if (this.fatal)
      return { ok: false, reason: `the journal cannot be written: ${describeError(this.fatal)}` };
    if (!this.running) return { ok: false, reason: 'the station is not running (starting or stopping)' };
    if (this.lastAppendFailed)
      return {
        ok: false,
        reason: `the journal refused the newest record: ${describeError(this.lastAppendError)}`,
      };
    const staleMs = Math.max(3 * this.o.readIntervalMs, 30_000);
    const since = this.lastReadStart === null ? null : this.monotonic() - this.lastReadStart;
    if (since !== null && since > staleMs)
      return {
        ok: false,
        reason: `no reading started for ${Math.round(since / 1000)} s (the interval is ${this.o.readIntervalMs / 1000} s): a board read hangs or the read loop is stuck`,
      };
    return { ok: true, reason: null };
  }

  /** What the lake writers have done since the station opened: readings, and health when it is on. */
  lakeStats(): { data: LakeConsumerStats; health: LakeConsumerStats | null } {
    return { data: { ...this.lake.stats }, health: this.healthLake ? { ...this.healthLake.stats } : null };
  }

  /** The journal consumers that are tasks (Snowpipe), by name, with their status. */
  taskStatuses(): Record<string, Record<string, unknown>> {
    return Object.fromEntries((this.o.tasks ?? []).map((t) => [t.name, t.status()]));
  }

  /** The upload backlog the agent tracks (null without a periodic sync). */
  get uploads(): UploadBacklog | null {
    return this.o.uploads ?? null;
  }

  /** CPU temperature in °C from the newest health record; null before one or without a health stream. */
  get cpuTemperature(): number | null {
    return this.lastCpuTempC;
  }

  status(): StationStatus {
    const js = this.journal.stats();
    const lake = this.lake.stats;
    return {
      station: this.o.stationId,
      board: this.o.board.name,
      time: isoTime(this.o.clock.now()),
      clockSynced: this.o.clockSync ? this.o.clockSync.synced : true,
      stats: { ...this.stats, sensorErrors: { ...this.stats.sensorErrors } },
      journal: {
        backlog: Object.fromEntries(Object.entries(js.consumers).map(([k, v]) => [k, v.backlog])),
        lastSeq: js.lastSeq,
        bytes: js.bytes,
        lostToFull: Object.fromEntries(Object.entries(js.consumers).map(([k, v]) => [k, v.lostToFull])),
        corruptRecords: js.corrupt.records,
      },
      lake: {
        windows: lake.windows,
        rows: lake.rows,
        bytes: lake.bytes,
        lastWindowEnd: lake.lastWindowEnd === null ? null : isoTime(lake.lastWindowEnd),
        lastFile: lake.lastFile,
      },
      health: this.healthLake
        ? { windows: this.healthLake.stats.windows, lastFile: this.healthLake.stats.lastFile }
        : null,
      tasks: {
        ...Object.fromEntries((this.o.tasks ?? []).map((t) => [t.name, t.status()])),
        ...this.periodicStatus,
      },
    };
  }

  private logStats(): void {
    const s = this.status();
    this.log.info('stats', {
      readings: s.stats.readings,
      windows: s.lake.windows,
      rows: s.lake.rows,
      bytes: s.lake.bytes,
      backlog: s.journal.backlog,
      overruns: s.stats.overruns,
      readErrors: s.stats.readErrors,
      sensorErrors: s.stats.sensorErrors,
      lostToFull: s.journal.lostToFull,
      ...(s.tasks.sync ? { sync: s.tasks.sync } : {}),
      ...(s.tasks.snowpipe ? { snowpipe: s.tasks.snowpipe } : {}),
      ...(s.tasks['snowpipe-health'] ? { snowpipeHealth: s.tasks['snowpipe-health'] } : {}),
    });
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pendingAppends]);
    try {
      await this.journal.close();
    } finally {
      for (const lock of this.lakeLocks.splice(0)) lock.release();
    }
    await this.o.board.close();
  }
}
