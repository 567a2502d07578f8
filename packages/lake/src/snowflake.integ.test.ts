import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SENSOR_SCHEMA } from '@opensensor/parquet-hive-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLakehouse } from './build.js';
import { type Engine, openEngine } from './engine.js';
import { SNOWFLAKE_HEALTH_COLUMNS } from './silver.js';
import { type SnowflakeGoldObject, snowflakeGoldStatements } from './snowflake.js';
import { selectColumns, writeSyntheticBronze } from './testing.js';

/**
 * The Snowflake dynamic tables against a DuckDB build of the same bronze. No Snowflake account here:
 * (1) the columns each statement declares are the columns of the built gold files; (2) the statements,
 * with the few Snowflake-only spellings put back into DuckDB's (listed in `inDuckDb`), give the same
 * rows as the build, with and without the health stream: the dialect changes spellings, not results.
 * Snowflake's own semantics (its NUMBER arithmetic, NaN, RANGE frames, ASOF JOIN) are not exercised.
 */

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 9, 1);
const A = 'station-a';
const B = 'station-b';
const MEASUREMENTS = SENSOR_SCHEMA.columns.map((c) => c.name);

let dir: string;
let bronze: string;
let db: Engine;

/** The Snowflake-only spellings in DuckDB's, and each dynamic table as a view. */
function inDuckDb(sql: string): string {
  return sql
    .replace(
      /CREATE OR REPLACE DYNAMIC TABLE (\S+)\s+TARGET_LAG = (?:DOWNSTREAM|'[^']*')\s+WAREHOUSE = \S+\s+AS\s/,
      'CREATE OR REPLACE VIEW $1 AS ',
    )
    .replaceAll('DATE_PART(EPOCH_MILLISECOND, ', 'epoch_ms(')
    .replaceAll('::NUMBER(3)', '::UTINYINT')
    .replace(/DATEADD\(hour, -\(([^()]+)\), ([^()]+)\)/g, '($2 - to_hours($1))')
    .replace(
      /ASOF JOIN (\w+) (\w+) MATCH_CONDITION \(([^()]+)\) ON ([^\n]+)/g,
      'ASOF LEFT JOIN $1 $2 ON $4 AND $3',
    );
}

const KEYS: Record<SnowflakeGoldObject, string> = {
  silver: 'timestamp',
  hourly: 'hour',
  daily: 'day',
  aqi_hourly: 'hour',
  station_health_daily: 'day',
};
const built = (lakehouse: string, object: SnowflakeGoldObject) =>
  `read_parquet('${lakehouse}/${object === 'silver' ? 'silver/readings' : `gold/${object}`}/**/*.parquet', hive_partitioning = false)`;

/** `from <bronze root>` as a streamed table: the station from the path, `timestamp` as `TIMESTAMP`. */
const streamed = (root: string, columns: readonly string[]) =>
  `SELECT regexp_extract(filename, 'station=([^/\\\\]+)', 1) AS "STATION_ID", timestamp AS "TIMESTAMP", ${columns.map((m) => `"${m}"`).join(', ')}
   FROM read_parquet('${root}/**/*.parquet', filename = true, hive_partitioning = false)`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'os-lake-snowflake-'));
  bronze = join(dir, 'output');
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
    unsynced: { from: T0 + 20 * HOUR, to: T0 + 21 * HOUR },
    pm25: (t) => (t >= T0 + 20 * HOUR && t < T0 + 23 * HOUR ? 90 + 10 * Math.sin(t / 600_000) : 6),
  });
  await writeSyntheticBronze({
    root: bronze,
    station: B,
    from: T0 + 20 * HOUR,
    to: T0 + 27 * HOUR,
    intervalMs: 60_000,
  });

  db = await openEngine({ threads: 2 });
  await db.run("ATTACH ':memory:' AS opensensor");
  await db.run('CREATE SCHEMA opensensor.lake');
  // The streamed tables as `opensensor snowflake sql` creates them, from the same bronze, with
  // duplicates (the same reading twice) that silver must remove.
  await db.run(`CREATE TABLE opensensor.lake.readings AS ${streamed(bronze, MEASUREMENTS)}`);
  await db.run(
    `INSERT INTO opensensor.lake.readings SELECT * FROM opensensor.lake.readings WHERE "TIMESTAMP" < TIMESTAMPTZ '2026-10-01 21:00:00+00'`,
  );
  await db.run(
    `CREATE TABLE opensensor.lake.health AS ${streamed(`${bronze}-health`, SNOWFLAKE_HEALTH_COLUMNS)}`,
  );
}, 120_000);

