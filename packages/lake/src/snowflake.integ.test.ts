import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SENSOR_SCHEMA } from '@opensensor/parquet-hive-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLakehouse } from './build.js';
import { type Engine, openEngine } from './engine.js';
import { type SnowflakeGoldObject, snowflakeGoldStatements } from './snowflake.js';
import { selectColumns, writeSyntheticBronze } from './testing.js';

/**
 * The Snowflake dynamic tables against a DuckDB build of the same bronze. No Snowflake account here:
 * (1) the columns each statement declares are the columns of the built gold files; (2) the statements,
 * with the few Snowflake-only spellings put back into DuckDB's (listed in `inDuckDb`), give the same
 * rows as the build: the dialect changes spellings, not results. Snowflake's own semantics (its
 * NUMBER arithmetic, NaN, RANGE frames) are not exercised.
 */

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 9, 1);
const A = 'station-a';
const B = 'station-b';
const MEASUREMENTS = SENSOR_SCHEMA.columns.map((c) => c.name);

let dir: string;
let bronze: string;
let lakehouse: string;
let db: Engine;
let statements: ReturnType<typeof snowflakeGoldStatements>;

/** The Snowflake-only spellings in DuckDB's, and each dynamic table as a view. */
function inDuckDb(sql: string): string {
  return sql
    .replace(
      /CREATE OR REPLACE DYNAMIC TABLE (\S+)\s+TARGET_LAG = (?:DOWNSTREAM|'[^']*')\s+WAREHOUSE = \S+\s+AS\s/,
      'CREATE OR REPLACE VIEW $1 AS ',
    )
    .replaceAll('DATE_PART(EPOCH_MILLISECOND, ', 'epoch_ms(')
    .replaceAll('::NUMBER(3)', '::UTINYINT')
    .replace(/DATEADD\(hour, -\(([^()]+)\), ([^()]+)\)/g, '($2 - to_hours($1))');
}

const KEYS: Record<SnowflakeGoldObject, string> = {
  silver: 'timestamp',
  hourly: 'hour',
  daily: 'day',
  aqi_hourly: 'hour',
  station_health_daily: 'day',
};
const built = (object: SnowflakeGoldObject) =>
  `read_parquet('${lakehouse}/${object === 'silver' ? 'silver/readings' : `gold/${object}`}/**/*.parquet', hive_partitioning = false)`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'os-lake-snowflake-'));
  bronze = join(dir, 'output');
  lakehouse = join(dir, 'lakehouse');
  // Station A across midnight with every fault (a stuck temperature over midnight: runs restart at 00:00).
  await writeSyntheticBronze({
    root: bronze,
    station: A,
    from: T0 + 18 * HOUR,
    to: T0 + 32 * HOUR,
    intervalMs: 30_000,
    spike: { at: T0 + 19 * HOUR, delta: 15 },
    stuck: { from: T0 + 22 * HOUR, to: T0 + 26 * HOUR + 30 * 60_000, value: 21.5 },
    deadPms: { from: T0 + 27 * HOUR, to: T0 + 28 * HOUR, value: 7 },
    gap: { from: T0 + 29 * HOUR, to: T0 + 30 * HOUR },
    pm25: (t) => (t >= T0 + 20 * HOUR && t < T0 + 23 * HOUR ? 90 + 10 * Math.sin(t / 600_000) : 6),
  });
  await writeSyntheticBronze({
    root: bronze,
    station: B,
    from: T0 + 20 * HOUR,
    to: T0 + 27 * HOUR,
    intervalMs: 60_000,
  });
  // No health stream: Snowflake has none, so the lake build must do without it to compare.
  await buildLakehouse({ from: bronze, health: null, lakehouse, engine: { threads: 2 } });

  db = await openEngine({ threads: 2 });
  statements = snowflakeGoldStatements({
    database: 'opensensor',
    schema: 'lake',
    table: 'readings',
    warehouse: 'wh',
    measurements: MEASUREMENTS,
  });
  await db.run("ATTACH ':memory:' AS opensensor");
  await db.run('CREATE SCHEMA opensensor.lake');
  // The streamed table as `opensensor snowflake sql` creates it, from the same bronze, with
  // duplicates (the same reading twice) that silver must remove.
  await db.run(
    `CREATE TABLE opensensor.lake.readings AS
     SELECT regexp_extract(filename, 'station=([^/\\\\]+)', 1) AS "STATION_ID", timestamp AS "TIMESTAMP", ${MEASUREMENTS.map((m) => `"${m}"`).join(', ')}
     FROM read_parquet('${bronze}/**/*.parquet', filename = true, hive_partitioning = false)`,
  );
  await db.run(
    `INSERT INTO opensensor.lake.readings SELECT * FROM opensensor.lake.readings WHERE "TIMESTAMP" < TIMESTAMPTZ '2026-10-01 21:00:00+00'`,
  );
  for (const s of statements) await db.run(inDuckDb(s.sql));
}, 120_000);

