import { pm25CorrectedSql, type SqlDialect } from './aqi.js';
import type { Engine } from './engine.js';
import { DAY_MS, type DayKey, dayStart } from './layout.js';
import { QC, qcFlagSql, qcWindow, qcWindowColumns, ROW_NUMBER_COLUMN, rowQcSql } from './qc.js';
import { fileList, flagType, ident, identIn, literal } from './sql.js';

/** Columns `loadDay` adds to a day's rows (the source file and its rank), never written out. */
export const LOAD_COLUMNS = ['src_rank', 'src'] as const;

const NUMERIC = /^(FLOAT|DOUBLE|DECIMAL|INTEGER|BIGINT|SMALLINT|TINYINT|HUGEINT|U)/;
/** Columns that are not measurements: silver's own, and those `loadDay` adds. */
const NOT_MEASUREMENTS = new Set([
  'station',
  'timestamp',
  'timestamp_qc',
  'qc',
  'pm25_corrected',
  ...LOAD_COLUMNS,
]);

/** Measurement columns of a relation: numeric, not `timestamp`, not a flag or a silver-only column. */
export async function measurementColumns(engine: Engine, relation: string): Promise<string[]> {
  const rows = await engine.rows(`DESCRIBE SELECT * FROM ${relation}`);
  const names = new Set(rows.map((r) => String(r.column_name)));
  return rows
    .filter((r) => NUMERIC.test(String(r.column_type)))
    .map((r) => String(r.column_name))
    .filter((n) => !NOT_MEASUREMENTS.has(n) && !(n.endsWith('_qc') && names.has(n.slice(0, -3))));
}

/** `read_parquet` over files whose schemas may differ (our writer's and the reference collector's). */
export const parquetFiles = (files: readonly string[], extra = '') =>
  `read_parquet(${fileList(files)}, union_by_name = true, hive_partitioning = false${extra})`;

function dayBounds(day: DayKey) {
  const from = new Date(dayStart(day)).toISOString();
  const to = new Date(dayStart(day) + DAY_MS).toISOString();
  return {
    from,
    to,
    where: `timestamp >= TIMESTAMPTZ ${literal(from)} AND timestamp < TIMESTAMPTZ ${literal(to)}`,
  };
}

/**
 * Loads one station-day of a stream into a temp table `name` with the columns of its files plus
 * `src_rank` / `src`: bronze rows of the day (by their own timestamps) rank 0, the silver file built
 * before rank 1 (its rows stay even when bronze files are gone, deleted by a station's retention).
 * Read once here: every later step of the day works on the table.
 */
export async function loadDay(
  engine: Engine,
  name: string,
  input: { day: DayKey; bronze: readonly string[]; previous: string | null },
): Promise<void> {
  const { where } = dayBounds(input.day);
  const sources: string[] = [];
  if (input.bronze.length)
    sources.push(
      `SELECT * EXCLUDE (filename), 0 AS src_rank, filename AS src FROM ${parquetFiles(input.bronze, ', filename = true')} WHERE ${where}`,
    );
  if (input.previous)
    sources.push(`SELECT *, 1 AS src_rank, '' AS src FROM ${parquetFiles([input.previous])} WHERE ${where}`);
  await engine.run(`CREATE OR REPLACE TEMP TABLE ${name} AS ${sources.join(' UNION ALL BY NAME ')}`);
}

/** Rows of a loaded day, one per timestamp: bronze before the previous silver, then by file name (deterministic). */
const dedup = (raw: string) =>
  `SELECT * EXCLUDE (rn, ${LOAD_COLUMNS.join(', ')}) FROM (
    SELECT *, row_number() OVER (PARTITION BY timestamp ORDER BY src_rank, src) AS rn FROM ${raw}
  ) WHERE rn = 1`;

/** One silver health station-day: the day's health records, once each, sorted. */
export function silverHealthSql(station: string, raw: string, columns: readonly string[]): string {
  return `SELECT ${literal(station)} AS station, timestamp, ${columns.map(ident).join(', ')} FROM (${dedup(raw)}) ORDER BY timestamp`;
}

/**
 * One silver readings station-day from the loaded day `raw`: duplicates on the timestamp removed,
 * sorted, every value with its QC flag, the timestamp's flag (the clock state from `health`, a
 * relation with `timestamp` and `clock_synced`), the row's worst flag, and `pm25_corrected`.
 */
export function silverReadingsSql(input: {
  station: string;
  raw: string;
  health: string | null;
  columns: readonly string[];
}): string {
  const health = input.health
    ? `SELECT timestamp AS h_ts, clock_synced FROM ${input.health}`
    : 'SELECT NULL::TIMESTAMPTZ AS h_ts, NULL::BOOLEAN AS clock_synced WHERE FALSE';
  return flaggedReadingsSql({
    dialect: 'duckdb',
    columns: input.columns,
    dated: `
WITH dedup AS (${dedup(input.raw)}),
health AS (${health}),
dated AS (
  SELECT d.*, h.clock_synced FROM dedup d ASOF LEFT JOIN health h ON d.timestamp >= h.h_ts
),`,
    station: literal(input.station),
    order: '\nORDER BY timestamp',
  });
}

