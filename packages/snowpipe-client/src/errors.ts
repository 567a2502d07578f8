import { OpenSensorError } from '@opensensor/errors';
/**
 * What a caller should do about a failed call:
 * - `retry`: transient (throttling, server hiccup); the same request may succeed after a backoff.
 * - `reopen`: the channel's session is gone (stale continuation token, invalidated channel, an
 *   ambiguous append); reopen it and resume after `last_committed_offset_token`.
 * - `reauth`: credentials were refused; mint a new JWT / scoped token and try once more.
 * - `fatal`: configuration or privileges are wrong; retrying will not help until a human fixes it.
 */
export type SnowpipeErrorAction = 'retry' | 'reopen' | 'reauth' | 'fatal';

/** The operation a request belonged to; errors and logs name it. */
export type SnowpipeOperation =
  | 'hostname'
  | 'token'
  | 'open'
  | 'append'
  | 'status'
  | 'drop'
  | 'waitForCommit'
  | 'encode';

export interface SnowpipeErrorInit {
  operation: SnowpipeOperation;
  /** HTTP status, or 0 when no response arrived (network error, timeout, client-side check). */
  status: number;
  /** Snowflake's code (`STALE_CONTINUATION_TOKEN_SEQUENCER`, `390144`, …) or a client code. */
  code: string;
  /** The server's message (already free of secrets) or a client explanation. */
  detail: string;
  action: SnowpipeErrorAction;
  channel?: string;
  requestId?: string;
  retryAfterMs?: number;
  cause?: unknown;
}

/** A failed Snowpipe Streaming call, classified so callers know whether and how to recover. */
export class SnowpipeError extends OpenSensorError {
  override readonly name = 'SnowpipeError';
  readonly operation: SnowpipeOperation;
  readonly status: number;
  /** Snowflake's error code as it sent it (`ERR_CHANNEL_…`, `390144`), or ours (`HTTP_500`, `NETWORK`). */
  declare readonly code: string;
  readonly action: SnowpipeErrorAction;
  /** True when repeating the same request (possibly after re-authenticating) may succeed. */
  readonly retryable: boolean;
  readonly channel: string | undefined;
  readonly requestId: string | undefined;
  /** From a `Retry-After` header, when the server sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(init: SnowpipeErrorInit) {
    const where = init.channel ? ` on channel "${init.channel}"` : '';
    const http = init.status > 0 ? `HTTP ${init.status} ` : '';
    const detail = init.detail ? `: ${init.detail}` : '';
    super(
      init.code,
      `Snowpipe ${init.operation}${where} failed (${http}${init.code})${detail}. ${HINTS[init.action]}`,
      { cause: init.cause },
    );
    this.operation = init.operation;
    this.status = init.status;
    this.action = init.action;
    this.retryable = init.action === 'retry' || init.action === 'reauth';
    this.channel = init.channel;
    this.requestId = init.requestId;
    this.retryAfterMs = init.retryAfterMs;
  }
}

const HINTS: Record<SnowpipeErrorAction, string> = {
  retry: 'This is transient: retry with backoff.',
  reopen: 'Reopen the channel and resume after its last committed offset token.',
  reauth: 'Credentials were refused: refresh the token and retry once.',
  fatal: 'Retrying will not help: fix the configuration or privileges named above.',
};

/** An option passed to this package is invalid; names the option and what a valid value looks like. */
export class SnowpipeOptionsError extends OpenSensorError {
  override readonly name = 'SnowpipeOptionsError';
  declare readonly code: 'INVALID_OPTIONS';
  readonly option: string;