afterAll(() => db?.close());

/** One comparison: a lake build (with or without the health stream) against the dynamic tables. */
function compare(withHealth: boolean) {
  const lakehouse = () => join(dir, withHealth ? 'lakehouse-health' : 'lakehouse');
  let statements: ReturnType<typeof snowflakeGoldStatements>;
  beforeAll(async () => {
    await buildLakehouse({
      from: bronze,
      ...(withHealth ? {} : { health: null }),
      lakehouse: lakehouse(),
      engine: { threads: 2 },
    });
    statements = snowflakeGoldStatements({
      database: 'opensensor',
      schema: 'lake',
      table: 'readings',
      health: withHealth ? 'health' : null,
      warehouse: 'wh',
      measurements: MEASUREMENTS,
    });
    for (const s of statements) await db.run(inDuckDb(s.sql));
  }, 120_000);

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
      const files = (await db.rows(`DESCRIBE SELECT * FROM ${built(lakehouse(), s.object)}`)).map((r) =>
        String(r.column_name).toUpperCase(),
      );
      expect(selectColumns(s.sql, { fold: 'upper' }), s.object).toEqual(files);
    }
  });

  it('each gives the rows of the build: same keys, same values (doubles within 1e-9)', async () => {
    for (const s of statements) {
      const files = built(lakehouse(), s.object);
      const columns = await db.rows(`DESCRIBE SELECT * FROM ${files}`);
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
         FROM ${files} b FULL JOIN ${s.name} v ON b.station = v.station AND b.${key} = v.${key}`,
      );
      const mismatches = Object.entries(diff ?? {}).filter(
        ([k, v]) => !['rows', 'built', 'snowflake'].includes(k) && v !== 0,
      );
      expect(diff?.built, s.object).toBeGreaterThan(0);
      expect([diff?.built, diff?.snowflake], s.object).toEqual([diff?.rows, diff?.rows]);
      expect(mismatches, s.object).toEqual([]);
    }
  });

  it('the faults are flagged: spike, flat line restarting at midnight, dead PMS5003, and the clock', async () => {
    const [f] = await db.rows(
      `SELECT count_if("TEMPERATURE_QC" = 4)::INTEGER AS t_fail, count_if("TEMPERATURE_QC" = 3)::INTEGER AS t_suspect,
              count_if("PM25_QC" = 4)::INTEGER AS pm_fail, count_if(timestamp_qc = 3)::INTEGER AS unsynced,
              count_if(timestamp_qc = 2)::INTEGER AS unknown, count(*)::INTEGER AS n,
              count(DISTINCT (station, timestamp))::INTEGER AS d
       FROM opensensor.lake.silver`,
    );
    expect(f?.t_fail).toBeGreaterThan(0);
    expect(f?.t_suspect).toBeGreaterThan(0);
    expect(f?.pm_fail).toBe(120); // the hour of pm1 = pm25 = pm10 at 30 s
    // The hour the health stream says the clock was not synchronised (its records at whole minutes).
    expect(f?.unsynced).toBe(withHealth ? 120 : 0);
    expect(f?.unknown).toBe(withHealth ? 0 : f?.n);
    expect(f?.n).toBe(f?.d);
    const [h] = await db.rows(
      `SELECT sum(health_records)::INTEGER AS records, sum(clock_unsynced_records)::INTEGER AS unsynced
       FROM opensensor.lake.station_health_daily`,
    );
    // A health record a minute, none in station A's 1-hour gap.
    expect(h).toEqual(withHealth ? { records: (13 + 7) * 60, unsynced: 60 } : { records: 0, unsynced: 0 });
  });
}

describe('the Snowflake dynamic tables against a DuckDB build of the same bronze, without the health stream', () => {
  compare(false);
});

describe('the Snowflake dynamic tables against a DuckDB build of the same bronze, with the health stream', () => {
  compare(true);
});
