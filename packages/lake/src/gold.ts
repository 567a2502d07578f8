import { aqiCategorySql, aqiSql, nowcastSql, type SqlDialect } from './aqi.js';
import { QC } from './qc.js';
import { epochSql, identIn } from './sql.js';

/**
 * The gold models, as data: each table is a name, its period column and a function from the silver
 * relation (and the health relation) to a SELECT. The DuckDB jobs run them; docs/lake.md lists them;
 * `snowflakeGoldSql` turns them into Snowflake dynamic tables. The SQL sticks to what DuckDB and
 * Snowflake both accept (count_if, median, CASE, date_trunc, `::` casts to DOUBLE/BIGINT/FLOAT);
 * `dialect` (default 'duckdb') spells the rest: epoch seconds, quoted names (upper case in Snowflake),
 * window clauses and interval literals.
 */

/** A value counts towards the means, minima and maxima unless its own flag says it failed (or is missing). */
const usable = (col: string, dialect: SqlDialect) =>
  `${identIn(dialect)(`${col}_qc`)} IN (${QC.pass}, ${QC.notEvaluated}, ${QC.suspect})`;

/** `pm25_corrected` is usable when both of its inputs are. */
function usableExpr(col: string, dialect: SqlDialect): string {
  return col === 'pm25_corrected'
    ? `${usable('pm25', dialect)} AND ${usable('humidity', dialect)}`
    : usable(col, dialect);
}

export const AGGREGATES = [
  { suffix: 'mean', fn: 'avg' },
  { suffix: 'min', fn: 'min' },
  { suffix: 'max', fn: 'max' },
] as const;

/** Columns the period tables aggregate: every measurement, plus `pm25_corrected` where PM2.5 is measured. */
export function aggregatedColumns(measurements: readonly string[]): string[] {
  return measurements.includes('pm25') && measurements.includes('humidity')
    ? [...measurements, 'pm25_corrected']
    : [...measurements];
}

/**
 * `hourly` / `daily`: per station and period, readings, failed readings, and mean/min/max of every
 * usable value; and per measurement the values that failed (`<col>_failed`), so a chart of hourly
 * means can show where failed values were left out, not only how many.
 */
export function periodSql(
  period: 'hour' | 'day',
  silver: string,
  measurements: readonly string[],
  dialect: SqlDialect = 'duckdb',
): string {
  const q = identIn(dialect);
  const aggs = aggregatedColumns(measurements).flatMap((col) =>
    AGGREGATES.map(
      (a) =>
        `${a.fn}(CASE WHEN ${usableExpr(col, dialect)} THEN ${q(col)} END)${a.fn === 'avg' ? '' : '::DOUBLE'} AS ${q(`${col}_${a.suffix}`)}`,
    ),
  );
  const failed = measurements.map(
    (col) => `count_if(${q(`${col}_qc`)} = ${QC.fail})::BIGINT AS ${q(`${col}_failed`)}`,
  );
  return `SELECT station, date_trunc('${period}', timestamp) AS ${period}, count(*) AS readings, count_if(qc = ${QC.fail})::BIGINT AS failed,
  min(timestamp) AS first_reading, max(timestamp) AS last_reading,
  ${[...aggs, ...failed].join(',\n  ')}
FROM ${silver}
GROUP BY station, ${period}`;
}

/** The PM columns `aqi_hourly` needs; a board without them has no AQI table. */
export const AQI_INPUTS = ['pm25', 'pm10'] as const;

/**
 * `aqi_hourly`: the NowCast of the hourly means of PM2.5 and PM10 as measured (and of the corrected
 * PM2.5), the AQI of each, the overall AQI and its category, and the category of the trailing
 * 24-hour means (at least 18 valid hours) that the network's dashboard shows.
 */
