/**
 * US Air Quality Index for particulate matter, the PM NowCast, and the US EPA PM2.5 correction for
 * PMS5003-class sensors — each model written down once as data, and read both by the TypeScript functions
 * (dashboard, tests) and by the SQL builders (lake jobs in DuckDB, the same SQL in Snowflake).
 *
 * Sources:
 * - US EPA, Technical Assistance Document for the Reporting of Daily Air Quality – the Air Quality Index
 *   (AQI), EPA-454/B-24-002, May 2024 (breakpoints in force since 6 May 2024, category names and colours).
 * - AirNow-Tech, "The AQI Equation (2024 – valid beginning May 6th, 2024)" (truncate the concentration, then
 *   interpolate, then round) and "The NowCast for PM2.5 and PM10" (2 of the last 3 hours valid; the NowCast
 *   uses raw hourly means, the result is truncated before the AQI equation); EPA fact sheet "PM NowCast".
 * - Barkjohn, Gantt & Clements (2021), Development and application of a United States-wide correction for
 *   PM2.5 data collected with the PurpleAir sensor, Atmos. Meas. Tech. 14:4617–4637; extended for smoke by
 *   the AirNow Fire and Smoke Map (October 2021).
 */

/** Pollutants with an AQI here: PM2.5 and PM10, 24-hour means (or a NowCast), in µg/m³. */
export type AqiPollutant = 'pm25' | 'pm10';

/** The six US AQI categories, by EPA name. */
export type AqiCategoryName =
  | 'Good'
  | 'Moderate'
  | 'Unhealthy for Sensitive Groups'
  | 'Unhealthy'
  | 'Very Unhealthy'
  | 'Hazardous';

/** One AQI category: its index range and the EPA colour (TAD 2024, Table 2, as hex). */
export interface AqiCategory {
  readonly name: AqiCategoryName;
  readonly aqiLo: number;
  readonly aqiHi: number;
  readonly color: string;
}

/**
 * The six categories in order (EPA TAD 2024, Tables 1–2). An AQI above 500 is "Beyond the AQI"; EPA/AirNow
 * give it the Hazardous advice, so {@link aqiCategory} names it Hazardous (see {@link isBeyondIndex}).
 */
export const AQI_CATEGORIES: readonly AqiCategory[] = [
  { name: 'Good', aqiLo: 0, aqiHi: 50, color: '#00E400' },
  { name: 'Moderate', aqiLo: 51, aqiHi: 100, color: '#FFFF00' },
  { name: 'Unhealthy for Sensitive Groups', aqiLo: 101, aqiHi: 150, color: '#FF7E00' },
  { name: 'Unhealthy', aqiLo: 151, aqiHi: 200, color: '#FF0000' },
  { name: 'Very Unhealthy', aqiLo: 201, aqiHi: 300, color: '#8F3F97' },
  { name: 'Hazardous', aqiLo: 301, aqiHi: 500, color: '#7E0023' },
];

/** Top of the index. AirNow: "AQI values above 500 are considered Beyond the AQI." */
export const AQI_INDEX_MAX = 500;

/** One row of the breakpoint table: concentrations [cLo, cHi] (µg/m³, truncated) map linearly to [iLo, iHi]. */
export interface AqiBreakpoint {
  readonly cLo: number;
  readonly cHi: number;
  readonly iLo: number;
  readonly iHi: number;
  readonly category: AqiCategoryName;
}

/**
 * US EPA AQI breakpoints in force since 6 May 2024 (TAD 2024, Table 6): PM2.5 24-hour in µg/m³ truncated
 * to 0.1, PM10 24-hour in µg/m³ truncated to an integer.
 */
