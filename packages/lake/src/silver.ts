import { pm25CorrectedSql } from './aqi.js';
import type { Engine } from './engine.js';
import { DAY_MS, type DayKey, dayStart } from './layout.js';
import { QC, qcFlagSql, qcWindowColumns, rowQcSql } from './qc.js';
import { fileList, ident, literal } from './sql.js';

/** Columns of every silver file besides the measurements and their flags. */
export const SILVER_FIXED_COLUMNS = ['station', 'timestamp', 'timestamp_qc', 'qc'] as const;

/** The measurement columns a set of bronze files holds (every column but `timestamp`), in file order. */
export async function measurementColumns(engine: Engine, files: readonly string[]): Promise<string[]> {
  const rows = await engine.rows(
    `DESCRIBE SELECT * FROM read_parquet(${fileList(files)}, union_by_name = true, hive_partitioning = false)`,
  );
  return rows
    .filter(
      (r) =>
        r.column_name !== 'timestamp' &&
        /^(FLOAT|DOUBLE|DECIMAL|INTEGER|BIGINT|SMALLINT|TINYINT|HUGEINT|U)/.test(String(r.column_type)),
    )
    .map((r) => String(r.column_name));
}

export interface SilverDayInput {
  station: string;
  day: DayKey;
  /** Bronze reading files with readings of this day. */
  bronze: readonly string[];
  /** The silver file built before, if any: its rows are kept (bronze files may be gone since, deleted by a station's retention). */
  previous: string | null;
  /** Health files of this day and the day before (for the clock state at the day's first readings). */
  health: readonly string[];
  /** Measurement columns, from `measurementColumns`. */
  columns: readonly string[];
}

/**
 * The SELECT that produces one silver station-day: the bronze readings of the day (by their own
 * timestamps), duplicates on the timestamp removed (the first by source file wins, so a rebuild is
 * deterministic), sorted, every value with its QC flag, the row's worst flag, and `pm25_corrected`.
 */
export function silverDaySql(input: SilverDayInput): string {
  const { columns } = input;
  const from = new Date(dayStart(input.day)).toISOString();
  const to = new Date(dayStart(input.day) + DAY_MS).toISOString();
  const inDay = `timestamp >= TIMESTAMPTZ ${literal(from)} AND timestamp < TIMESTAMPTZ ${literal(to)}`;
  const cols = columns.map(ident).join(', ');
  const sources = [
    `SELECT timestamp, ${cols}, 0 AS src_rank, filename AS src FROM read_parquet(${fileList(input.bronze)}, union_by_name = true, hive_partitioning = false, filename = true) WHERE ${inDay}`,
  ];
  if (input.previous)
    sources.push(
      `SELECT timestamp, ${cols}, 1 AS src_rank, '' AS src FROM read_parquet(${literal(input.previous)}, union_by_name = true, hive_partitioning = false) WHERE ${inDay}`,
    );
  const windowCols = columns.flatMap((c) => qcWindowColumns(c));
  const health =
    input.health.length > 0
      ? `SELECT timestamp AS h_ts, clock_synced FROM read_parquet(${fileList(input.health)}, union_by_name = true, hive_partitioning = false)`
      : 'SELECT NULL::TIMESTAMPTZ AS h_ts, NULL::BOOLEAN AS clock_synced WHERE FALSE';
  const flags = columns.map((c) => `${c}_qc`);
  const hasCorrection = columns.includes('pm25') && columns.includes('humidity');
  return `
WITH raw AS (
  ${sources.join('\n  UNION ALL BY NAME\n  ')}
),
dedup AS (
  SELECT * EXCLUDE (rn, src_rank, src) FROM (
    SELECT *, row_number() OVER (PARTITION BY timestamp ORDER BY src_rank, src) AS rn FROM raw
  ) WHERE rn = 1
),
health AS (${health}),
dated AS (
  SELECT d.*, h.clock_synced FROM dedup d ASOF LEFT JOIN health h ON d.timestamp >= h.h_ts
),
windowed AS (
  SELECT *${windowCols.map((w) => `, ${w.sql} AS ${ident(w.name)}`).join('')}
  FROM dated WINDOW w AS (ORDER BY timestamp)
),
flagged AS (
  SELECT timestamp, ${cols},
    ${columns.map((c) => `${qcFlagSql(c, columns)} AS ${ident(`${c}_qc`)}`).join(',\n    ')},
    CASE WHEN clock_synced IS NULL THEN ${QC.notEvaluated} WHEN clock_synced THEN ${QC.pass} ELSE ${QC.suspect} END::UTINYINT AS timestamp_qc
  FROM windowed
)
SELECT ${literal(input.station)} AS station, timestamp, ${cols},
  ${hasCorrection ? `${pm25CorrectedSql('"pm25"', '"humidity"')}::FLOAT` : 'NULL::FLOAT'} AS pm25_corrected,
  ${flags.map(ident).join(', ')}, timestamp_qc,
  ${rowQcSql([...flags, 'timestamp_qc'])} AS qc
FROM flagged
ORDER BY timestamp`;
}
