import type { Channel, RowErrorEvent } from './channel.js';
import type { SnowpipeClient } from './client.js';
import { SnowpipeError, SnowpipeOptionsError } from './errors.js';
import { parseSequenceToken } from './offsets.js';
import { encodeRow, type SnowpipeRow } from './rows.js';

/** Rows read from the journal: row i has sequence number `seqs[i]`, or `firstSeq + i` when `seqs` is absent. */
export interface SinkBatch {
  rows: readonly SnowpipeRow[];
  firstSeq: number;
  lastSeq: number;
  /** Per-row sequence numbers, strictly increasing; needed only when the batch has gaps. */
  seqs?: readonly number[];
}

export interface SinkSendResult {
  /** Rows appended by this call (received by Snowflake, not yet necessarily committed). */
  appended: number;
  /** Rows skipped because they were already committed or already appended. */
  skipped: number;
}

export interface SnowpipeSinkOptions {
  client: SnowpipeClient;
  /** One channel per station (one writer per channel name). */
  channel: string;
  /**
   * Appended-but-uncommitted rows kept in memory for replay after a reopen. When exceeded, `send`
   * waits for commits first. Default 20,000 rows (a few MB).
   */
  maxPendingRows?: number;
  /** Reopens allowed within one `send` before giving up. Default 5. */
  maxReopens?: number;
  /** Status poll interval while waiting for commits. Default 1 s. */
  pollIntervalMs?: number;
  /** How long `send` waits for commits when the pending limit is reached. Default 120 s. */
  commitTimeoutMs?: number;
  /** Observer of rows Snowflake refused after a 200. */
  onRowErrors?: (event: RowErrorEvent) => void;
}

export interface SnowpipeSinkStats {
  batches: number;
  rowsAppended: number;
  rowsSkipped: number;
  rowsReplayed: number;
  reopens: number;
  rowsRejected: number;
}

interface PendingRow {
  seq: number;
  line: string;
  bytes: number;
}

/**
 * Exactly-once delivery of journal rows into one channel. Offset tokens are the journal's
 * sequence numbers; rows at or below the committed token are never sent again, rows appended but
 * not committed are kept and replayed after any reopen (which discards them server-side).
 *
 * The journal cursor must follow `committedSeq()`, never what `send` returned: a 200 only means
 * "received".
 */
export class SnowpipeSink {
  readonly stats: SnowpipeSinkStats = {
    batches: 0,
    rowsAppended: 0,
    rowsSkipped: 0,
    rowsReplayed: 0,
    reopens: 0,
    rowsRejected: 0,
  };
  private readonly client: SnowpipeClient;
  private readonly channelName: string;
  private readonly maxPendingRows: number;
  private readonly maxReopens: number;
  private readonly pollIntervalMs: number;
  private readonly commitTimeoutMs: number;
  private readonly onRowErrors: ((event: RowErrorEvent) => void) | undefined;
  private channel: Channel | undefined;
  private needsOpen = true;
  private committed: number | null = null;
  private appendedUpTo: number | null = null;
  private pending: PendingRow[] = [];
  private lastError: unknown;
  /** Rows of the batch being sent that a reopen found already committed (they are skipped, not appended). */
  private committedDuringSend = 0;
  private sendFloor = Number.POSITIVE_INFINITY;
  private busy: Promise<unknown> = Promise.resolve();

  constructor(options: SnowpipeSinkOptions) {
    this.client = options.client;
    this.channelName = options.channel;
    if (typeof options.channel !== 'string' || options.channel === '') {
      throw new SnowpipeOptionsError('channel', 'expected a non-empty channel name, e.g. the station id');
    }
    this.maxPendingRows = options.maxPendingRows ?? 20_000;
    this.maxReopens = options.maxReopens ?? 5;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.commitTimeoutMs = options.commitTimeoutMs ?? 120_000;
    this.onRowErrors = options.onRowErrors;
  }

  /** Highest journal sequence number Snowflake has committed (null: nothing yet). Advance the journal cursor to it. */
  committedSeq(): number | null {
    return this.committed;
  }

  /** Rows appended but not yet known to be committed. */
  pendingRows(): number {
    return this.pending.length;
  }

  /** Opens the channel (done lazily by `send`); returns the committed sequence number to resume after. */
  open(): Promise<number | null> {
    return this.exclusive(async () => {
      await this.appendRows([]);
      return this.committed;
    });
  }

