import { classifyError, SnowpipeError } from './errors.js';
import { isCommitted } from './offsets.js';
import { encodeRow } from './rows.js';
import { type ChannelStatus, normalizeChannelStatus } from './status.js';
import { type ChannelTransport, parseJsonObject } from './transport.js';

export interface OpenChannelOptions {
  /** Sets the channel's committed offset token on open (normally omitted: the server keeps it). */
  offsetToken?: string;
  /** Fail with 409 `ERR_CHANNEL_HAS_UNCOMMITTED_DATA` instead of discarding rows still in flight. */
  failOnUncommittedRows?: boolean;
}

/** Offset tokens of an append: the first and last row's tokens (journal sequence numbers). */
export interface AppendOffsets {
  startOffsetToken?: string;
  endOffsetToken: string;
}

export interface WaitForCommitOptions {
  /** Give up after this long (clock time). Default 60 s. */
  timeoutMs?: number;
  /** Between status polls. Default 1 s; polling faster only costs requests. */
  pollIntervalMs?: number;
}

/** Observer of rows that Snowflake received but refused (an HTTP 200 does not mean accepted). */
export type RowErrorListener = (event: RowErrorEvent) => void;

export interface RowErrorEvent {
  channel: string;
  /** Rows refused since the previous observation. */
  newErrors: number;
  totalErrors: number;
  lastErrorMessage: string | null;
  lastErrorOffsetUpperBound: string | null;
}

let construct: (client: ChannelTransport, name: string) => Channel;

/** A channel over `client`'s transport, for `SnowpipeClient.openChannel` (not exported by the package). */
export function createChannel(client: ChannelTransport, name: string): Channel {
  return construct(client, name);
}

/**
 * One named channel. Appends are serialised (the continuation token links them), rate-limited per
 * channel, and never advance the token on failure.
 */
export class Channel {
  readonly name: string;
  private readonly client: ChannelTransport;
  private continuationToken: string | undefined;
  private committed: string | null = null;
  private lastStatus: ChannelStatus | undefined;
  private knownErrorCount: number | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<RowErrorListener>();

  // Private: channels come from `SnowpipeClient.openChannel`, so the published types show no transport.
  private constructor(client: ChannelTransport, name: string) {
    this.client = client;
    this.name = name;
  }

  static {
    construct = (client, name) => new Channel(client, name);
  }

  /** Last committed offset token seen (from open or a status poll); null until something commits. */
  get lastCommittedOffsetToken(): string | null {
    return this.committed;
  }

  /** The most recent status the server reported. */
  get lastKnownStatus(): ChannelStatus | undefined {
    return this.lastStatus;
  }