  constructor(option: string, problem: string, options?: { cause?: unknown }) {
    super('INVALID_OPTIONS', `Invalid Snowpipe option "${option}": ${problem}`, options);
    this.option = option;
  }
}

/** @deprecated Renamed `SnowpipeOptionsError`, like the other packages' option errors. */
export const SnowpipeConfigError = SnowpipeOptionsError;
/** @deprecated Renamed `SnowpipeOptionsError`. */
export type SnowpipeConfigError = SnowpipeOptionsError;

/** Codes after which the channel must be reopened (its session on the server is gone or poisoned). */
const REOPEN_CODES = new Set([
  'STALE_CONTINUATION_TOKEN_SEQUENCER',
  'ERR_CHANNEL_MUST_BE_REOPENED',
  'ERR_CHANNEL_MUST_BE_REOPENED_DUE_TO_ROW_SEQ_GAP',
  'ERR_CHANNEL_HAS_INVALID_ROW_SEQUENCER',
  'ERR_CHANNEL_HAS_INVALID_CLIENT_SEQUENCER',
  'ERR_CHANNEL_DOES_NOT_EXIST_OR_IS_NOT_AUTHORIZED',
  'ERR_CHANNEL_NO_LONGER_EXISTS',
  'STALE_PIPE_CACHE',
]);

/** Transient conditions, whatever HTTP status they arrive with. */
const RETRY_CODES = new Set([
  'ERR_GENERAL_EXCEPTION_RETRY_REQUEST',
  'ERR_OPEN_CHANNEL_IN_PROGRESS',
  'ERR_CHANNEL_HAS_UNCOMMITTED_DATA',
  'ReceiverSaturated',
  'MemoryThresholdExceeded',
  'MemoryThresholdExceededInContainer',
  'HttpRetryableClientError',
]);

/** Configuration or privilege problems: no amount of retrying fixes them. */
const FATAL_CODES = new Set([
  'ERR_PIPE_DOES_NOT_EXIST_OR_NOT_AUTHORIZED',
  'ERR_TABLE_DOES_NOT_EXIST_NOT_AUTHORIZED',
  'ERR_DATABASE_DOES_NOT_EXIST_OR_NOT_AUTHORIZED',
  'ERR_SCHEMA_DOES_NOT_EXIST_OR_NOT_AUTHORIZED',
  'ERR_PIPE_KIND_NOT_SUPPORTED',
  'ERR_PIPE_IN_INVALID_STATE',
  '391902', // Unsupported Accept header: a client bug
  '390432', // PAT needs a network policy on the user
]);

/** Numeric `status_code` values of the legacy (v1 / classic SDK) body shape, by name. */
const LEGACY_STATUS_CODES: Record<number, string> = {
  4: 'ERR_TABLE_DOES_NOT_EXIST_NOT_AUTHORIZED',
  8: 'ERR_DATABASE_DOES_NOT_EXIST_OR_NOT_AUTHORIZED',
  9: 'ERR_SCHEMA_DOES_NOT_EXIST_OR_NOT_AUTHORIZED',
  10: 'ERR_GENERAL_EXCEPTION_RETRY_REQUEST',
  19: 'ERR_CHANNEL_NO_LONGER_EXISTS',
  20: 'ERR_CHANNEL_HAS_INVALID_CLIENT_SEQUENCER',
  21: 'ERR_CHANNEL_HAS_INVALID_ROW_SEQUENCER',
  25: 'ERR_CHANNEL_DOES_NOT_EXIST_OR_IS_NOT_AUTHORIZED',
  36: 'ERR_CHANNEL_MUST_BE_REOPENED',
};

export interface ParsedErrorBody {
  code: string | undefined;
  message: string;
}

/**
 * Reads every error body shape seen from real servers: `{code,message}`, `{error_code}`, `{error}`,
 * a bare JSON string, legacy `{status_code,message}`, and non-JSON or empty text.
 */
export function parseErrorBody(text: string): ParsedErrorBody {
  const trimmed = text.trim();
  if (trimmed === '') return { code: undefined, message: '' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return { code: undefined, message: trimmed.slice(0, 500) };
  }
  if (typeof parsed === 'string') return { code: parsed || undefined, message: '' };
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { code: undefined, message: trimmed.slice(0, 500) };
  }
  const body = parsed as Record<string, unknown>;
  const str = (v: unknown): string | undefined =>
    typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
  let code = str(body.code) ?? str(body.error_code) ?? str(body.error);
  if (code === undefined && typeof body.status_code === 'number' && body.status_code !== 0) {
    code = LEGACY_STATUS_CODES[body.status_code] ?? `STATUS_CODE_${body.status_code}`;
  }
  const message = str(body.message) ?? str(body.error_message) ?? '';
  return { code, message: message.slice(0, 500) };
}

/** Maps an HTTP status and Snowflake code to what the caller should do. */
export function classifyError(status: number, code: string | undefined): SnowpipeErrorAction {
  if (code !== undefined) {
    if (REOPEN_CODES.has(code)) return 'reopen';
    if (RETRY_CODES.has(code)) return 'retry';
    if (FATAL_CODES.has(code)) return 'fatal';
  }
  if (status === 401) return 'reauth';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  // 409 without a known code is a channel invalidation ("superseded by another client"); 410 is a
  // pipe failover after which the host is rediscovered and the channel reopened.
  if (status === 409 || status === 410) return 'reopen';
  return 'fatal';
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