export const AQI_BREAKPOINTS: Readonly<Record<AqiPollutant, readonly AqiBreakpoint[]>> = {
  pm25: [
    { cLo: 0.0, cHi: 9.0, iLo: 0, iHi: 50, category: 'Good' },
    { cLo: 9.1, cHi: 35.4, iLo: 51, iHi: 100, category: 'Moderate' },
    { cLo: 35.5, cHi: 55.4, iLo: 101, iHi: 150, category: 'Unhealthy for Sensitive Groups' },
    { cLo: 55.5, cHi: 125.4, iLo: 151, iHi: 200, category: 'Unhealthy' },
    { cLo: 125.5, cHi: 225.4, iLo: 201, iHi: 300, category: 'Very Unhealthy' },
    { cLo: 225.5, cHi: 325.4, iLo: 301, iHi: 500, category: 'Hazardous' },
  ],
  pm10: [
    { cLo: 0, cHi: 54, iLo: 0, iHi: 50, category: 'Good' },
    { cLo: 55, cHi: 154, iLo: 51, iHi: 100, category: 'Moderate' },
    { cLo: 155, cHi: 254, iLo: 101, iHi: 150, category: 'Unhealthy for Sensitive Groups' },
    { cLo: 255, cHi: 354, iLo: 151, iHi: 200, category: 'Unhealthy' },
    { cLo: 355, cHi: 424, iLo: 201, iHi: 300, category: 'Very Unhealthy' },
    { cLo: 425, cHi: 604, iLo: 301, iHi: 500, category: 'Hazardous' },
  ],
};

/** Decimals kept when truncating a concentration before the AQI equation (EPA: PM2.5 0.1, PM10 1 µg/m³). */
export const AQI_TRUNCATION_DECIMALS: Readonly<Record<AqiPollutant, number>> = { pm25: 1, pm10: 0 };

/**
 * Truncation tolerance, in truncation steps (0.1 µg/m³ for PM2.5). A binary double can sit a few ulps below
 * the decimal it stands for (0.1 + 0.7 is 0.7999999999999999); a plain floor would then drop a whole step,
 * which at a breakpoint changes the category. Values within 1e-9 of a step (1e-10 µg/m³ for PM2.5) below
 * it count as that step; no instrument resolves anything near that.
 */
const TRUNCATION_EPSILON = 1e-9;

/** Breakpoint rows in whole truncation steps (PM2.5: tenths), so the AQI equation is exact integer ratios. */
interface ScaledRow {
  readonly kLo: number;
  readonly kHi: number;
  readonly iLo: number;
  readonly iHi: number;
}

function stepsPerUnit(pollutant: AqiPollutant): number {
  return 10 ** AQI_TRUNCATION_DECIMALS[pollutant];
}

function scaledRows(pollutant: AqiPollutant): ScaledRow[] {
  const steps = stepsPerUnit(pollutant);
  return AQI_BREAKPOINTS[pollutant].map((r) => ({
    kLo: Math.round(r.cLo * steps),
    kHi: Math.round(r.cHi * steps),
    iLo: r.iLo,
    iHi: r.iHi,
  }));
}

const SCALED: Readonly<Record<AqiPollutant, readonly ScaledRow[]>> = {
  pm25: scaledRows('pm25'),
  pm10: scaledRows('pm10'),
};

/** Truncated concentration in whole steps; negative concentrations count as 0 (see {@link aqi}). */
function truncatedSteps(pollutant: AqiPollutant, concentration: number): number {
  return Math.floor(Math.max(concentration, 0) * stepsPerUnit(pollutant) + TRUNCATION_EPSILON);
}

/**
 * The concentration the AQI equation uses: truncated (not rounded) to 0.1 µg/m³ for PM2.5 and to 1 µg/m³
 * for PM10, negatives as 0, float noise forgiven (see TRUNCATION_EPSILON). Null for null or non-finite input.
 */
export function truncateConcentration(pollutant: AqiPollutant, concentration: number | null): number | null {
  if (concentration === null || !Number.isFinite(concentration)) return null;
  return truncatedSteps(pollutant, concentration) / stepsPerUnit(pollutant);
}