  /** Appends the batch's rows that are not already committed or in flight, split and rate-limited. */
  send(batch: SinkBatch): Promise<SinkSendResult> {
    const seqs = batchSeqs(batch);
    return this.exclusive(async () => {
      const floor = Math.max(this.appendedUpTo ?? -1, this.committed ?? -1);
      const rows: PendingRow[] = [];
      let skipped = 0;
      for (let i = 0; i < batch.rows.length; i++) {
        const seq = seqs(i);
        if (seq <= floor) {
          skipped++;
          continue;
        }
        const line = encodeRow(batch.rows[i] as SnowpipeRow);
        rows.push({ seq, line, bytes: Buffer.byteLength(line) });
      }
      this.stats.batches++;
      this.committedDuringSend = 0;
      this.sendFloor = floor;
      try {
        await this.appendRows(rows);
      } finally {
        this.sendFloor = Number.POSITIVE_INFINITY;
      }
      const alreadyCommitted = this.committedDuringSend;
      this.stats.rowsSkipped += skipped + alreadyCommitted;
      if (this.pending.length > this.maxPendingRows) await this.waitForCommits(this.maxPendingRows);
      return { appended: rows.length - alreadyCommitted, skipped: skipped + alreadyCommitted };
    });
  }

  /** One status poll: updates `committedSeq()` and releases committed rows from memory. */
  refresh(): Promise<number | null> {
    return this.exclusive(async () => {
      await this.poll();
      return this.committed;
    });
  }

  /** Waits until every appended row is committed (or `timeoutMs` passes: a `retry` SnowpipeError). */
  flush(options: { timeoutMs?: number } = {}): Promise<number | null> {
    return this.exclusive(async () => {
      await this.waitForCommits(0, options.timeoutMs);
      return this.committed;
    });
  }

  /** Drops the channel and its offset token (decommissioning a station). */
  drop(): Promise<void> {
    return this.exclusive(async () => {
      if (this.needsOpen || !this.channel) await this.appendRows([]);
      await this.channel?.drop();
      this.pending = [];
      this.committed = null;
      this.appendedUpTo = null;
      this.needsOpen = true;
    });
  }

  private async appendRows(rows: PendingRow[]): Promise<void> {
    let queue = rows;
    let index = 0;
    let reopens = 0;
    const maxBytes = this.client.maxRequestBytes;
    for (;;) {
      if (this.needsOpen) {
        if (reopens > this.maxReopens) throw this.lastError;
        if (reopens > 0) await this.client.sleep(this.client.backoffMs(reopens - 1));
        reopens++;
        queue = await this.reopen(queue.slice(index));
        index = 0;
      }
      if (index >= queue.length) return;
      // Fill one request up to the byte limit.
      let end = index;
      let bytes = 0;
      while (end < queue.length) {
        const size = (queue[end] as PendingRow).bytes;
        if (bytes + size > maxBytes) break;
        bytes += size;
        end++;
      }
      if (end === index) {
        const row = queue[index] as PendingRow;
        throw new SnowpipeError({
          operation: 'encode',
          status: 0,
          code: 'ROW_TOO_LARGE',
          detail: `the row with sequence ${row.seq} is ${row.bytes} bytes as NDJSON; one request carries at most ${maxBytes}`,
          action: 'fatal',
          channel: this.channelName,
        });
      }
      const chunk = queue.slice(index, end);
      const first = chunk[0] as PendingRow;
      const last = chunk[chunk.length - 1] as PendingRow;
      let body = '';
      for (const row of chunk) body += row.line;
      try {
        await (this.channel as Channel).appendNdjson(body, chunk.length, {
          startOffsetToken: String(first.seq),
          endOffsetToken: String(last.seq),
        });
      } catch (error) {
        if (error instanceof SnowpipeError && error.action === 'reopen') {
          this.client.logger.warn(
            'Snowpipe channel needs reopening; will resume after the committed offset',
            {
              channel: this.channelName,
              code: error.code,
            },
          );
          this.lastError = error;
          this.needsOpen = true;
          queue = queue.slice(index);
          index = 0;
          continue;
        }
        throw error;
      }
      for (const row of chunk) this.pending.push(row);
      this.appendedUpTo = last.seq;
      this.stats.rowsAppended += chunk.length;
      index = end;
    }
  }

  /**
   * Reopens the channel, learns the committed token, and returns what must be appended next: the
   * rows that were in flight (the reopen discarded them server-side) followed by `rest`, minus
   * anything already committed.
   */
  private async reopen(rest: PendingRow[]): Promise<PendingRow[]> {
    if (!this.channel) {
      this.channel = await this.client.openChannel(this.channelName);
      this.channel.onRowErrors((event) => {
        this.stats.rowsRejected += event.newErrors;
        this.onRowErrors?.(event);
      });
    } else {
      await this.channel.reopen();
      this.stats.reopens++;
    }
    this.needsOpen = false;
    this.setCommitted(this.channel.lastCommittedOffsetToken);
    const floor = this.committed ?? -1;
    const replay = this.pending.filter((row) => row.seq > floor);
    this.stats.rowsReplayed += replay.length;
    this.pending = [];
    this.appendedUpTo = this.committed;
    if (replay.length > 0) {
      this.client.logger.info('replaying rows the reopen discarded', {
        channel: this.channelName,
        rows: replay.length,
        fromSeq: replay[0]?.seq,
      });
    }
    const kept = rest.filter((row) => row.seq > floor);
    for (const row of rest) if (row.seq <= floor && row.seq > this.sendFloor) this.committedDuringSend++;
    return replay.concat(kept);
  }

