import type { Clock, Logger, Sleep } from '@opensensor/errors';
import type { SnowpipeOperation } from './errors.js';
import { SnowpipeError } from './errors.js';
import type { SlidingWindowLimiter } from './runtime.js';
import type { ChannelStatus } from './status.js';

/** Counters for monitoring; cumulative over the client's life. */
export interface SnowpipeClientStats {
  requests: number;
  retries: number;
  reauths: number;
  /** Channel opens, first opens and reopens alike. */
  opens: number;
  appendRequests: number;
  rowsAppended: number;
  bytesAppended: number;
  /** Rows Snowflake received but refused (from `rows_error_count` increases). */
  rowsRejected: number;
  /** Milliseconds spent waiting for the per-channel request limit. */
  rateLimitWaitMs: number;
}

/** @internal One HTTP call, described so it can be retried with fresh credentials. */
export interface CallSpec {
  operation: SnowpipeOperation;
  plane: 'control' | 'exchange' | 'ingest';
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  body?: string;
  contentType?: string;
  channel?: string;
  /** A lost response may mean the server applied the request (appends): surface it as `reopen`. */
  ambiguous?: boolean;
  limiter?: SlidingWindowLimiter;
}

/**
 * @internal What a `Channel` needs of the client that opened it. The client builds one per channel; the
 * channel depends on this, not on the client, so neither module imports the other.
 */
export interface ChannelTransport {
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly logger: Logger;
  readonly stats: SnowpipeClientStats;
  readonly maxRequestBytes: number;
  call(spec: CallSpec): Promise<{ status: number; text: string }>;
  channelPath(name: string): string;
  rowsPath(name: string): string;
  limiter(name: string): SlidingWindowLimiter;
  channelStatuses(names: readonly string[]): Promise<Map<string, ChannelStatus>>;
}

/** @internal */
export function parseJsonObject(
  text: string,
  operation: SnowpipeOperation,
  channel?: string,
): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // fall through to the typed error
  }
  throw new SnowpipeError({
    operation,
    status: 200,
    code: 'INVALID_RESPONSE',
    detail: `expected a JSON object, received ${JSON.stringify(text.slice(0, 200))}`,
    action: operation === 'append' ? 'reopen' : 'retry',
    channel,
  });
}