afterAll(() => db?.close());

describe('the Snowflake dynamic tables against a DuckDB build of the same bronze', () => {
  it('covers every table of the build', () => {
    expect(statements.map((s) => s.object)).toEqual([
      'silver',
      'hourly',
      'daily',
      'aqi_hourly',
      'station_health_daily',
    ]);
  });

  it('each statement declares exactly the columns of the built files (Snowflake folds them to upper case)', async () => {
    for (const s of statements) {
      const files = (await db.rows(`DESCRIBE SELECT * FROM ${built(s.object)}`)).map((r) =>
        String(r.column_name).toUpperCase(),
      );
      expect(selectColumns(s.sql, { fold: 'upper' }), s.object).toEqual(files);
    }
  });

  it('each gives the rows of the build: same keys, same values (doubles within 1e-9)', async () => {
    for (const s of statements) {
      const columns = await db.rows(`DESCRIBE SELECT * FROM ${built(s.object)}`);
      const key = KEYS[s.object];
      const same = columns.map((c) => {
        const n = `"${String(c.column_name)}"`;
        const numeric = /INT|FLOAT|DOUBLE|DECIMAL/.test(String(c.column_type));
        const eq = numeric
          ? `abs(b.${n}::DOUBLE - v.${n}::DOUBLE) <= 1e-9 * greatest(1, abs(b.${n}::DOUBLE))`
          : `b.${n} = v.${n}`;
        return `count_if(NOT ((b.${n} IS NULL AND v.${n} IS NULL) OR coalesce(${eq}, false)))::INTEGER AS ${n}`;
      });
      const [diff] = await db.rows(
        `SELECT count(*)::INTEGER AS rows, count(b.station)::INTEGER AS built, count(v.station)::INTEGER AS snowflake, ${same.join(', ')}
         FROM ${built(s.object)} b FULL JOIN ${s.name} v ON b.station = v.station AND b.${key} = v.${key}`,
      );
      const mismatches = Object.entries(diff ?? {}).filter(
        ([k, v]) => !['rows', 'built', 'snowflake'].includes(k) && v !== 0,
      );
      expect(diff?.built, s.object).toBeGreaterThan(0);
      expect([diff?.built, diff?.snowflake], s.object).toEqual([diff?.rows, diff?.rows]);
      expect(mismatches, s.object).toEqual([]);
    }
  });

  it('the faults are flagged the same way: spike, flat line restarting at midnight, dead PMS5003', async () => {
    const [f] = await db.rows(
      `SELECT count_if("TEMPERATURE_QC" = 4)::INTEGER AS t_fail, count_if("TEMPERATURE_QC" = 3)::INTEGER AS t_suspect,
              count_if("PM25_QC" = 4)::INTEGER AS pm_fail, count_if(timestamp_qc <> 2)::INTEGER AS clock,
              count(*)::INTEGER AS n, count(DISTINCT (station, timestamp))::INTEGER AS d
       FROM opensensor.lake.silver`,
    );
    expect(f?.t_fail).toBeGreaterThan(0);
    expect(f?.t_suspect).toBeGreaterThan(0);
    expect(f?.pm_fail).toBe(120); // the hour of pm1 = pm25 = pm10 at 30 s
    expect(f?.clock).toBe(0);
    expect(f?.n).toBe(f?.d);
  });
});