  private async poll(): Promise<void> {
    if (this.needsOpen || !this.channel) {
      await this.appendRows([]);
      return;
    }
    try {
      const status = await this.channel.status();
      if (status.channelStatusCode !== 'SUCCESS') this.needsOpen = true;
      this.setCommitted(status.lastCommittedOffsetToken);
    } catch (error) {
      if (error instanceof SnowpipeError && error.action === 'reopen') {
        this.needsOpen = true;
        this.lastError = error;
        await this.appendRows([]);
        return;
      }
      throw error;
    }
    const floor = this.committed ?? -1;
    let drop = 0;
    while (drop < this.pending.length && (this.pending[drop] as PendingRow).seq <= floor) drop++;
    if (drop > 0) this.pending = this.pending.slice(drop);
  }

  private async waitForCommits(maxRemaining: number, timeoutMs = this.commitTimeoutMs): Promise<void> {
    const clock = this.client.clock;
    const deadline = clock.now() + timeoutMs;
    for (;;) {
      await this.poll();
      if (this.pending.length <= maxRemaining) return;
      if (clock.now() >= deadline) {
        throw new SnowpipeError({
          operation: 'waitForCommit',
          status: 0,
          code: 'COMMIT_TIMEOUT',
          detail: `${this.pending.length} rows still uncommitted after ${timeoutMs} ms (committed up to ${this.committed ?? 'nothing'})`,
          action: 'retry',
          channel: this.channelName,
        });
      }
      await this.client.sleep(this.pollIntervalMs);
    }
  }

  private setCommitted(token: string | null): void {
    const seq = parseSequenceToken(token);
    if (seq !== null && Number.isNaN(seq)) {
      throw new SnowpipeError({
        operation: 'open',
        status: 200,
        code: 'NON_NUMERIC_OFFSET_TOKEN',
        detail: `channel "${this.channelName}" has committed offset token ${JSON.stringify(token)}, which is not a journal sequence number; it was written by another program. Use a fresh channel name`,
        action: 'fatal',
        channel: this.channelName,
      });
    }
    if (seq !== null && (this.committed === null || seq > this.committed)) this.committed = seq;
    if (seq === null && this.committed !== null) this.committed = null;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.busy.then(fn, fn);
    this.busy = run.catch(() => undefined);
    return run;
  }
}

function batchSeqs(batch: SinkBatch): (i: number) => number {
  const { rows, firstSeq, lastSeq, seqs } = batch;
  if (!Array.isArray(rows)) throw new SnowpipeOptionsError('batch.rows', 'expected an array of row objects');
  if (rows.length === 0) return () => firstSeq;
  if (
    !Number.isSafeInteger(firstSeq) ||
    !Number.isSafeInteger(lastSeq) ||
    firstSeq < 0 ||
    lastSeq < firstSeq
  ) {
    throw new SnowpipeOptionsError(
      'batch',
      `expected integers 0 <= firstSeq <= lastSeq, received ${firstSeq}..${lastSeq}`,
    );
  }
  if (seqs) {
    if (seqs.length !== rows.length) {
      throw new SnowpipeOptionsError(
        'batch.seqs',
        `expected one sequence number per row (${rows.length}), received ${seqs.length}`,
      );
    }
    for (let i = 0; i < seqs.length; i++) {
      const seq = seqs[i] as number;
      const prev = i === 0 ? firstSeq - 1 : (seqs[i - 1] as number);
      if (!Number.isSafeInteger(seq) || seq <= prev || seq > lastSeq) {
        throw new SnowpipeOptionsError(
          'batch.seqs',
          `expected strictly increasing integers within ${firstSeq}..${lastSeq}; position ${i} is ${seq}`,
        );
      }
    }
    return (i) => seqs[i] as number;
  }
  if (rows.length !== lastSeq - firstSeq + 1) {
    throw new SnowpipeOptionsError(
      'batch',
      `${rows.length} rows do not fill sequence numbers ${firstSeq}..${lastSeq}; pass seqs (one per row) when the batch has gaps`,
    );
  }
  return (i) => firstSeq + i;
}
