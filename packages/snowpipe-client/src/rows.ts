import { SnowpipeOptionsError } from './errors.js';

/** A JSON value Snowpipe can map to a column. */
export type SnowpipeValue = string | number | boolean | null;

/** One row as sent to Snowflake: one JSON object per line of the NDJSON body. */
export type SnowpipeRow = Record<string, SnowpipeValue>;

/** One reading as the agent sends it: `station_id`, `timestamp` and the lake's measurement columns. */
export interface SnowpipeReadingRow extends SnowpipeRow {
  station_id: string;
  /** ISO 8601 UTC with milliseconds, e.g. `2025-01-01T09:00:00.000Z`. */
  timestamp: string;
}

/**
 * Builds the row for one reading. Keys are the lake's column names, lowercase, exactly as the
 * generated pipe extracts them (`$1:"temperature"`): JSON path lookups are case-sensitive, so the
 * keys must not be re-cased. With `columns`, every column is present (null where missing), so rows
 * never differ in shape by accident; non-finite numbers become null.
 */
export function toSnowpipeRow(
  stationId: string,
  timestampMs: number,
  values: Readonly<Record<string, number | null | undefined>>,
  columns?: readonly string[],
): SnowpipeReadingRow {
  if (!Number.isFinite(timestampMs)) {
    throw new SnowpipeOptionsError('timestampMs', `expected epoch milliseconds, received ${timestampMs}`);
  }
  const row: SnowpipeReadingRow = { station_id: stationId, timestamp: new Date(timestampMs).toISOString() };
  if (columns) {
    for (const column of columns) row[column] = finiteOrNull(values[column]);
  } else {
    for (const column in values) row[column] = finiteOrNull(values[column]);
  }
  return row;
}

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** One NDJSON line (with its `\n`), RFC 8259 JSON as the append endpoint requires. */
export function encodeRow(row: object): string {
  return `${JSON.stringify(row)}\n`;
}