export function aqiHourlySql(hourly: string, corrected: boolean, dialect: SqlDialect = 'duckdb'): string {
  const nc = (col: string) =>
    nowcastSql({
      source: hourly,
      keys: ['station'],
      hourColumn: 'hour',
      valueColumn: col,
      alias: `${col}_nowcast`,
      dialect,
    });
  // The trailing 24 hours: a named window in DuckDB; Snowflake has no WINDOW clause and quotes intervals.
  const day24 =
    dialect === 'snowflake'
      ? "(PARTITION BY station ORDER BY hour RANGE BETWEEN INTERVAL '23 HOURS' PRECEDING AND CURRENT ROW)"
      : 'day24';
  const day24Clause =
    dialect === 'snowflake'
      ? ''
      : '\n  WINDOW day24 AS (PARTITION BY station ORDER BY hour RANGE BETWEEN INTERVAL 23 HOURS PRECEDING AND CURRENT ROW)';
  const trailing = (col: string) =>
    `CASE WHEN count(${col}) OVER ${day24} >= 18 THEN avg(${col}) OVER ${day24} END`;
  const worst = (a: string, b: string) =>
    `CASE WHEN ${a} IS NULL THEN ${b} WHEN ${b} IS NULL THEN ${a} WHEN ${a} >= ${b} THEN ${a} ELSE ${b} END`;
  return `WITH h AS (SELECT station, hour, pm25_mean, pm10_mean${corrected ? ', pm25_corrected_mean' : ''} FROM ${hourly}),
n25 AS (${nc('pm25_mean')}),
n10 AS (${nc('pm10_mean')}),
${corrected ? `nc AS (${nc('pm25_corrected_mean')}),` : ''}
joined AS (
  SELECT h.station, h.hour, h.pm25_mean, h.pm10_mean,
    n25.pm25_mean_nowcast AS pm25_nowcast, n10.pm10_mean_nowcast AS pm10_nowcast,
    ${corrected ? 'h.pm25_corrected_mean, nc.pm25_corrected_mean_nowcast AS pm25_corrected_nowcast' : 'NULL::DOUBLE AS pm25_corrected_mean, NULL::DOUBLE AS pm25_corrected_nowcast'}
  FROM h
  LEFT JOIN n25 ON n25.station = h.station AND n25.hour = h.hour
  LEFT JOIN n10 ON n10.station = h.station AND n10.hour = h.hour
  ${corrected ? 'LEFT JOIN nc ON nc.station = h.station AND nc.hour = h.hour' : ''}
),
scored AS (
  SELECT *,
    ${aqiSql('pm25', 'pm25_nowcast')} AS aqi_pm25,
    ${aqiSql('pm10', 'pm10_nowcast')} AS aqi_pm10,
    ${aqiSql('pm25', 'pm25_corrected_nowcast')} AS aqi_pm25_corrected,
    ${trailing('pm25_mean')} AS pm25_24h_mean,
    ${trailing('pm10_mean')} AS pm10_24h_mean
  FROM joined${day24Clause}
),
overall AS (
  SELECT *, ${worst('aqi_pm25', 'aqi_pm10')} AS aqi,
    ${worst(aqiSql('pm25', 'pm25_24h_mean'), aqiSql('pm10', 'pm10_24h_mean'))} AS aqi_24h
  FROM scored
)
SELECT station, hour, pm25_mean, pm10_mean, pm25_nowcast, pm10_nowcast, aqi_pm25, aqi_pm10, aqi,
  ${aqiCategorySql('aqi')} AS category,
  pm25_corrected_mean, pm25_corrected_nowcast, aqi_pm25_corrected, ${aqiCategorySql('aqi_pm25_corrected')} AS category_pm25_corrected,
  pm25_24h_mean, pm10_24h_mean, ${aqiCategorySql('aqi_24h')} AS category_24h
FROM overall`;
}

/**
 * `station_health_daily`: expected readings (a full day at the station's usual interval) vs received,
 * uptime, the longest gap, failed and missing values per measurement, and from the health stream the
 * clock state, CPU temperature and free disk. `health` has `timestamp`, `clock_synced`,
 * `ntp_offset_ms`, `cpu_temp_c` and `disk_free_gb`: in DuckDB one station's records; in Snowflake
 * every station's, with a `station` column, matched by station and day. With `health` null (no health
 * stream) the health columns are still there, as a station without health records has them:
 * `health_records` and `clock_unsynced_records` 0, the others NULL.
 */
