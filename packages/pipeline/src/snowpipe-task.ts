import type { Journal } from '@opensensor/buffer';
import { childLogger, isoTime, type Logger, OpenSensorError, silentLogger } from '@opensensor/errors';
import type { SnowpipeRow, SnowpipeSink, SnowpipeValue, toSnowpipeRow } from '@opensensor/snowpipe-client';
import type { StationClock } from './clock.js';
import {
  decodeRecord,
  type HealthRecord,
  type PipelineRecord,
  RECORD_KIND,
  type ReadingRecord,
  recordKind,
} from './records.js';
import { RESTAMP_STEP, Restamper, type Sequenced } from './restamp.js';
import type { JournalTask } from './station.js';

/** The part of `SnowpipeSink` the task uses (so tests and other sinks can stand in). */
export type SnowpipeSinkLike = Pick<
  SnowpipeSink,
  'open' | 'send' | 'refresh' | 'flush' | 'committedSeq' | 'pendingRows' | 'stats'
>;

/** Which records of the journal a task streams: the board's readings, or the health records. */
export type SnowpipeRecordKind = 'reading' | 'health';

export interface SnowpipeTaskOptions {
  sink: SnowpipeSinkLike;
  stationId: string;
  /** The records this task streams (one channel each). Default `reading`. */
  kind?: SnowpipeRecordKind;
  /** Journal consumer name. Default `snowpipe` for readings, `snowpipe-health` for health. */
  name?: string;
  /**
   * Lake columns of the rows: for readings the board's, in schema order (the journal's value order);
   * for health the health lake's, read from each record by name.
   */
  columns: readonly string[];
  /** Values added to every row (health rows: `hostname`, `station_name`). */
  constants?: Readonly<Record<string, SnowpipeValue>>;
  clock: StationClock;
  logger?: Logger;
  /** Rows are sent at most this often (Snowflake bills per request; a station needs few). Default 10 s. */
  batchIntervalMs?: number;
  maxBatchRows?: number;
  /** Longest back-off after repeated failures. Default 5 min. */
  maxBackoffMs?: number;
  /** Random in [0, 1) for back-off jitter. */
  random?: () => number;
}

export interface SnowpipeTaskStatus {
  state: 'starting' | 'streaming' | 'backing-off' | 'stopped';
  committedSeq: number | null;
  pendingRows: number;
  rowsSent: number;
  errors: number;
  lastError: string | null;
  lastCommitAt: string | null;
}

/** The channel is ahead of the journal (see `step`): retrying cannot help, so the task stops. */
export class ChannelAheadError extends OpenSensorError {
  override readonly name = 'ChannelAheadError';
  declare readonly code: 'CHANNEL_AHEAD';

  constructor(message: string, options?: { cause?: unknown }) {
    super('CHANNEL_AHEAD', message, options);
  }
}

/** f32 values from the journal as the shortest decimal that reads back as the same f32 (21.53, not 21.530000686645508). */
export function float32ToNumber(v: number): number | null {
  if (!Number.isFinite(v)) return null;
  for (let p = 6; p <= 9; p++) {
    const n = Number(v.toPrecision(p));
    if (Math.fround(n) === v) return n;
  }
  return v;
}

/** A health value as a JSON value Snowflake can map: non-finite numbers and anything else become null. */
function healthValue(v: unknown): SnowpipeValue {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  return typeof v === 'string' || typeof v === 'boolean' ? v : null;
}

/**
 * Streams one kind of record (readings, or health records) from the journal into Snowflake, exactly
 * once: offset tokens are the journal's sequence numbers, the journal cursor follows what Snowflake
 * has committed (never what was merely sent), and a restart resumes after
 * `last_committed_offset_token`. Each kind has its own channel and its own journal cursor; the
 * offsets of a channel are the sequence numbers of its kind's records, so they grow with gaps.
 * Network failures back off with jitter and never block the station: the journal keeps the rows
 * until they are committed.
 */
