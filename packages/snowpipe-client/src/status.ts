/** A channel's state as the server reports it (open response and bulk channel status). */
export interface ChannelStatus {
  channelName: string | undefined;
  /** `SUCCESS` when the channel is usable; anything else is an `ERR_*` code. */
  channelStatusCode: string;
  /** Highest committed offset token (a journal sequence number here); null until something commits. */
  lastCommittedOffsetToken: string | null;
  rowsInserted: number;
  rowsParsed: number;
  /** Cumulative count of rows Snowflake received but refused; never resets. */
  rowsErrorCount: number;
  lastErrorOffsetUpperBound: string | null;
  lastErrorMessage: string | null;
  lastErrorTimestamp: number | string | null;
  createdOnMs: number | null;
  avgProcessingLatencyMs: number | null;
}

/**
 * Reads a channel status object. The real server names the error counter `rows_error_count` in both
 * responses; the bulk-status docs say `rows_errors`, so both are read.
 */
export function normalizeChannelStatus(raw: Record<string, unknown>): ChannelStatus {
  const str = (v: unknown): string | null =>
    typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
  const num = (v: unknown): number | null => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
    return Number.isFinite(n) ? n : null;
  };
  return {
    channelName: str(raw.channel_name) ?? undefined,
    channelStatusCode: str(raw.channel_status_code) ?? 'UNKNOWN',
    lastCommittedOffsetToken: str(raw.last_committed_offset_token),
    rowsInserted: num(raw.rows_inserted) ?? 0,
    rowsParsed: num(raw.rows_parsed) ?? 0,
    rowsErrorCount: num(raw.rows_error_count) ?? num(raw.rows_errors) ?? 0,
    lastErrorOffsetUpperBound: str(raw.last_error_offset_upper_bound),
    lastErrorMessage: str(raw.last_error_message),
    lastErrorTimestamp:
      typeof raw.last_error_timestamp === 'number' || typeof raw.last_error_timestamp === 'string'
        ? raw.last_error_timestamp
        : null,
    createdOnMs: num(raw.created_on_ms),
    avgProcessingLatencyMs: num(raw.snowflake_avg_processing_latency_ms),
  };
}