  /** Called whenever `rows_error_count` grows. Returns a function that unsubscribes. */
  onRowErrors(listener: RowErrorListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Opens the channel again: bumps the server's client sequencer (invalidating every other writer),
   * discards rows not yet committed, and reads the last committed offset token.
   */
  reopen(options: OpenChannelOptions = {}): Promise<ChannelStatus> {
    return this.exclusive(async () => {
      const body: Record<string, unknown> = {};
      if (options.offsetToken !== undefined) body.offset_token = options.offsetToken;
      if (options.failOnUncommittedRows !== undefined)
        body.fail_on_uncommitted_rows = options.failOnUncommittedRows;
      this.continuationToken = undefined;
      const { text } = await this.client.call({
        operation: 'open',
        plane: 'ingest',
        method: 'PUT',
        path: this.client.channelPath(this.name),
        body: JSON.stringify(body),
        contentType: 'application/json',
        channel: this.name,
        limiter: this.client.limiter(this.name),
      });
      const parsed = parseJsonObject(text, 'open', this.name);
      const token = parsed.next_continuation_token;
      const rawStatus = parsed.channel_status;
      if (typeof token !== 'string' || token === '' || !rawStatus || typeof rawStatus !== 'object') {
        throw new SnowpipeError({
          operation: 'open',
          status: 200,
          code: 'INVALID_RESPONSE',
          detail: 'the open response lacks next_continuation_token or channel_status',
          action: 'retry',
          channel: this.name,
        });
      }
      const status = normalizeChannelStatus(rawStatus as Record<string, unknown>);
      // A 200 with a non-SUCCESS status (a paused or invalid pipe) is a failure, not an open channel.
      if (status.channelStatusCode !== 'SUCCESS') throw this.statusError('open', status);
      this.continuationToken = token;
      this.client.stats.opens++;
      this.observe(status, true);
      this.client.logger.info('opened Snowpipe channel', {
        channel: this.name,
        lastCommittedOffsetToken: status.lastCommittedOffsetToken,
      });
      return status;
    });
  }

  /** Appends rows (one JSON object each) carrying the given offset tokens. Throws SnowpipeError. */
  append(rows: readonly object[], offsets: AppendOffsets): Promise<void> {
    let body = '';
    for (const row of rows) body += encodeRow(row);
    return this.appendNdjson(body, rows.length, offsets);
  }

  /**
   * Appends an already encoded NDJSON body (each line ending in `\n`). The body must fit the
   * client's `maxRequestBytes`; SnowpipeSink splits larger batches.
   */
  appendNdjson(ndjson: string, rowCount: number, offsets: AppendOffsets): Promise<void> {
    return this.exclusive(async () => {
      const bytes = Buffer.byteLength(ndjson);
      if (bytes > this.client.maxRequestBytes) {
        throw new SnowpipeError({
          operation: 'append',
          status: 0,
          code: 'PAYLOAD_TOO_LARGE',
          detail: `the NDJSON body is ${bytes} bytes; the limit per request is ${this.client.maxRequestBytes}. Split the rows (SnowpipeSink does this)`,
          action: 'fatal',
          channel: this.name,
        });
      }
      if (this.continuationToken === undefined) {
        throw new SnowpipeError({
          operation: 'append',
          status: 0,
          code: 'CHANNEL_NOT_OPEN',
          detail: 'the channel has no continuation token (a previous open failed)',
          action: 'reopen',
          channel: this.name,
        });
      }
      const { text } = await this.client.call({
        operation: 'append',
        plane: 'ingest',
        method: 'POST',
        path: this.client.rowsPath(this.name),
        query: {
          continuationToken: this.continuationToken,
          startOffsetToken: offsets.startOffsetToken ?? offsets.endOffsetToken,
          endOffsetToken: offsets.endOffsetToken,
        },
        body: ndjson,
        contentType: 'application/x-ndjson',
        channel: this.name,
        ambiguous: true,
        limiter: this.client.limiter(this.name),
      });
      const parsed = parseJsonObject(text, 'append', this.name);
      // Legacy servers answer 200 with a non-zero status_code for a rejected append: the token of
      // such a response must not be used.
      if (typeof parsed.status_code === 'number' && parsed.status_code !== 0) {
        const code =
          typeof parsed.message === 'string' && /^[A-Z_]+$/.test(parsed.message)
            ? parsed.message
            : `STATUS_CODE_${parsed.status_code}`;
        throw new SnowpipeError({
          operation: 'append',
          status: 200,
          code,
          detail: typeof parsed.message === 'string' ? parsed.message : '',
          action: classifyError(409, code),
          channel: this.name,
        });
      }
      const next = parsed.next_continuation_token;
      if (typeof next !== 'string' || next === '') {
        throw new SnowpipeError({
          operation: 'append',
          status: 200,
          code: 'INVALID_RESPONSE',
          detail: 'the append response lacks next_continuation_token',
          action: 'reopen',
          channel: this.name,
        });
      }
      this.continuationToken = next;
      const stats = this.client.stats;
      stats.appendRequests++;
      stats.rowsAppended += rowCount;
      stats.bytesAppended += bytes;
    });
  }

  /** Polls the channel's status (bulk status call). Throws a `reopen` error when the server no longer knows it. */
  async status(): Promise<ChannelStatus> {
    const statuses = await this.client.channelStatuses([this.name]);
    const status = statuses.get(this.name);
    if (!status) {
      throw new SnowpipeError({
        operation: 'status',
        status: 200,
        code: 'ERR_CHANNEL_DOES_NOT_EXIST_OR_IS_NOT_AUTHORIZED',
        detail:
          'the channel is missing from the bulk status response (dropped, expired after 30 days idle, or never opened)',
        action: 'reopen',
        channel: this.name,
      });
    }
    this.observe(status, false);
    return status;
  }

  /**
   * Resolves once the committed offset token is at or past `token` (commits come in batches and may
   * jump past it). Throws a `retry` SnowpipeError on timeout, and the status error when the channel
   * became invalid.
   */
  async waitForCommit(token: string, options: WaitForCommitOptions = {}): Promise<ChannelStatus> {
    const clock = this.client.clock;
    const deadline = clock.now() + (options.timeoutMs ?? 60_000);
    const interval = options.pollIntervalMs ?? 1000;
    for (;;) {
      const status = await this.status();
      if (status.channelStatusCode !== 'SUCCESS') throw this.statusError('status', status);
      if (isCommitted(status.lastCommittedOffsetToken, token)) return status;
      if (clock.now() >= deadline) {
        throw new SnowpipeError({
          operation: 'waitForCommit',
          status: 0,
          code: 'COMMIT_TIMEOUT',
          detail: `offset token ${token} not committed within ${options.timeoutMs ?? 60_000} ms (committed: ${status.lastCommittedOffsetToken ?? 'none'})`,
          action: 'retry',
          channel: this.name,
        });
      }
      await this.client.sleep(interval);
    }
  }

  /** Drops the channel and its offset token on the server. */
  drop(options: { failOnUncommittedRows?: boolean } = {}): Promise<void> {
    return this.exclusive(async () => {
      const hasBody = options.failOnUncommittedRows !== undefined;
      await this.client.call({
        operation: 'drop',
        plane: 'ingest',
        method: 'DELETE',
        path: this.client.channelPath(this.name),
        body: hasBody
          ? JSON.stringify({ fail_on_uncommitted_rows: options.failOnUncommittedRows })
          : undefined,
        contentType: hasBody ? 'application/json' : undefined,
        channel: this.name,
      });
      this.continuationToken = undefined;
      this.committed = null;
    });
  }

  private statusError(operation: 'open' | 'status', status: ChannelStatus): SnowpipeError {
    const action = classifyError(200, status.channelStatusCode);
    return new SnowpipeError({
      operation,
      status: 200,
      code: status.channelStatusCode,
      detail: status.lastErrorMessage ?? 'the channel status is not SUCCESS',
      // Unknown non-SUCCESS codes mean the channel is invalid: reopening is the documented remedy.
      action: action === 'fatal' && !status.channelStatusCode.startsWith('ERR_PIPE') ? 'reopen' : action,
      channel: this.name,
    });
  }

  private observe(status: ChannelStatus, fromOpen: boolean): void {
    this.lastStatus = status;
    if (status.lastCommittedOffsetToken !== null || fromOpen)
      this.committed = status.lastCommittedOffsetToken;
    const total = status.rowsErrorCount;
    const previous = this.knownErrorCount;
    this.knownErrorCount = total;
    if (previous === undefined) {
      if (total > 0) {
        this.client.logger.info('Snowflake has refused rows on this channel before', {
          channel: this.name,
          totalErrors: total,
          lastErrorMessage: status.lastErrorMessage,
        });
      }
      return;
    }
    if (total <= previous) return;
    const event: RowErrorEvent = {
      channel: this.name,
      newErrors: total - previous,
      totalErrors: total,
      lastErrorMessage: status.lastErrorMessage,
      lastErrorOffsetUpperBound: status.lastErrorOffsetUpperBound,
    };
    this.client.stats.rowsRejected += event.newErrors;
    this.client.logger.warn('Snowflake refused rows after accepting the request', { ...event });
    for (const listener of this.listeners) listener(event);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
