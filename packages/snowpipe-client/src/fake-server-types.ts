import type { Clock } from '@opensensor/errors';

/** Endpoints of the fake, for fault targeting and counters. */
export type FakeEndpoint = 'hostname' | 'token' | 'open' | 'append' | 'status' | 'drop';

/** A fault to inject. Counted faults apply to the next `count` (default 1) matching requests. */
export type FakeFault =
  /** Answer with this status instead of handling the request (429/408/5xx are transient). */
  | {
      kind: 'status';
      status: number;
      count?: number;
      endpoint?: FakeEndpoint;
      retryAfterSeconds?: number;
      /** 5xx body: `{"code":"ERR_GENERAL_EXCEPTION_RETRY_REQUEST",…}` (object, default) or the bare JSON string. */
      body?: 'object' | 'string';
    }
  /** 401 `390144` as for an expired or revoked token. */
  | { kind: 'unauthorized'; count?: number; endpoint?: FakeEndpoint }
  /** Every token issued so far stops working (scoped tokens and key-pair JWTs): clients must re-authenticate. */
  | { kind: 'expireTokens' }
  /** Another writer opens the channel: the client sequencer is bumped, in-flight rows are discarded. */
  | { kind: 'foreignOpen'; channel: string }
  /** Handle the request fully (rows are accepted!), then close the connection without a response. */
  | { kind: 'dropConnection'; count?: number; endpoint?: FakeEndpoint }
  /** The channel becomes invalid: appends get 409 with `code` (default `ERR_CHANNEL_MUST_BE_REOPENED`) until reopened. */
  | { kind: 'invalidateChannel'; channel: string; code?: string }
  /** From now on, rows matching `match` are refused at commit time (counted in `rows_error_count`). */
  | { kind: 'rejectRows'; match: (row: Record<string, unknown>) => boolean; message?: string };

export interface FakePipe {
  database: string;
  schema: string;
  pipe: string;
}

export interface FakeSnowpipeServerOptions {
  /** Account identifier the JWT claims must carry (uppercased, region cut), e.g. `myorg-myaccount`. */
  account: string;
  user: string;
  /** Registered public keys (RSA_PUBLIC_KEY and RSA_PUBLIC_KEY_2), PEM. */
  publicKeyPem?: string | readonly string[];
  /** A programmatic access token accepted as Bearer on every endpoint. */
  pat?: string;
  /** Time between an append and its commit (real time). Default 50 ms. */
  commitDelayMs?: number;
  faults?: readonly FakeFault[];
  /** Clock for token expiry and rate limits; share the client's fake clock to test refresh. */
  clock?: Clock;
  /** Name returned by Get Hostname (the fake's port is appended). Default `127.0.0.1`. */
  ingestHostname?: string;
  /** Get Hostname body: plain text like real accounts (default), the documented JSON, or a quoted string. */
  hostnameFormat?: 'text' | 'json' | 'quoted';
  /** Token exchange body: raw text like real accounts (default) or the documented `{"token": …}`. */
  tokenFormat?: 'text' | 'json';
  /** Error counter name in status: `rows_error_count` as real servers send (default) or the documented `rows_errors`. */
  statusFieldNames?: 'observed' | 'documented';
  /** Body shape of channel errors: `{"code":…}` (default) or `{"error_code":…}`. */
  errorShape?: 'code' | 'error_code';
  /** When given, only these pipes exist (others: 404). Default: every pipe exists. */
  pipes?: readonly FakePipe[];
  /** Wire bytes per append. Default 4,000,000. */
  maxRequestBytes?: number;
  /** Appends per channel per second before 429; null disables. Default 10. */
  maxRequestsPerSecond?: number | null;
  /** Lifetime of scoped tokens. Default 1 h. */
  scopedTokenTtlMs?: number;
}

/** A channel's state in the fake, as the status endpoint reports it. */
export interface FakeChannelState {
  name: string;
  clientSequencer: number;
  rowSequencer: number;
  lastCommittedOffsetToken: string | null;
  pendingBatches: number;
  rowsInserted: number;
  rowsParsed: number;
  rowsErrorCount: number;
  lastErrorMessage: string | null;
}

export interface FakeSnowpipeStats {
  requests: number;
  byEndpoint: Record<FakeEndpoint, number>;
  /** Responses by HTTP status. */
  responses: Record<number, number>;
  /** Error responses by code. */
  errors: Record<string, number>;
  appendRequests: number;
  rowsReceived: number;
  maxAppendBodyBytes: number;
  opens: number;
  tokenExchanges: number;
  /** Distinct key-pair JWTs accepted. */
  keypairJwts: number;
  rateLimited: number;
  droppedConnections: number;
  /** Requests that met an outage (`setOutage(true)`): connection closed before any handling. */
  outageRequests: number;
  unauthorized: number;
  /** Why the last credential was refused (for debugging tests; never contains the token). */
  lastAuthFailure: string | undefined;
}

export interface FakeSnowpipeServer {
  /** Account URL to give the client, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** The ingest host Get Hostname returns (with port), before any `_` → `-` fixing. */
  ingestHostname: string;
  /** Rows committed through this channel, in commit order. */
  rows(channel: string): Record<string, unknown>[];
  channel(channel: string): FakeChannelState | undefined;
  inject(fault: FakeFault): void;
  /** Commit everything in flight now. */
  commitAll(): void;
  pauseCommits(): void;
  resumeCommits(): void;
  /**
   * An outage: until `setOutage(false)`, every request on both hosts has its connection closed before
   * it is handled (the client sees a network error; nothing is accepted). Commits of rows accepted
   * before it go on, as on a server that is up but out of reach.
   */
  setOutage(down: boolean): void;
  stats: FakeSnowpipeStats;
  stop(): Promise<void>;
}