/**
 * US AQI of a PM2.5 or PM10 concentration (µg/m³; a 24-hour mean, or a NowCast for an hourly AQI), by the
 * EPA equation I = (I_hi − I_lo)/(C_hi − C_lo)·(C − C_lo) + I_lo: the concentration is truncated first (PM2.5
 * to 0.1, PM10 to 1 µg/m³), the result rounded to the nearest integer (halves up). Breakpoints are those in
 * force since 6 May 2024 ({@link AQI_BREAKPOINTS}); the equation is evaluated on whole truncation steps so
 * that TypeScript and {@link aqiSql} give the same integer on any IEEE-754 engine.
 *
 * Decisions:
 * - Above the top breakpoint (PM2.5 > 325.4, PM10 > 604) the Hazardous line is extended: the result may
 *   exceed 500. AirNow reports such values as "Beyond the AQI" with the Hazardous advice, and earlier
 *   editions of EPA's Technical Assistance Document allow the last two breakpoints for concentrations above
 *   the highest one. Show values above {@link AQI_INDEX_MAX} as "500+ (beyond the index)", see
 *   {@link isBeyondIndex}. (Just above 325.4 the line still rounds to 500.)
 * - A negative concentration (zero drift of a sensor within its noise; EPA's AQS itself accepts small
 *   negatives) counts as 0, AQI 0. It is not an error and not null; screen gross negatives in QC.
 * - null, NaN and ±Infinity give null.
 */
export function aqi(pollutant: AqiPollutant, concentration: number | null): number | null {
  if (concentration === null || !Number.isFinite(concentration)) return null;
  const k = truncatedSteps(pollutant, concentration);
  const rows = SCALED[pollutant];
  const row = rows.find((r) => k <= r.kHi) ?? (rows[rows.length - 1] as ScaledRow);
  return Math.round(row.iLo + ((row.iHi - row.iLo) * (k - row.kLo)) / (row.kHi - row.kLo));
}

/**
 * The category name of an AQI value (an integer from {@link aqi}): Good ≤ 50 < Moderate ≤ 100 < … ≤ 500;
 * above 500 (beyond the index) still 'Hazardous'. Null for null, NaN or a negative value.
 */
export function aqiCategory(aqiValue: number | null): AqiCategoryName | null {
  if (aqiValue === null || Number.isNaN(aqiValue) || aqiValue < 0) return null;
  return (AQI_CATEGORIES.find((c) => aqiValue <= c.aqiHi) ?? (AQI_CATEGORIES[5] as AqiCategory)).name;
}

/** True when an AQI is above 500, "Beyond the AQI" (AirNow): display it as 500+, advise as Hazardous. */
export function isBeyondIndex(aqiValue: number | null): boolean {
  return aqiValue !== null && aqiValue > AQI_INDEX_MAX;
}

/** PM NowCast constants (EPA, 2013 method for PM2.5, 2014 for PM10). */
export const NOWCAST = {
  /** Hours in the window, c1 (the current hour) … c12. */
  hours: 12,
  /** Of the most recent `recentHours`, at least `minRecentValid` must be valid. */
  recentHours: 3,
  minRecentValid: 2,
  /** Lower limit of the weight factor (approximates a 3-hour average). */
  minWeight: 0.5,
} as const;

/**
 * EPA PM NowCast (PM2.5 or PM10, µg/m³) from hourly means, most recent first: c1 is the current hour, c12
 * eleven hours earlier; null (or NaN) marks a missing or invalid hour. Entries past the 12th are ignored.
 *
 * Valid only when at least 2 of c1…c3 are valid (AirNow's only completeness rule), else null. Weight factor
 * w* = min/max over the valid hours of the 12, w = max(w*, 0.5); when the maximum is ≤ 0 (a flat-zero
 * window) w = 1. NowCast = Σ w^(i−1)·c_i / Σ w^(i−1) over the valid hours, a missing hour dropped from both
 * sums but keeping its place in the exponents. The result is the raw NowCast concentration, not truncated:
 * {@link aqi} truncates it (see {@link nowcastAqi}).
 *
 * Sources: EPA fact sheet "PM NowCast"; AirNow-Tech, "The NowCast for PM2.5 and PM10".
 */