export class SnowpipeTask implements JournalTask {
  readonly name: string;
  private readonly kind: (typeof RECORD_KIND)['reading' | 'health'];
  private readonly log: Logger;
  private readonly restamper = new Restamper();
  private readonly values: Record<string, number | null> = {};
  private nextSeq = 0;
  private lastProcessed = 0;
  private lastSentReading = 0;
  private opened = false;
  /** Loaded with the channel, so that a station without Snowflake never loads the client. */
  private toRow: typeof toSnowpipeRow | undefined;
  private failures = 0;
  private readonly info: SnowpipeTaskStatus = {
    state: 'starting',
    committedSeq: null,
    pendingRows: 0,
    rowsSent: 0,
    errors: 0,
    lastError: null,
    lastCommitAt: null,
  };

  constructor(private readonly o: SnowpipeTaskOptions) {
    this.name = o.name ?? (o.kind === 'health' ? 'snowpipe-health' : 'snowpipe');
    this.kind = o.kind === 'health' ? RECORD_KIND.health : RECORD_KIND.reading;
    this.log = childLogger(o.logger ?? silentLogger, { consumer: this.name });
  }

  status(): Record<string, unknown> {
    return { ...this.info, pendingRows: this.o.sink.pendingRows() };
  }

  async run(journal: Journal<Uint8Array>, signal: AbortSignal): Promise<void> {
    const interval = this.o.batchIntervalMs ?? 10_000;
    while (!signal.aborted) {
      const ok = await this.step(journal).then(
        () => true,
        (err: unknown) => this.failed(err),
      );
      if (signal.aborted || this.info.state === 'stopped') break;
      const wait = ok ? interval : this.backoff();
      await this.o.clock.sleepUntil(this.o.clock.now() + wait, signal);
    }
    const wasStreaming = this.info.state === 'streaming';
    this.info.state = 'stopped';
    // Commit what Snowflake has already committed; rows in flight are replayed after the next start.
    // Offline, skip it: a refresh with retries could outlast the shutdown grace.
    if (wasStreaming) {
      await this.o.sink.refresh().then(
        () => this.commit(journal),
        () => {},
      );
    }
  }

  async drain(journal: Journal<Uint8Array>, options: { final?: boolean } = {}): Promise<void> {
    try {
      await this.step(journal);
      if (options.final) {
        await this.o.sink.flush({ timeoutMs: 60_000 });
        await this.commit(journal);
      }
    } catch (err) {
      this.failed(err);
    }
  }

  /** Opens (once), sends everything readable in batches, then advances the cursor to the commit point. */
  private async step(journal: Journal<Uint8Array>): Promise<void> {
    if (!this.opened) {
      this.toRow ??= (await import('@opensensor/snowpipe-client')).toSnowpipeRow;
      const committed = await this.o.sink.open();
      const last = journal.stats().lastSeq;
      if (committed !== null && committed > last) {
        // The channel has committed offsets this journal never wrote: the state directory was reset
        // (new SD card, reinstall) while the channel name stayed. Resuming would skip every reading up
        // to the old offset, silently.
        throw new ChannelAheadError(
          `Snowflake channel has committed offset ${committed} but this station's journal ends at ${last}: the state directory was reset. ` +
            `Set ${this.kind === RECORD_KIND.health ? 'OPENSENSOR_SNOWFLAKE_HEALTH_CHANNEL' : 'OPENSENSOR_SNOWFLAKE_CHANNEL'} to a new channel name (or drop the old channel) and restart; until then nothing is streamed and the records stay in the journal.`,
        );
      }
      this.opened = true;
      this.restamper.reset();
      this.lastSentReading = 0;
      this.lastProcessed = Math.max(journal.cursor(this.name), committed ?? 0);
      this.nextSeq = this.lastProcessed + 1;
      this.log.info('channel open', { resumeAfter: committed });
    }
    const max = this.o.maxBatchRows ?? 1000;
    for (;;) {
      const ready: Sequenced<PipelineRecord>[] = [];
      let last = this.nextSeq - 1;
      let rewindTo: number | null = null;
      for await (const rec of journal.read(this.name, { fromSeq: this.nextSeq, maxRecords: max })) {
        last = rec.seq;
        // The other kind is another task's; clock markers date held records of either kind.
        const kind = recordKind(rec.value);
        if (kind !== this.kind && kind !== RECORD_KIND.clockSynced) continue;
        const step = this.restamper.admit(rec.seq, rec.value);
        if (step === RESTAMP_STEP.rewind) {
          // The marker that dates the held records: read them again from the journal, re-dated.
          rewindTo = this.restamper.rewindTo;
          break;
        }
        if (step !== RESTAMP_STEP.pass) continue;
        let decoded: PipelineRecord;
        try {
          decoded = decodeRecord(rec.value);
        } catch {
          continue;
        }
        const record = decoded.kind === this.kind ? this.restamper.date(decoded) : null;
        if (record !== null) ready.push({ seq: rec.seq, record });
      }
      if (rewindTo !== null) last = rewindTo - 1;
      else if (last < this.nextSeq) break;
      const rows: SnowpipeRow[] = [];
      const seqs: number[] = [];
      for (const { seq, record } of ready) {
        if (record.kind !== this.kind) continue;
        rows.push(this.row(record));
        seqs.push(seq);
      }
      if (rows.length > 0) {
        await this.o.sink.send({
          rows,
          firstSeq: seqs[0] as number,
          lastSeq: seqs[seqs.length - 1] as number,
          seqs,
        });
        this.info.rowsSent += rows.length;
        this.lastSentReading = seqs[seqs.length - 1] as number;
      }
      this.nextSeq = last + 1;
      this.lastProcessed = last;
      this.info.state = 'streaming';
    }
    // Nothing in flight: everything sent is committed, and a status request would only cost one
    // (the health channel is idle five intervals out of six).
    if (this.o.sink.pendingRows() > 0) await this.o.sink.refresh();
    await this.commit(journal);
    this.failures = 0;
    this.info.state = 'streaming';
  }

