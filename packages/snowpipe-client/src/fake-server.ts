import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { type Clock, systemClock } from '@opensensor/errors';
import { FakeAuth } from './fake-server-auth.js';
import {
  endpointOf,
  HttpReply,
  PIPE_PATH,
  parseJsonBody,
  parseNdjson,
  type Reply,
  ROWS_PATH,
  readBody,
} from './fake-server-http.js';
import type {
  FakeChannelState,
  FakeEndpoint,
  FakeFault,
  FakeSnowpipeServer,
  FakeSnowpipeServerOptions,
  FakeSnowpipeStats,
} from './fake-server-types.js';
import { compareOffsetTokens } from './offsets.js';

export type {
  FakeChannelState,
  FakeEndpoint,
  FakeFault,
  FakePipe,
  FakeSnowpipeServer,
  FakeSnowpipeServerOptions,
  FakeSnowpipeStats,
} from './fake-server-types.js';

/*
 * The fake Snowpipe server, by concern: its public types (fake-server-types.ts), HTTP parsing and
 * routing helpers (fake-server-http.ts), authentication and the token exchange (fake-server-auth.ts),
 * and here the servers, fault injection and the channels with their offsets and commits.
 */

interface PendingBatch {
  rows: Record<string, unknown>[];
  endOffsetToken: string | undefined;
  dueAt: number;
}

interface ChannelState {
  name: string;
  pipe: string;
  clientSeq: number;
  rowSeq: number;
  committed: string | null;
  pending: PendingBatch[];
  rowsInserted: number;
  rowsParsed: number;
  rowsErrorCount: number;
  lastErrorOffsetUpperBound: string | null;
  lastErrorMessage: string | null;
  lastErrorTimestamp: number | null;
  createdOnMs: number;
  invalidCode: string | undefined;
  appendTimes: number[];
}

const STALE_MESSAGE = 'Channel sequencer in the continuation token is stale. Please reopen the channel';

/**
 * Starts a local Snowpipe Streaming v2 server on 127.0.0.1 (two random ports: account host and
 * ingest host) that enforces the documented contract strictly, including the places where real
 * servers differ from the docs. See the package README for what it checks.
 */
export async function startFakeSnowpipeServer(
  options: FakeSnowpipeServerOptions,
): Promise<FakeSnowpipeServer> {
  const fake = new FakeSnowpipe(options);
  await fake.listen();
  return fake.handle();
}