export function stationHealthDailySql(
  silver: string,
  health: string | null,
  measurements: readonly string[],
  dialect: SqlDialect = 'duckdb',
): string {
  const q = identIn(dialect);
  const epoch = (e: string) => epochSql(e, dialect);
  const perColumn = measurements.flatMap((c) => [
    `count_if(${q(`${c}_qc`)} = ${QC.fail})::BIGINT AS ${q(`${c}_failed`)}`,
    `count_if(${q(`${c}_qc`)} = ${QC.missing})::BIGINT AS ${q(`${c}_missing`)}`,
  ]);
  // One relation holds every station's health in Snowflake: grouped and matched by station too.
  const byStation = dialect === 'snowflake';
  const healthCte =
    health === null
      ? ''
      : `,
h AS (
  SELECT ${byStation ? 'station, ' : ''}date_trunc('day', timestamp) AS day, count(*) AS health_records,
    count_if(NOT clock_synced)::BIGINT AS clock_unsynced_records, max(abs(ntp_offset_ms)) AS ntp_offset_ms_max,
    max(cpu_temp_c) AS cpu_temp_c_max, min(disk_free_gb) AS disk_free_gb_min
  FROM ${health} GROUP BY ALL
)`;
  const healthColumns =
    health === null
      ? `0::BIGINT AS health_records, 0::BIGINT AS clock_unsynced_records,
  NULL::FLOAT AS ntp_offset_ms_max, NULL::FLOAT AS cpu_temp_c_max, NULL::FLOAT AS disk_free_gb_min
FROM d`
      : `coalesce(h.health_records, 0) AS health_records, coalesce(h.clock_unsynced_records, 0) AS clock_unsynced_records,
  h.ntp_offset_ms_max, h.cpu_temp_c_max, h.disk_free_gb_min
FROM d LEFT JOIN h ON h.day = d.day${byStation ? ' AND h.station = d.station' : ''}`;
  return `WITH r AS (
  SELECT *, date_trunc('day', timestamp) AS day,
    ${epoch('timestamp')} - ${epoch("lag(timestamp) OVER (PARTITION BY station, date_trunc('day', timestamp) ORDER BY timestamp)")} AS gap
  FROM ${silver}
),
d AS (
  SELECT station, day, count(*) AS received, median(gap) AS interval_s,
    greatest(coalesce(max(gap), 0), ${epoch('min(timestamp)')} - ${epoch('day')}, ${epoch('day')} + 86400 - ${epoch('max(timestamp)')}) AS longest_gap_s,
    count_if(qc = ${QC.fail})::BIGINT AS failed,
    count_if(timestamp_qc = ${QC.suspect})::BIGINT AS unsynced_readings,
    ${perColumn.join(',\n    ')}
  FROM r GROUP BY station, day
)${healthCte}
SELECT d.station, d.day,
  CASE WHEN d.interval_s > 0 THEN round(86400 / d.interval_s)::BIGINT END AS expected,
  d.received,
  CASE WHEN d.interval_s > 0 THEN least(100.0, 100.0 * d.received / round(86400 / d.interval_s)) END AS uptime_pct,
  d.interval_s, d.longest_gap_s, d.failed, d.unsynced_readings,
  ${measurements.flatMap((c) => [`d.${q(`${c}_failed`)}`, `d.${q(`${c}_missing`)}`]).join(', ')},
  ${healthColumns}`;
}

/**
 * The `stations` columns that come from the station's configuration through its health stream
 * (OPENSENSOR_STATION_NAME, _LATITUDE, _LONGITUDE; health schema v2): the newest health record's
 * values, NULL when it has none.
 */
export const STATION_PLACE_COLUMNS = [
  { name: 'name', health: 'station_name', type: 'VARCHAR' },
  { name: 'latitude', health: 'latitude', type: 'DOUBLE' },
  { name: 'longitude', health: 'longitude', type: 'DOUBLE' },
] as const;

/** The board a station runs, from the columns its readings have. */
export function boardOf(measurements: readonly string[]): string {
  if (measurements.includes('pm25') || measurements.includes('oxidised')) return 'enviroplus';
  if (measurements.includes('co2') || measurements.includes('tvoc')) return 'breakout';
  if (measurements.includes('accel_x') || measurements.includes('compass_heading')) return 'sensehat';
  return 'unknown';
}
