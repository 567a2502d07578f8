import type { SqlDialect } from './aqi.js';
import { epochSql, flagType, identIn } from './sql.js';

/**
 * Quality control of silver readings: QARTOD-style flags per value, from one table of thresholds.
 * The table is data: the silver SQL, the docs (docs/lake.md) and the tests all read it.
 */

/** QARTOD / IOOS flag values. */
export const QC = {
  pass: 1,
  notEvaluated: 2,
  suspect: 3,
  fail: 4,
  missing: 9,
} as const;
export type QcFlag = (typeof QC)[keyof typeof QC];

export interface QcRule {
  unit: string;
  /** Gross range: the sensor's physical range; outside is a failure (4). */
  gross?: readonly [number, number];
  /** Climatological range: outside is suspect (3). */
  suspect?: readonly [number, number];
  /**
   * Spike: |v − (prev + next)/2| − |next − prev|/2 against both neighbours (within five minutes);
   * above `suspect` is suspect, above `fail` fails.
   */
  spike?: { suspect: number; fail?: number };
  /**
   * Flat line: exactly the same value over `suspect` / `fail` consecutive readings (a stuck sensor
   * repeats its last value; a working one has noise in its last digits). Values whose magnitude is at
   * most `ignoreBelow` are not tested (clean air reads 0-2 µg/m³ for hours).
   */
  flat?: { suspect: number; fail: number; ignoreBelow?: number };
}

const temperature: QcRule = {
  unit: '°C',
  gross: [-40, 85],
  suspect: [-30, 50],
  spike: { suspect: 2, fail: 5 },
  flat: { suspect: 120, fail: 720 },
};
const humidity: QcRule = {
  unit: '%RH',
  gross: [0, 100],
  spike: { suspect: 10, fail: 25 },
  flat: { suspect: 120, fail: 720 },
};
const pressure: QcRule = {
  unit: 'hPa',
  gross: [300, 1100],
  suspect: [500, 1085],
  spike: { suspect: 1, fail: 3 },
  flat: { suspect: 360, fail: 1440 },
};
const gas: QcRule = {
  unit: 'kΩ',
  gross: [0, 10_000],
  flat: { suspect: 360, fail: 1440 },
};
const pm: QcRule = {
  unit: 'µg/m³',
  gross: [0, 1000],
  suspect: [0, 500],
  spike: { suspect: 150 },
  flat: { suspect: 360, fail: 1440, ignoreBelow: 5 },
};
const particles: QcRule = { unit: 'per 0.1 L', gross: [0, 65_535] };
const degrees = (lo: number, hi: number): QcRule => ({ unit: '°', gross: [lo, hi] });

/**
 * Thresholds per measurement column, by name (the same name means the same quantity on every board).
 * Gross ranges are the sensors' physical ranges and the network's "damaged sensor" rules; a column
 * without a rule is only checked for missing values (flag 2 when present: not evaluated).
 */
export const QC_RULES: Readonly<Record<string, QcRule>> = {
  temperature,
  raw_temperature: temperature,
  pressure_temperature: temperature,
  humidity,
  raw_humidity: humidity,
  pressure,
  oxidised: gas,
  reducing: gas,
  nh3: gas,
  lux: { unit: 'lux', gross: [0, 64_000] },
  proximity: { unit: 'counts', gross: [0, 2047] },
  pm1: pm,
  pm25: pm,
  pm10: pm,
  particles_03um: particles,
  particles_05um: particles,
  particles_10um: particles,
  particles_25um: particles,
  particles_50um: particles,
  particles_100um: particles,
  co2: {
    unit: 'ppm',
    gross: [0, 40_000],
    suspect: [350, 10_000],
    flat: { suspect: 360, fail: 1440 },
  },
  eco2: { unit: 'ppm', gross: [400, 60_000] },
  tvoc: { unit: 'ppb', gross: [0, 60_000] },
  accel_x: { unit: 'g', gross: [-8, 8] },
  accel_y: { unit: 'g', gross: [-8, 8] },
  accel_z: { unit: 'g', gross: [-8, 8] },
  gyro_x: { unit: 'rad/s', gross: [-8.73, 8.73] },
  gyro_y: { unit: 'rad/s', gross: [-8.73, 8.73] },
  gyro_z: { unit: 'rad/s', gross: [-8.73, 8.73] },
  mag_x: { unit: 'µT', gross: [-400, 400] },
  mag_y: { unit: 'µT', gross: [-400, 400] },
  mag_z: { unit: 'µT', gross: [-400, 400] },
  pitch: degrees(-90, 90),
  roll: degrees(-180, 180),
  yaw: degrees(-180, 180),
  compass_heading: degrees(0, 360),
};