  private row(record: ReadingRecord | HealthRecord): SnowpipeRow {
    const toRow = this.toRow as typeof toSnowpipeRow;
    if (record.kind === RECORD_KIND.reading) {
      this.o.columns.forEach((c, i) => {
        this.values[c] = float32ToNumber(record.values[i] as number);
      });
      const row: SnowpipeRow = toRow(this.o.stationId, record.timestamp, this.values, this.o.columns);
      return this.o.constants ? Object.assign(row, this.o.constants) : row;
    }
    const row: SnowpipeRow = { ...toRow(this.o.stationId, record.timestamp, {}, []), ...this.o.constants };
    for (const c of this.o.columns) row[c] = healthValue(record.values[c]);
    return row;
  }

  private async commit(journal: Journal<Uint8Array>): Promise<void> {
    const committed = this.o.sink.committedSeq() ?? 0;
    this.info.committedSeq = this.o.sink.committedSeq();
    // Everything up to the last processed record is done once every reading sent is committed.
    let safe = committed >= this.lastSentReading ? this.lastProcessed : committed;
    const held = this.restamper.firstHeldSeq;
    if (held !== null) safe = Math.min(safe, held - 1);
    safe = Math.min(safe, journal.readableSeq);
    if (safe > journal.cursor(this.name)) {
      await journal.commit(this.name, safe);
      this.info.lastCommitAt = isoTime(this.o.clock.now());
    }
  }

  private failed(err: unknown): false {
    this.failures++;
    this.info.errors++;
    this.info.lastError = err instanceof Error ? err.message : String(err);
    if (err instanceof ChannelAheadError) {
      this.info.state = 'stopped';
      this.log.error(err.message);
      return false;
    }
    this.info.state = 'backing-off';
    const action = (err as { action?: string }).action;
    // Whatever failed, the journal still has the rows: the next attempt reopens and resumes.
    this.opened = false;
    this.log.warn('Snowflake streaming failed; rows stay in the journal and are retried', {
      action: action ?? 'retry',
      attempt: this.failures,
      err: this.info.lastError,
    });
    return false;
  }

  private backoff(): number {
    const cap = this.o.maxBackoffMs ?? 300_000;
    const base = Math.min(cap, 1000 * 2 ** Math.min(this.failures, 16));
    return Math.floor((this.o.random ?? Math.random)() * base) + 500;
  }
}
