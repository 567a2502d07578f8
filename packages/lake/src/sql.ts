import type { SqlDialect } from './aqi.js';

/** A quoted SQL identifier (works in DuckDB and Snowflake). */
export const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** A quoted SQL string literal. */
export const literal = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/** A list of file paths for `read_parquet([...])`. */
export const fileList = (paths: readonly string[]): string => `[${paths.map(literal).join(', ')}]`;

/**
 * `ident` for a dialect. The builders write fixed names bare (`station`, `hour`, `qc`) and names
 * made from measurements quoted; Snowflake folds bare names to upper case, so there the quoted ones
 * are upper-cased too and both spellings meet: every column is `STATION`, `PM25_QC`, … (the case of
 * the streamed table's columns). DuckDB ignores case: its names stay as they are.
 */
export function identIn(dialect: SqlDialect): (name: string) => string {
  return dialect === 'snowflake' ? (name) => ident(name.toUpperCase()) : ident;
}

/**
 * Seconds since 1970 of a timestamp, with its milliseconds: DuckDB `epoch(ts)` (DOUBLE); Snowflake
 * `DATE_PART(EPOCH_MILLISECOND, ts) / 1000` (EPOCH_SECOND would drop the milliseconds).
 */
export function epochSql(expr: string, dialect: SqlDialect): string {
  return dialect === 'snowflake' ? `(DATE_PART(EPOCH_MILLISECOND, ${expr}) / 1000)` : `epoch(${expr})`;
}

/** The type of a QC flag: DuckDB UTINYINT, Snowflake NUMBER(3) (it has no 1-byte integer). */
export function flagType(dialect: SqlDialect): string {
  return dialect === 'snowflake' ? 'NUMBER(3)' : 'UTINYINT';
}