/** The PMS5003 columns checked for the dead-sensor signature pm1 = pm25 = pm10 > 0 (all three fail). */
export const PMS_DEAD_SIGNATURE = ['pm1', 'pm25', 'pm10'] as const;

/** Neighbours further apart than this are not used by the spike test. */
export const SPIKE_MAX_GAP_SECONDS = 300;

const num = (n: number) => String(n);

/** Names of the helper columns the flag expressions read (computed by `qcWindowColumns`). */
function helperNames(col: string) {
  return { prev: `${col}__prev`, next: `${col}__next`, start: `${col}__start`, run: `${col}__run` };
}

/** The row number over `w`, which the flat-line test counts runs with. */
export const ROW_NUMBER_COLUMN = '__rn';

/**
 * The window the flags are computed over: one station-day in timestamp order. DuckDB builds silver a
 * station-day at a time, over the named window `w` (`clause` declares it after the FROM). Snowflake
 * holds every station and day in one relation and has no WINDOW clause: each OVER spells out the
 * partition by station and UTC day, so runs and neighbours stop at midnight there too.
 */
export function qcWindow(dialect: SqlDialect = 'duckdb'): {
  /** After OVER: the window. */
  over: string;
  /** After OVER: the window, from its first row to the current one. */
  cumulative: string;
  /** After the FROM of the SELECT that uses `over`: declares it, or nothing. */
  clause: string;
} {
  if (dialect === 'snowflake') {
    const spec = "PARTITION BY station, date_trunc('day', timestamp) ORDER BY timestamp";
    return {
      over: `(${spec})`,
      cumulative: `(${spec} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`,
      clause: '',
    };
  }
  return {
    over: 'w',
    cumulative: '(w ROWS UNBOUNDED PRECEDING)',
    clause: ' WINDOW w AS (ORDER BY timestamp)',
  };
}

/**
 * Window expressions the flags of `col` need, in two passes over a relation with the window of
 * `qcWindow` (in DuckDB `WINDOW w AS (ORDER BY timestamp)`); both use that one ordering, so DuckDB
 * sorts once. `first`: the spike test's neighbours (within five minutes), and where a run of equal
 * values starts; `second`: how long the run of equal values is at each row. Named `<col>__…`; dropped
 * from the output.
 */
export function qcWindowColumns(
  col: string,
  dialect: SqlDialect = 'duckdb',
): { first: WindowColumn[]; second: WindowColumn[] } {
  const rule = QC_RULES[col];
  const first: WindowColumn[] = [];
  const second: WindowColumn[] = [];
  if (!rule) return { first, second };
  const q = identIn(dialect);
  const epoch = (e: string) => epochSql(e, dialect);
  const { over, cumulative } = qcWindow(dialect);
  const c = q(col);
  const h = helperNames(col);
  if (rule.spike) {
    first.push(
      {
        name: h.prev,
        sql: `CASE WHEN ${epoch('timestamp')} - ${epoch(`lag(timestamp) OVER ${over}`)} <= ${SPIKE_MAX_GAP_SECONDS} THEN lag(${c}) OVER ${over} END`,
      },
      {
        name: h.next,
        sql: `CASE WHEN ${epoch(`lead(timestamp) OVER ${over}`)} - ${epoch('timestamp')} <= ${SPIKE_MAX_GAP_SECONDS} THEN lead(${c}) OVER ${over} END`,
      },
    );
  }
  if (rule.flat) {
    first.push({
      name: h.start,
      sql: `CASE WHEN ${c} IS DISTINCT FROM lag(${c}) OVER ${over} THEN row_number() OVER ${over} END`,
    });
    second.push({
      name: h.run,
      sql: `${q(ROW_NUMBER_COLUMN)} - max(${q(h.start)}) OVER ${cumulative} + 1`,
    });
  }
  return { first, second };
}

export interface WindowColumn {
  name: string;
  sql: string;
}

/**
 * The flag of one value (UTINYINT; NUMBER(3) in Snowflake): 9 missing, 4 fail (NaN, infinite, gross
 * range, spike, flat line, dead PMS5003), 3 suspect (climatological range, spike, flat line), 1 pass,
 * 2 when the column has no rule. `columns` is every measurement column present (the PMS5003 signature
 * needs all three PM columns). Reads the helper columns of `qcWindowColumns` (same dialect).
 */