export function nowcast(hourlyMostRecentFirst: readonly (number | null)[]): number | null {
  const window = hourlyMostRecentFirst.slice(0, NOWCAST.hours);
  const isValid = (c: number | null | undefined): c is number => typeof c === 'number' && !Number.isNaN(c);
  const recentValid = window.slice(0, NOWCAST.recentHours).filter(isValid).length;
  if (recentValid < NOWCAST.minRecentValid) return null;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const c of window) {
    if (!isValid(c)) continue;
    if (c < min) min = c;
    if (c > max) max = c;
  }
  const w = max > 0 ? Math.max(min / max, NOWCAST.minWeight) : 1;
  let num = 0;
  let den = 0;
  window.forEach((c, hoursAgo) => {
    if (!isValid(c)) return;
    const weight = w ** hoursAgo;
    num += weight * c;
    den += weight;
  });
  return num / den;
}

/** Hourly AQI from the NowCast: `aqi(pollutant, nowcast(hourly))` (the NowCast truncated, then the equation). */
export function nowcastAqi(
  pollutant: AqiPollutant,
  hourlyMostRecentFirst: readonly (number | null)[],
): number | null {
  return aqi(pollutant, nowcast(hourlyMostRecentFirst));
}

/**
 * Coefficients of the US EPA PM2.5 correction for PurpleAir/PMS5003 (Barkjohn et al. 2021) and of its
 * extension for smoke used on the AirNow Fire and Smoke Map since October 2021. x = PM2.5 at CF=1 (µg/m³),
 * RH in %.
 */
export const PM25_CORRECTION = {
  /** US-wide fit: slope·x + rhSlope·RH + intercept (x < 30 and, with `highSlope`, 50 ≤ x < 210). */
  lowSlope: 0.524,
  highSlope: 0.786,
  rhSlope: -0.0862,
  intercept: 5.75,
  /** High-concentration (smoke) fit, x ≥ 260: smokeIntercept + smokeSlope·x + smokeQuadratic·x². */
  smokeIntercept: 2.966,
  smokeSlope: 0.69,
  smokeQuadratic: 8.84e-4,
  /** Boundaries: blend low→high over [30, 50), high→smoke over [210, 260). */
  blendLow: [30, 50] as const,
  blendHigh: [210, 260] as const,
} as const;

/**
 * Corrected PM2.5 (µg/m³) from a PMS5003's CF=1 PM2.5 and relative humidity (%), by the US EPA correction
 * (Barkjohn et al. 2021, AMT 14:4617) in the extended piecewise form of the AirNow Fire and Smoke Map (2021):
 *
 * - x < 30: 0.524x − 0.0862RH + 5.75
 * - 30 ≤ x < 50: [0.786f + 0.524(1−f)]x − 0.0862RH + 5.75, f = x/20 − 1.5
 * - 50 ≤ x < 210: 0.786x − 0.0862RH + 5.75
 * - 210 ≤ x < 260: [0.69g + 0.786(1−g)]x − 0.0862RH(1−g) + 2.966g + 5.75(1−g) + 8.84·10⁻⁴x²g, g = x/50 − 4.2
 * - x ≥ 260: 2.966 + 0.69x + 8.84·10⁻⁴x²
 *
 * clamped at 0; continuous at 30, 50, 210 and 260. Null when either input is null (or not finite).
 *
 * An estimate: it was fitted on PurpleAir monitors (two PMS5003s each, PurpleAir's own humidity) against
 * US regulatory monitors. On a single Enviro+ PMS5003 with BME280 humidity it is an extrapolation — say so
 * wherever a corrected value is shown.
 */