/** Column names of the streamed Snowflake tables (`opensensor snowflake sql`): the station id and the time. */
export const SNOWFLAKE_READINGS_KEYS = { station: 'STATION_ID', timestamp: 'TIMESTAMP' } as const;

/** Columns of the streamed health table the models read (the health lake's names, upper case there). */
export const SNOWFLAKE_HEALTH_COLUMNS = [
  'clock_synced',
  'ntp_offset_ms',
  'cpu_temp_c',
  'disk_free_gb',
] as const;

/**
 * Silver readings in Snowflake, every station and day in one SELECT over the streamed table `table`
 * (columns `STATION_ID`, `TIMESTAMP` and the measurements, upper case): the same flags, row flag and
 * `pm25_corrected` as `silverReadingsSql`, from the same builders, with `STATION_ID` renamed `station`.
 * One row per (station, timestamp): of rows equal in both, the one with the lowest values wins
 * (`QUALIFY row_number() … = 1`), whatever order they arrived in.
 *
 * `health`, the streamed health table (`STATION_ID`, `TIMESTAMP`, `CLOCK_SYNCED`, …), dates the
 * readings as the lake does: the station's latest health record at or before each reading
 * (`ASOF JOIN … MATCH_CONDITION`), if it is from the reading's UTC day or the day before (the lake
 * reads those two days' health files). Without it `timestamp_qc` is 2 (not evaluated) on every row.
 */
export function snowflakeSilverSql(input: {
  table: string;
  columns: readonly string[];
  health?: string | null;
}): string {
  const q = identIn('snowflake');
  const station = q(SNOWFLAKE_READINGS_KEYS.station);
  const timestamp = q(SNOWFLAKE_READINGS_KEYS.timestamp);
  const cols = input.columns.map(q).join(', ');
  const dated = input.health
    ? `health AS (
  SELECT ${station} AS h_station, ${timestamp} AS h_ts, ${q('clock_synced')} AS clock_synced FROM ${input.health}
),
dated AS (
  SELECT d.*, CASE WHEN h.h_ts >= date_trunc('day', d.timestamp) - INTERVAL '1 DAY' THEN h.clock_synced END AS clock_synced
  FROM dedup d ASOF JOIN health h MATCH_CONDITION (d.timestamp >= h.h_ts) ON d.station = h.h_station
),`
    : `dated AS (
  SELECT *, NULL::BOOLEAN AS clock_synced FROM dedup
),`;
  return flaggedReadingsSql({
    dialect: 'snowflake',
    columns: input.columns,
    dated: `WITH dedup AS (
  SELECT ${station} AS station, ${timestamp} AS timestamp, ${cols}
  FROM ${input.table}
  QUALIFY row_number() OVER (PARTITION BY ${station}, ${timestamp} ORDER BY ${cols}) = 1
),
${dated}`,
    station: null,
    order: '',
  });
}

/**
 * The flagged readings after the CTEs in `dated` (ending with `dated`: the rows once each, with
 * `timestamp`, the measurement columns and `clock_synced`). One text for both engines: a column added
 * here reaches DuckDB's silver files and Snowflake's silver table alike.
 */
function flaggedReadingsSql(p: {
  dialect: SqlDialect;
  columns: readonly string[];
  dated: string;
  /** The station's id as a literal (DuckDB's silver is one station-day), or null: `dated` has a `station` column. */
  station: string | null;
  order: string;
}): string {
  const { columns, dialect } = p;
  const q = identIn(dialect);
  const cols = columns.map(q).join(', ');
  const windows = columns.map((c) => qcWindowColumns(c, dialect));
  const { over, clause } = qcWindow(dialect);
  const select = (list: { name: string; sql: string }[]) =>
    list.map((w) => `, ${w.sql} AS ${q(w.name)}`).join('');
  const flags = columns.map((c) => `${c}_qc`);
  const hasCorrection = columns.includes('pm25') && columns.includes('humidity');
  const carried = p.station === null ? 'station, ' : '';
  return `${p.dated}
windowed1 AS (
  SELECT *, row_number() OVER ${over} AS ${q(ROW_NUMBER_COLUMN)}${select(windows.flatMap((w) => w.first))}
  FROM dated${clause}
),
windowed AS (
  SELECT *${select(windows.flatMap((w) => w.second))}
  FROM windowed1${clause}
),
flagged AS (
  SELECT ${carried}timestamp, ${cols},
    ${columns.map((c) => `${qcFlagSql(c, columns, dialect)} AS ${q(`${c}_qc`)}`).join(',\n    ')},
    CASE WHEN clock_synced IS NULL THEN ${QC.notEvaluated} WHEN clock_synced THEN ${QC.pass} ELSE ${QC.suspect} END::${flagType(dialect)} AS timestamp_qc
  FROM windowed
)
SELECT ${p.station ?? 'station'} AS station, timestamp, ${cols},
  ${hasCorrection ? `${pm25CorrectedSql(q('pm25'), q('humidity'))}::FLOAT` : 'NULL::FLOAT'} AS pm25_corrected,
  ${flags.map(q).join(', ')}, timestamp_qc,
  ${rowQcSql([...flags, 'timestamp_qc'], dialect)} AS qc
FROM flagged${p.order}`;
}