export function qcFlagSql(col: string, columns: readonly string[], dialect: SqlDialect = 'duckdb'): string {
  const q = identIn(dialect);
  const c = q(col);
  const rule = QC_RULES[col];
  // Snowflake has no isnan/isinf; its FLOAT NaN equals itself ('NaN'::FLOAT = 'NaN'::FLOAT is true).
  const fail: string[] =
    dialect === 'snowflake'
      ? [`${c} = 'NaN'::FLOAT`, `${c} IN ('inf'::FLOAT, '-inf'::FLOAT)`]
      : [`isnan(${c})`, `isinf(${c})`];
  const suspect: string[] = [];
  if (rule?.gross) fail.push(`${c} < ${num(rule.gross[0])} OR ${c} > ${num(rule.gross[1])}`);
  if (rule?.suspect) suspect.push(`${c} < ${num(rule.suspect[0])} OR ${c} > ${num(rule.suspect[1])}`);
  const h = helperNames(col);
  if (rule?.spike) {
    const [prev, next] = [q(h.prev), q(h.next)];
    const spike = `abs(${c} - (${prev} + ${next}) / 2) - abs(${next} - ${prev}) / 2`;
    if (rule.spike.fail !== undefined) fail.push(`${spike} > ${num(rule.spike.fail)}`);
    suspect.push(`${spike} > ${num(rule.spike.suspect)}`);
  }
  if (rule?.flat) {
    const { suspect: ns, fail: nf, ignoreBelow } = rule.flat;
    const tested = ignoreBelow === undefined ? '' : ` AND abs(${c}) > ${num(ignoreBelow)}`;
    fail.push(`${q(h.run)} >= ${nf}${tested}`);
    suspect.push(`${q(h.run)} >= ${ns}${tested}`);
  }
  if (
    (PMS_DEAD_SIGNATURE as readonly string[]).includes(col) &&
    PMS_DEAD_SIGNATURE.every((p) => columns.includes(p))
  ) {
    const [pm1, pm25, pm10] = PMS_DEAD_SIGNATURE.map(q);
    fail.push(`${pm1} = ${pm25} AND ${pm25} = ${pm10} AND ${pm1} > 0`);
  }
  const evaluated = rule ? QC.pass : QC.notEvaluated;
  return [
    `CASE WHEN ${c} IS NULL THEN ${QC.missing}`,
    ...fail.map((f) => `  WHEN ${f} THEN ${QC.fail}`),
    ...suspect.map((s) => `  WHEN ${s} THEN ${QC.suspect}`),
    `  ELSE ${evaluated} END::${flagType(dialect)}`,
  ].join('\n');
}

/** The row's flag: the worst of its flags (4 before 3 before 1 before 2 before 9). */
export function rowQcSql(flagColumns: readonly string[], dialect: SqlDialect = 'duckdb'): string {
  const q = identIn(dialect);
  const any = (v: number) => flagColumns.map((f) => `${q(f)} = ${v}`).join(' OR ');
  return `CASE WHEN ${any(QC.fail)} THEN ${QC.fail} WHEN ${any(QC.suspect)} THEN ${QC.suspect} WHEN ${any(QC.pass)} THEN ${QC.pass} WHEN ${any(QC.notEvaluated)} THEN ${QC.notEvaluated} ELSE ${QC.missing} END::${flagType(dialect)}`;
}

/** The thresholds as a Markdown table (docs/lake.md holds it; a test keeps the two equal). */
export function qcRulesMarkdown(): string {
  const range = (r?: readonly [number, number]) => (r ? `${r[0]} … ${r[1]}` : '—');
  const rows = Object.entries(QC_RULES).map(([col, r]) => {
    const spike = r.spike
      ? `> ${r.spike.suspect}${r.spike.fail !== undefined ? ` / > ${r.spike.fail}` : ''}`
      : '—';
    const flat = r.flat
      ? `${r.flat.suspect} / ${r.flat.fail}${r.flat.ignoreBelow !== undefined ? ` (not below ${r.flat.ignoreBelow})` : ''}`
      : '—';
    return `| \`${col}\` | ${r.unit} | ${range(r.gross)} | ${range(r.suspect)} | ${spike} | ${flat} |`;
  });
  return [
    '| column | unit | gross range (outside: 4) | suspect range (outside: 3) | spike, suspect / fail | flat line, readings suspect / fail |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