export function pm25Corrected(pm25Cf1: number | null, rh: number | null): number | null {
  if (pm25Cf1 === null || rh === null || !Number.isFinite(pm25Cf1) || !Number.isFinite(rh)) return null;
  const k = PM25_CORRECTION;
  const x = pm25Cf1;
  let y: number;
  if (x < k.blendLow[0]) {
    y = k.lowSlope * x + k.rhSlope * rh + k.intercept;
  } else if (x < k.blendLow[1]) {
    const f = x / 20 - 1.5;
    y = (k.highSlope * f + k.lowSlope * (1 - f)) * x + k.rhSlope * rh + k.intercept;
  } else if (x < k.blendHigh[0]) {
    y = k.highSlope * x + k.rhSlope * rh + k.intercept;
  } else if (x < k.blendHigh[1]) {
    const g = x / 50 - 4.2;
    y =
      (k.smokeSlope * g + k.highSlope * (1 - g)) * x +
      k.rhSlope * rh * (1 - g) +
      k.smokeIntercept * g +
      k.intercept * (1 - g) +
      k.smokeQuadratic * x * x * g;
  } else {
    y = k.smokeIntercept + k.smokeSlope * x + k.smokeQuadratic * x * x;
  }
  return Math.max(y, 0);
}

// ---------------------------------------------------------------------------------------------------------
// SQL builders.
//
// Portable SQL: CASE, CAST(… AS DOUBLE), FLOOR, ROUND, GREATEST, POWER, COUNT/SUM/MIN/MAX, window MIN/MAX and
// standard arithmetic, the same text in DuckDB and Snowflake (DOUBLE is a synonym of FLOAT there). Caveats:
// - Expressions passed in are pasted as they are, several times: pass a column or a cheap expression, never
//   untrusted text.
// - Inputs are CAST to DOUBLE, so DECIMAL/NUMBER columns follow the same IEEE arithmetic as TypeScript.
// - GREATEST/LEAST differ on NULL (DuckDB skips NULLs, Snowflake returns NULL): the builders test NULL first
//   and never hand either one a NULL.
// - NaN is not screened in SQL (DuckDB orders NaN above every number); keep NaN out of the lake.
// ---------------------------------------------------------------------------------------------------------

const SQL_EPSILON = '1e-9'; // the literal of TRUNCATION_EPSILON: DOUBLE in DuckDB, FLOAT in Snowflake

/**
 * SQL expression: the US AQI (INTEGER) of a PM2.5/PM10 concentration expression, equal to {@link aqi} for
 * every input (same truncation, same step arithmetic, same extension above 500, negatives as 0, NULL → NULL).
 * A concentration above about 10⁹ µg/m³ overflows DuckDB's 32-bit INTEGER and fails the query: such values
 * are sensor faults, for QC to remove first (the network's own dashboard drops any PM above 1000 µg/m³).
 */
export function aqiSql(pollutant: AqiPollutant, concentrationExpr: string): string {
  const c = `(${concentrationExpr})`;
  const steps = stepsPerUnit(pollutant);
  const scaled = steps === 1 ? '' : ` * ${steps}`;
  const k = `FLOOR(GREATEST(CAST(${c} AS DOUBLE), 0)${scaled} + ${SQL_EPSILON})`;
  const rows = SCALED[pollutant];
  const line = (r: ScaledRow) => `${r.iLo} + ${r.iHi - r.iLo} * (${k} - ${r.kLo}) / ${r.kHi - r.kLo}`;
  const branches = rows
    .slice(0, -1)
    .map((r) => `WHEN ${k} <= ${r.kHi} THEN ${line(r)}`)
    .join(' ');
  const top = rows[rows.length - 1] as ScaledRow;
  return `(CASE WHEN ${c} IS NULL THEN NULL ELSE CAST(ROUND(CASE ${branches} ELSE ${line(top)} END) AS INTEGER) END)`;
}