class FakeSnowpipe {
  readonly stats: FakeSnowpipeStats = {
    requests: 0,
    byEndpoint: { hostname: 0, token: 0, open: 0, append: 0, status: 0, drop: 0 },
    responses: {},
    errors: {},
    appendRequests: 0,
    rowsReceived: 0,
    maxAppendBodyBytes: 0,
    opens: 0,
    tokenExchanges: 0,
    keypairJwts: 0,
    rateLimited: 0,
    droppedConnections: 0,
    outageRequests: 0,
    unauthorized: 0,
    lastAuthFailure: undefined,
  };
  private readonly options: FakeSnowpipeServerOptions;
  private readonly clock: Clock;
  private readonly auth: FakeAuth;
  private readonly control: Server;
  private readonly ingest: Server;
  private readonly channels = new Map<string, ChannelState>();
  private readonly committedRows = new Map<string, Record<string, unknown>[]>();
  private readonly counted: { fault: Extract<FakeFault, { count?: number }>; left: number }[] = [];
  private readonly rejectors: Extract<FakeFault, { kind: 'rejectRows' }>[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private clientSeqCounter = 0;
  private paused = false;
  private down = false;
  private advertisedHost = '';
  private controlUrl = '';

  constructor(options: FakeSnowpipeServerOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.auth = new FakeAuth({
      options,
      clock: this.clock,
      stats: this.stats,
      ingestHost: () => this.advertisedHost,
      fail: (status, code, message, shape) => this.fail(status, code, message, shape),
    });
    for (const fault of options.faults ?? []) this.inject(fault);
    this.control = createServer((req, res) => void this.serve('control', req, res));
    this.ingest = createServer((req, res) => void this.serve('ingest', req, res));
  }

  async listen(): Promise<void> {
    const listen = (server: Server) =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
      });
    const [controlPort, ingestPort] = await Promise.all([listen(this.control), listen(this.ingest)]);
    this.controlUrl = `http://127.0.0.1:${controlPort}`;
    this.advertisedHost = `${this.options.ingestHostname ?? '127.0.0.1'}:${ingestPort}`;
  }

  handle(): FakeSnowpipeServer {
    return {
      url: this.controlUrl,
      ingestHostname: this.advertisedHost,
      rows: (channel) => [...(this.committedRows.get(channel) ?? [])],
      channel: (name) => {
        const state = [...this.channels.values()].find((c) => c.name === name);
        return state && this.publicState(state);
      },
      inject: (fault) => this.inject(fault),
      commitAll: () => this.commit(true),
      pauseCommits: () => {
        this.paused = true;
      },
      resumeCommits: () => {
        this.paused = false;
        this.commit(false);
      },
      setOutage: (down) => {
        this.down = down;
      },
      stats: this.stats,
      stop: () => this.stop(),
    };
  }

  inject(fault: FakeFault): void {
    switch (fault.kind) {
      case 'expireTokens':
        this.auth.expireTokens();
        return;
      case 'foreignOpen': {
        for (const state of this.channels.values()) {
          if (state.name === fault.channel) {
            state.pending = [];
            state.clientSeq = ++this.clientSeqCounter;
            state.rowSeq = 0;
          }
        }
        return;
      }
      case 'invalidateChannel':
        for (const state of this.channels.values()) {
          if (state.name === fault.channel) state.invalidCode = fault.code ?? 'ERR_CHANNEL_MUST_BE_REOPENED';
        }
        return;
      case 'rejectRows':
        this.rejectors.push(fault);
        return;
      default:
        this.counted.push({ fault, left: fault.count ?? 1 });
    }
  }

  private async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const close = (server: Server) =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    await Promise.all([close(this.control), close(this.ingest)]);
  }

  private takeFault(kinds: readonly FakeFault['kind'][], endpoint: FakeEndpoint): FakeFault | undefined {
    const index = this.counted.findIndex(
      (c) =>
        kinds.includes(c.fault.kind) && (c.fault.endpoint === undefined || c.fault.endpoint === endpoint),
    );
    if (index < 0) return undefined;
    const entry = this.counted[index] as (typeof this.counted)[number];
    entry.left--;
    if (entry.left <= 0) this.counted.splice(index, 1);
    return entry.fault;
  }

  private async serve(plane: 'control' | 'ingest', req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests++;
    if (this.down) {
      this.stats.outageRequests++;
      req.socket.destroy();
      return;
    }
    let reply: Reply;
    let endpoint: FakeEndpoint | undefined;
    try {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://fake');
      endpoint = endpointOf(plane, req.method ?? 'GET', url.pathname);
      if (endpoint) this.stats.byEndpoint[endpoint]++;
      reply = this.route(plane, endpoint, req, url, body);
    } catch (error) {
      reply =
        error instanceof HttpReply
          ? error.reply
          : { status: 500, body: JSON.stringify({ code: 'FAKE_INTERNAL_ERROR', message: String(error) }) };
    }
    if (endpoint && reply.status < 300 && this.takeFault(['dropConnection'], endpoint)) {
      this.stats.droppedConnections++;
      req.socket.destroy();
      return;
    }
    this.stats.responses[reply.status] = (this.stats.responses[reply.status] ?? 0) + 1;
    res.writeHead(reply.status, {
      'Content-Type': reply.contentType ?? 'application/json',
      ...reply.headers,
    });
    res.end(reply.body);
  }

  private route(
    plane: 'control' | 'ingest',
    endpoint: FakeEndpoint | undefined,
    req: IncomingMessage,
    url: URL,
    body: Buffer,
  ): Reply {
    const accept = req.headers.accept;
    // Stricter than Snowflake (which takes */*): fetch sends */* by default, and a client that
    // forgets the header must fail here as it would against servers that see no Accept at all.
    if (!accept?.includes('application/json')) {
      return this.error(400, '391902', `Unsupported Accept header ${accept || 'null'} is specified`, 'code');
    }
    if (!endpoint) {
      const pipeLike = PIPE_PATH.test(url.pathname) || ROWS_PATH.test(url.pathname);
      if (pipeLike) return this.error(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed here`, 'code');
      return this.error(404, 'NOT_FOUND', `no such endpoint: ${req.method} ${url.pathname}`, 'code');
    }
    const fault = this.takeFault(['status', 'unauthorized'], endpoint);
    if (fault?.kind === 'unauthorized') {
      this.stats.unauthorized++;
      return this.error(401, '390144', `JWT token is invalid. [${randomBytes(8).toString('hex')}]`, 'code');
    }
    if (fault?.kind === 'status') return this.faultReply(fault);

    if (endpoint === 'hostname') {
      this.auth.authenticate(req, 'control');
      const host = this.advertisedHost;
      const format = this.options.hostnameFormat ?? 'text';
      if (format === 'json') return { status: 200, body: JSON.stringify({ hostname: host }) };
      if (format === 'quoted') return { status: 200, body: JSON.stringify(host) };
      return { status: 200, body: host, contentType: 'text/plain' };
    }
    if (endpoint === 'token') return this.auth.exchange(req, body);
    if (endpoint === 'status') {
      this.auth.authenticate(req, plane);
      return this.bulkStatus(url, req, body);
    }
    this.auth.authenticate(req, 'ingest');
    if (endpoint === 'open') return this.open(url, body);
    if (endpoint === 'drop') return this.drop(url, body);
    return this.append(url, req, body);
  }

  private faultReply(fault: Extract<FakeFault, { kind: 'status' }>): Reply {
    const headers: Record<string, string> = {};
    if (fault.retryAfterSeconds !== undefined) headers['Retry-After'] = String(fault.retryAfterSeconds);
    let body = '';
    if (fault.status >= 500) {
      body =
        fault.body === 'string'
          ? JSON.stringify('ERR_GENERAL_EXCEPTION_RETRY_REQUEST')
          : JSON.stringify({
              code: 'ERR_GENERAL_EXCEPTION_RETRY_REQUEST',
              message: 'Snowflake experienced a transient exception, please retry the request',
            });
    }
    return { status: fault.status, body, headers };
  }

  private error(status: number, code: string, message: string, shape?: 'code' | 'error_code'): Reply {
    this.stats.errors[code] = (this.stats.errors[code] ?? 0) + 1;
    const key = (shape ?? this.options.errorShape ?? 'code') === 'code' ? 'code' : 'error_code';
    return { status, body: JSON.stringify({ [key]: code, message }) };
  }

  private fail(status: number, code: string, message: string, shape?: 'code' | 'error_code'): never {
    throw new HttpReply(this.error(status, code, message, shape));
  }

  private pipeKey(db: string, schema: string, pipe: string): string {
    const norm = (s: string) => {
      const v = decodeURIComponent(s);
      return v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v.toUpperCase();
    };
    const key = `${norm(db)}.${norm(schema)}.${norm(pipe)}`;
    const pipes = this.options.pipes;
    if (pipes && !pipes.some((p) => `${norm(p.database)}.${norm(p.schema)}.${norm(p.pipe)}` === key)) {
      this.fail(
        404,
        'ERR_PIPE_DOES_NOT_EXIST_OR_NOT_AUTHORIZED',
        `Pipe ${key} does not exist or not authorized.`,
        'error_code',
      );
    }
    return key;
  }

  private channelStatus(state: ChannelState): Record<string, unknown> {
    const [database, schema, pipe] = state.pipe.split('.');
    const errorsKey = this.options.statusFieldNames === 'documented' ? 'rows_errors' : 'rows_error_count';
    return {
      database_name: database,
      schema_name: schema,
      pipe_name: pipe,
      channel_name: state.name,
      channel_status_code: 'SUCCESS',
      last_committed_offset_token: state.committed,
      created_on_ms: state.createdOnMs,
      rows_inserted: state.rowsInserted,
      rows_parsed: state.rowsParsed,
      [errorsKey]: state.rowsErrorCount,
      last_error_offset_upper_bound: state.lastErrorOffsetUpperBound,
      last_error_message: state.lastErrorMessage,
      last_error_timestamp: state.lastErrorTimestamp,
      snowflake_avg_processing_latency_ms: this.options.commitDelayMs ?? 50,
    };
  }

  private open(url: URL, body: Buffer): Reply {
    const m = PIPE_PATH.exec(url.pathname) as RegExpExecArray;
    const pipe = this.pipeKey(m[1] ?? '', m[2] ?? '', m[3] ?? '');
    const name = decodeURIComponent(m[5] ?? '');
    const request = parseJsonBody(body) as { offset_token?: unknown; fail_on_uncommitted_rows?: unknown };
    this.stats.opens++;
    const key = `${pipe}/${name}`;
    let state = this.channels.get(key);
    if (state && state.pending.length > 0 && request.fail_on_uncommitted_rows === true) {
      this.fail(409, 'ERR_CHANNEL_HAS_UNCOMMITTED_DATA', 'The channel has uncommitted data.');
    }
    if (!state) {
      state = {
        name,
        pipe,
        clientSeq: 0,
        rowSeq: 0,
        committed: null,
        pending: [],
        rowsInserted: 0,
        rowsParsed: 0,
        rowsErrorCount: 0,
        lastErrorOffsetUpperBound: null,
        lastErrorMessage: null,
        lastErrorTimestamp: null,
        createdOnMs: this.clock.now(),
        invalidCode: undefined,
        appendTimes: [],
      };
      this.channels.set(key, state);
    }
    // Reopening discards rows still in flight and invalidates every other writer's token.
    state.pending = [];
    state.clientSeq = ++this.clientSeqCounter;
    state.rowSeq = 0;
    state.invalidCode = undefined;
    if (typeof request.offset_token === 'string') state.committed = request.offset_token;
    return {
      status: 200,
      body: JSON.stringify({
        next_continuation_token: `${state.clientSeq}_${state.rowSeq}`,
        channel_status: this.channelStatus(state),
      }),
    };
  }

  private drop(url: URL, body: Buffer): Reply {
    const m = PIPE_PATH.exec(url.pathname) as RegExpExecArray;
    const pipe = this.pipeKey(m[1] ?? '', m[2] ?? '', m[3] ?? '');
    const key = `${pipe}/${decodeURIComponent(m[5] ?? '')}`;
    const request = body.length > 0 ? (parseJsonBody(body) as { fail_on_uncommitted_rows?: unknown }) : {};
    const state = this.channels.get(key);
    if (state && state.pending.length > 0 && request.fail_on_uncommitted_rows === true) {
      this.fail(409, 'ERR_CHANNEL_HAS_UNCOMMITTED_DATA', 'The channel has uncommitted data.');
    }
    this.channels.delete(key);
    return { status: 200, body: '' };
  }

  private bulkStatus(url: URL, req: IncomingMessage, body: Buffer): Reply {
    const m = PIPE_PATH.exec(url.pathname) as RegExpExecArray;
    const pipe = this.pipeKey(m[1] ?? '', m[2] ?? '', m[3] ?? '');
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      this.fail(400, 'ERR_INVALID_REQUEST', 'Content-Type must be application/json');
    }
    const request = parseJsonBody(body) as { channel_names?: unknown };
    if (!Array.isArray(request.channel_names) || !request.channel_names.every((n) => typeof n === 'string')) {
      this.fail(400, 'ERR_INVALID_REQUEST', 'channel_names must be an array of strings');
    }
    const statuses: Record<string, unknown> = {};
    for (const name of request.channel_names as string[]) {
      const state = this.channels.get(`${pipe}/${name}`);
      if (state) statuses[name] = this.channelStatus(state);
    }
    return { status: 200, body: JSON.stringify({ channel_statuses: statuses }) };
  }

  private append(url: URL, req: IncomingMessage, body: Buffer): Reply {
    const m = ROWS_PATH.exec(url.pathname) as RegExpExecArray;
    const pipe = this.pipeKey(m[1] ?? '', m[2] ?? '', m[3] ?? '');
    const state = this.channels.get(`${pipe}/${decodeURIComponent(m[4] ?? '')}`);
    if (!state) this.fail(400, 'ERR_CHANNEL_DOES_NOT_EXIST_OR_IS_NOT_AUTHORIZED', '');
    const now = this.clock.now();
    const limit = this.options.maxRequestsPerSecond === undefined ? 10 : this.options.maxRequestsPerSecond;
    if (limit !== null) {
      state.appendTimes = state.appendTimes.filter((t) => t > now - 1000);
      if (state.appendTimes.length >= limit) {
        this.stats.rateLimited++;
        return { status: 429, body: '', headers: { 'Retry-After': '1' } };
      }
      state.appendTimes.push(now);
    }
    if (state.invalidCode) this.fail(409, state.invalidCode, 'The channel must be reopened.');
    const token = url.searchParams.get('continuationToken');
    const [clientSeq, rowSeq] = (token ?? '').split('_').map(Number);
    if (token === null || clientSeq !== state.clientSeq) {
      this.fail(400, 'STALE_CONTINUATION_TOKEN_SEQUENCER', STALE_MESSAGE);
    }
    if (rowSeq !== state.rowSeq) {
      this.fail(
        400,
        'ERR_CHANNEL_HAS_INVALID_ROW_SEQUENCER',
        'The client provided an out-of-order message, please reopen the channel',
      );
    }
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-ndjson')) {
      this.fail(415, 'ERR_UNSUPPORTED_CONTENT_TYPE', 'Content-Type must be application/x-ndjson');
    }
    const max = this.options.maxRequestBytes ?? 4_000_000;
    if (body.length > max)
      this.fail(413, 'ERR_PAYLOAD_TOO_LARGE', `payload is ${body.length} bytes; the limit is ${max}`);
    this.stats.maxAppendBodyBytes = Math.max(this.stats.maxAppendBodyBytes, body.length);
    const encoding = req.headers['content-encoding'];
    let raw = body;
    if (encoding === 'gzip') raw = gunzipSync(body);
    else if (encoding !== undefined && encoding !== 'identity') {
      this.fail(
        415,
        'ERR_UNSUPPORTED_CONTENT_ENCODING',
        `Content-Encoding ${encoding} is not supported by this fake`,
      );
    }
    const rows = parseNdjson(raw, (message) => this.fail(400, 'ERR_INVALID_NDJSON', message));
    const legacy = url.searchParams.get('offsetToken');
    const end = url.searchParams.get('endOffsetToken') ?? legacy ?? undefined;
    const start = url.searchParams.get('startOffsetToken') ?? legacy ?? undefined;
    if (start !== undefined && start !== '' && end !== undefined && compareOffsetTokens(start, end) > 0) {
      this.fail(400, 'ERR_INVALID_OFFSET_TOKENS', 'startOffsetToken is after endOffsetToken');
    }
    state.rowSeq++;
    state.pending.push({ rows, endOffsetToken: end, dueAt: Date.now() + (this.options.commitDelayMs ?? 50) });
    this.scheduleCommit();
    this.stats.appendRequests++;
    this.stats.rowsReceived += rows.length;
    return {
      status: 200,
      body: JSON.stringify({ next_continuation_token: `${state.clientSeq}_${state.rowSeq}` }),
    };
  }

  private scheduleCommit(delayMs = this.options.commitDelayMs ?? 50): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.commit(false);
    }, delayMs);
    this.timers.add(timer);
  }

  private commit(all: boolean): void {
    if (this.paused && !all) return;
    const now = Date.now();
    for (const state of this.channels.values()) {
      while (state.pending.length > 0) {
        const batch = state.pending[0] as PendingBatch;
        if (!all && batch.dueAt > now) break;
        state.pending.shift();
        let table = this.committedRows.get(state.name);
        if (!table) {
          table = [];
          this.committedRows.set(state.name, table);
        }
        for (const row of batch.rows) {
          state.rowsParsed++;
          const rejector = this.rejectors.find((r) => r.match(row));
          if (rejector) {
            state.rowsErrorCount++;
            state.lastErrorMessage = rejector.message ?? 'NULL result in a non-nullable column';
            state.lastErrorOffsetUpperBound = batch.endOffsetToken ?? null;
            state.lastErrorTimestamp = this.clock.now();
          } else {
            state.rowsInserted++;
            table.push(row);
          }
        }
        if (batch.endOffsetToken !== undefined && batch.endOffsetToken !== '')
          state.committed = batch.endOffsetToken;
      }
    }
    // Batches not yet due (or held while paused) need a later pass of their own.
    if (this.paused) return;
    let next = Number.POSITIVE_INFINITY;
    for (const state of this.channels.values()) next = Math.min(next, state.pending[0]?.dueAt ?? next);
    if (next !== Number.POSITIVE_INFINITY && this.timers.size === 0)
      this.scheduleCommit(Math.max(0, next - now));
  }

  private publicState(state: ChannelState): FakeChannelState {
    return {
      name: state.name,
      clientSequencer: state.clientSeq,
      rowSequencer: state.rowSeq,
      lastCommittedOffsetToken: state.committed,
      pendingBatches: state.pending.length,
      rowsInserted: state.rowsInserted,
      rowsParsed: state.rowsParsed,
      rowsErrorCount: state.rowsErrorCount,
      lastErrorMessage: state.lastErrorMessage,
    };
  }
}