/** SQL expression: the category name of an AQI expression, as {@link aqiCategory} (NULL or negative → NULL). */
export function aqiCategorySql(aqiExpr: string): string {
  const a = `(${aqiExpr})`;
  const branches = AQI_CATEGORIES.slice(0, -1)
    .map((cat) => `WHEN ${a} <= ${cat.aqiHi} THEN '${cat.name}'`)
    .join(' ');
  const top = AQI_CATEGORIES[AQI_CATEGORIES.length - 1] as AqiCategory;
  return `(CASE WHEN ${a} IS NULL OR ${a} < 0 THEN NULL ${branches} ELSE '${top.name}' END)`;
}

/**
 * SQL expression: corrected PM2.5 (DOUBLE) from CF=1 PM2.5 and RH expressions, as {@link pm25Corrected}
 * (same pieces, same order of operations; NULL when either input is NULL). An estimate fitted on PurpleAir
 * hardware: see {@link pm25Corrected}.
 */
export function pm25CorrectedSql(pmExpr: string, rhExpr: string): string {
  const k = PM25_CORRECTION;
  const x = `CAST((${pmExpr}) AS DOUBLE)`;
  const rh = `CAST((${rhExpr}) AS DOUBLE)`;
  const f = `(${x} / 20 - 1.5)`;
  const g = `(${x} / 50 - 4.2)`;
  const low = `${k.lowSlope} * ${x} + ${k.rhSlope} * ${rh} + ${k.intercept}`;
  const blend1 = `(${k.highSlope} * ${f} + ${k.lowSlope} * (1 - ${f})) * ${x} + ${k.rhSlope} * ${rh} + ${k.intercept}`;
  const high = `${k.highSlope} * ${x} + ${k.rhSlope} * ${rh} + ${k.intercept}`;
  const blend2 =
    `(${k.smokeSlope} * ${g} + ${k.highSlope} * (1 - ${g})) * ${x} + ${k.rhSlope} * ${rh} * (1 - ${g})` +
    ` + ${k.smokeIntercept} * ${g} + ${k.intercept} * (1 - ${g}) + ${k.smokeQuadratic} * ${x} * ${x} * ${g}`;
  const smoke = `${k.smokeIntercept} + ${k.smokeSlope} * ${x} + ${k.smokeQuadratic} * ${x} * ${x}`;
  const piecewise =
    `CASE WHEN ${x} < ${k.blendLow[0]} THEN ${low} WHEN ${x} < ${k.blendLow[1]} THEN ${blend1}` +
    ` WHEN ${x} < ${k.blendHigh[0]} THEN ${high} WHEN ${x} < ${k.blendHigh[1]} THEN ${blend2} ELSE ${smoke} END`;
  return `(CASE WHEN (${pmExpr}) IS NULL OR (${rhExpr}) IS NULL THEN NULL ELSE GREATEST(${piecewise}, 0) END)`;
}

/** SQL engines {@link nowcastSql} knows how to subtract hours in. */
export type SqlDialect = 'duckdb' | 'snowflake';

/** Options of {@link nowcastSql}. */
export interface NowcastSqlOptions {
  /**
   * A table or view name, or a subquery (in parentheses, or a bare SELECT/WITH which gets them), with at
   * most one row per (keys…, hour): an hourly-mean table. It is read twice.
   */
  readonly source: string;
  /** Series keys (e.g. ['station_id']); may be empty for one series. Must not be NULL in the data. */
  readonly keys: readonly string[];
  /** Hour column: TIMESTAMP truncated to the hour (the hour a mean belongs to). */
  readonly hourColumn: string;
  /** Hourly mean column (µg/m³); NULL marks an invalid hour. */
  readonly valueColumn: string;
  /** Name of the NowCast column in the result; default 'nowcast'. */
  readonly alias?: string;
  /**
   * How "hour minus n hours" is spelt: DuckDB `ts - to_hours(n)`, Snowflake `DATEADD(hour, -n, ts)`. The only
   * dialect-specific text in the statement; default 'duckdb'.
   */
  readonly dialect?: SqlDialect;
}

const IDENTIFIER = /^(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+")$/;

function identifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name))
    throw new Error(`nowcastSql: ${what} ${JSON.stringify(name)} is not an identifier`);
  if (/^"?nc_/i.test(name))
    throw new Error(`nowcastSql: ${what} ${JSON.stringify(name)}: the nc_ prefix is reserved`);
  return name;
}

function hoursBefore(dialect: SqlDialect, tsExpr: string, hoursExpr: string): string {
  switch (dialect) {
    case 'duckdb':
      return `(${tsExpr} - to_hours(${hoursExpr}))`;
    case 'snowflake':
      return `DATEADD(hour, -(${hoursExpr}), ${tsExpr})`;
  }
}

/**
 * A SELECT giving, for every row of `source`, the PM NowCast at that hour: columns keys…, hourColumn and
 * `alias` (DOUBLE, NULL when fewer than 2 of the last 3 hours are valid). Same definition as {@link nowcast}:
 * c1 is the row's own hour, c2…c12 the 11 hours before it, found by time (an equi-join on hour − n for
 * n = 0…11), so an hour absent from `source` or with a NULL value is a missing hour that keeps its exponent.
 *
 * Portable apart from the hour subtraction chosen by `dialect`; uses a 12-row derived table (UNION ALL of
 * constant SELECTs), a LEFT JOIN, window MIN/MAX and GROUP BY. Cost: 12 joined rows per source row.
 */
export function nowcastSql(options: NowcastSqlOptions): string {
  const dialect = options.dialect ?? 'duckdb';
  const keys = options.keys.map((k) => identifier(k, 'key'));
  const hour = identifier(options.hourColumn, 'hourColumn');
  const value = identifier(options.valueColumn, 'valueColumn');
  const alias = identifier(options.alias ?? 'nowcast', 'alias');
  const source = /^\s*(select|with)\b/i.test(options.source) ? `(${options.source})` : options.source;

  const offsets = Array.from({ length: NOWCAST.hours }, (_, n) => `SELECT ${n} AS nc_n`).join(' UNION ALL ');
  const keyJoin = keys.map((k) => `p.${k} = t.${k} AND `).join('');
  const partition = [...keys, 'nc_hour'].join(', ');
  const window = `OVER (PARTITION BY ${partition})`;

  const pairs =
    `SELECT ${keys.map((k) => `t.${k}, `).join('')}t.${hour} AS nc_hour, o.nc_n, CAST(p.${value} AS DOUBLE) AS nc_c` +
    ` FROM ${source} AS t CROSS JOIN (${offsets}) AS o` +
    ` LEFT JOIN ${source} AS p ON ${keyJoin}p.${hour} = ${hoursBefore(dialect, `t.${hour}`, 'o.nc_n')}`;
  const weighted =
    `SELECT ${keys.map((k) => `${k}, `).join('')}nc_hour, nc_n, nc_c,` +
    ` CASE WHEN MAX(nc_c) ${window} > 0` +
    ` THEN GREATEST(MIN(nc_c) ${window} / MAX(nc_c) ${window}, ${NOWCAST.minWeight}) ELSE 1 END AS nc_w` +
    ` FROM (${pairs}) AS nc_pairs`;
  return (
    `SELECT ${keys.map((k) => `${k}, `).join('')}nc_hour AS ${hour},` +
    ` CASE WHEN COUNT(CASE WHEN nc_n < ${NOWCAST.recentHours} THEN nc_c END) >= ${NOWCAST.minRecentValid}` +
    ` THEN SUM(POWER(nc_w, nc_n) * nc_c) / SUM(CASE WHEN nc_c IS NOT NULL THEN POWER(nc_w, nc_n) END)` +
    ` END AS ${alias}` +
    ` FROM (${weighted}) AS nc_weighted GROUP BY ${partition}`
  );
}
