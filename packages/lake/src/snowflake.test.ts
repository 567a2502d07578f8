import { HEALTH_SCHEMA, SENSOR_SCHEMA } from '@opensensor/parquet-hive-writer';
import { describe, expect, it } from 'vitest';
import { aqiHourlySql, periodSql, stationHealthDailySql } from './gold.js';
import { SNOWFLAKE_HEALTH_COLUMNS, silverReadingsSql } from './silver.js';
import {
  SNOWFLAKE_GOLD_OBJECTS,
  type SnowflakeGoldObject,
  SnowflakeGoldOptionsError,
  snowflakeGoldSql,
  snowflakeGoldStatements,
  snowflakeTargetLag,
} from './snowflake.js';
import { selectColumns, sqlStatements } from './testing.js';

/** Measurement sets: the Enviro+ lake's, and board-like sets with and without PM and humidity. */
const BOARDS: Record<string, readonly string[]> = {
  enviroplus: SENSOR_SCHEMA.columns.map((c) => c.name),
  breakout: ['co2', 'eco2', 'tvoc', 'temperature', 'humidity', 'pressure'],
  sensehat: ['temperature', 'humidity', 'pressure', 'accel_x', 'gyro_y', 'mag_z', 'pitch', 'compass_heading'],
  'pm without humidity': ['pm1', 'pm25', 'pm10', 'temperature'],
};

const options = (measurements: readonly string[], health: string | null = null) => ({
  database: 'opensensor',
  schema: 'lake',
  table: 'readings',
  health,
  warehouse: 'transform_wh',
  measurements,
});

/** The DuckDB jobs' SELECT of each object, for the same measurements (as build.ts calls them). */
function duckdbSelect(object: SnowflakeGoldObject, m: readonly string[]): string {
  switch (object) {
    case 'silver':
      return silverReadingsSql({ station: 's', raw: 'day_raw', health: 'h', columns: m });
    case 'hourly':
      return periodSql('hour', 'silver', m);
    case 'daily':
      return periodSql('day', 'silver', m);
    case 'aqi_hourly':
      return aqiHourlySql('hourly', m.includes('humidity'));
    case 'station_health_daily':
      return stationHealthDailySql('silver', 'health', m);
  }
}

/** Spellings DuckDB accepts and Snowflake does not. */
const DUCKDB_ONLY: [string, RegExp][] = [
  ['::UTINYINT', /::\s*UTINYINT/i],
  ['epoch(', /\bepoch\s*\(/i],
  ['isnan(', /\bisnan\s*\(/i],
  ['isinf(', /\bisinf\s*\(/i],
  ['ASOF LEFT JOIN', /\bASOF\s+LEFT\s+JOIN\b/i],
  ['ASOF JOIN … ON without MATCH_CONDITION', /\bASOF\s+JOIN\s+[\w".]+(\s+\w+)?\s+ON\b/i],
  ['count(*) FILTER', /\bFILTER\s*\(\s*WHERE/i],
  ['a WINDOW clause', /\bWINDOW\s+\w+\s+AS\s*\(/i],
  ['an unquoted interval', /\bINTERVAL\s+\d/i],
  ['to_hours(', /\bto_hours\s*\(/i],
  ['EXCLUDE', /\bEXCLUDE\s*\(/i],
  ['read_parquet', /\bread_parquet\b/i],
  ['TIMESTAMPTZ', /\bTIMESTAMPTZ\b/i],
  ['UNION ALL BY NAME', /\bBY\s+NAME\b/i],
];

describe('snowflakeGoldSql: the lake models as Snowflake dynamic tables', () => {
  const cases = Object.entries(BOARDS).flatMap(([board, m]) => [
    [board, m, null],
    [`${board} with a health table`, m, 'health'],
  ]) as [string, readonly string[], string | null][];
  for (const [board, m, health] of cases) {
    describe(board, () => {
      const script = snowflakeGoldSql(options(m, health));
      const statements = sqlStatements(script); // throws on unbalanced parentheses or quotes
      const objects = snowflakeGoldStatements(options(m, health)).map((s) => s.object);

      it('one CREATE OR REPLACE DYNAMIC TABLE per object, silver first, aqi_hourly only with PM2.5 and PM10', () => {
        const expected: SnowflakeGoldObject[] = m.includes('pm25')
          ? ['silver', 'hourly', 'daily', 'aqi_hourly', 'station_health_daily']
          : ['silver', 'hourly', 'daily', 'station_health_daily'];
        expect(objects).toEqual(expected);
        expect(statements).toHaveLength(expected.length);
        statements.forEach((s, i) => {
          const name = SNOWFLAKE_GOLD_OBJECTS[expected[i] as SnowflakeGoldObject];
          expect(s).toMatch(
            new RegExp(
              `^CREATE OR REPLACE DYNAMIC TABLE "OPENSENSOR"\\."LAKE"\\."${name}"\\s+TARGET_LAG = (DOWNSTREAM|'1 hour')\\s+WAREHOUSE = "TRANSFORM_WH"\\s+AS\\s+(WITH|SELECT)\\b`,
            ),
          );
          expect(s.match(/CREATE OR REPLACE DYNAMIC TABLE/g)).toHaveLength(1);
        });
        expect(statements[0]).toContain('TARGET_LAG = DOWNSTREAM');
        expect(statements[0]).toContain('FROM "OPENSENSOR"."LAKE"."READINGS"');
        expect(statements[0]).toMatch(
          /QUALIFY row_number\(\) OVER \(PARTITION BY "STATION_ID", "TIMESTAMP" ORDER BY [^)]+\) = 1/,
        );
      });

      it('every table has exactly the columns of the DuckDB jobs, in their order (upper case)', () => {
        statements.forEach((s, i) => {
          const object = objects[i] as SnowflakeGoldObject;
          const duck = selectColumns(duckdbSelect(object, m)).map((c) => c.toUpperCase());
          // Snowflake folds unquoted names to upper case: the names it will give the columns.
          expect(selectColumns(s, { fold: 'upper' }), object).toEqual(duck);
        });
      });

      it('has no DuckDB-only syntax, and every quoted name is upper case', () => {
        for (const [what, re] of DUCKDB_ONLY) expect(re.test(script), what).toBe(false);
        const quoted = [...statements.join('\n').matchAll(/"((?:[^"]|"")*)"/g)].map((q) => q[1]);
        expect(quoted.length).toBeGreaterThan(0);
        expect(quoted.filter((q) => q !== q?.toUpperCase())).toEqual([]);
      });
    });
  }

  it("the syntax checks find the DuckDB spellings in the DuckDB jobs' SQL (they can fail)", () => {
    const m = BOARDS.enviroplus as readonly string[];
    const duck = (['silver', 'hourly', 'daily', 'aqi_hourly', 'station_health_daily'] as const)
      .map((o) => duckdbSelect(o, m))
      .join(';\n');
    const found = DUCKDB_ONLY.filter(([, re]) => re.test(duck)).map(([what]) => what);
    expect(found).toEqual(
      expect.arrayContaining([
        '::UTINYINT',
        'epoch(',
        'isnan(',
        'isinf(',
        'ASOF LEFT JOIN',
        'a WINDOW clause',
      ]),
    );
    expect(
      DUCKDB_ONLY.filter(([, re]) => re.test('FROM d ASOF JOIN health h ON d.t >= h.t')).map(([w]) => w),
    ).toEqual(['ASOF JOIN … ON without MATCH_CONDITION']);
    expect(found).toEqual(expect.arrayContaining(['an unquoted interval', 'to_hours(', 'EXCLUDE']));
  });

  it('the same builders make the DuckDB text: the dialect changes spellings, not the model', () => {
    const m = BOARDS.enviroplus as readonly string[];
    const snow = sqlStatements(snowflakeGoldSql(options(m)))[1] as string;
    const duck = periodSql('hour', 'silver', m);
    // Same expressions once names are folded and the DDL head is dropped.
    expect(snow.slice(snow.indexOf('SELECT')).replace(/"OPENSENSOR"\."LAKE"\."SILVER"/, 'silver')).toBe(
      duck.replace(/"[a-z0-9_]+"/g, (q) => q.toUpperCase()),
    );
  });

  it('silver: flags per station and UTC day, Snowflake spellings of NaN, epoch seconds and the flag type', () => {
    const silver = snowflakeGoldStatements(options(BOARDS.enviroplus as readonly string[]))[0]?.sql ?? '';
    expect(silver).toContain("OVER (PARTITION BY station, date_trunc('day', timestamp) ORDER BY timestamp)");
    expect(silver).toContain('ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW');
    expect(silver).toContain(`"TEMPERATURE" = 'NaN'::FLOAT`);
    expect(silver).toContain(`"TEMPERATURE" IN ('inf'::FLOAT, '-inf'::FLOAT)`);
    expect(silver).toContain('(DATE_PART(EPOCH_MILLISECOND, timestamp) / 1000)');
    expect(silver).toContain('END::NUMBER(3) AS "PM25_QC"');
    expect(silver).toContain(`"PM1" = "PM25" AND "PM25" = "PM10" AND "PM1" > 0`);
    // No health stream in Snowflake: the clock flag is 2 (not evaluated), and the comment says so.
    expect(silver).toContain('NULL::BOOLEAN AS clock_synced');
    expect(silver).toMatch(/-- timestamp_qc is 2 \(not evaluated\) on every row/);
  });

  it('with a health table: the clock flag from the latest record at or before each reading, health columns per station and day', () => {
    const [silver, , , , health] = snowflakeGoldStatements(
      options(BOARDS.enviroplus as readonly string[], 'health'),
    ).map((s) => s.sql);
    expect(silver).toContain(
      'SELECT "STATION_ID" AS h_station, "TIMESTAMP" AS h_ts, "CLOCK_SYNCED" AS clock_synced FROM "OPENSENSOR"."LAKE"."HEALTH"',
    );
    expect(silver).toContain(
      'FROM dedup d ASOF JOIN health h MATCH_CONDITION (d.timestamp >= h.h_ts) ON d.station = h.h_station',
    );
    // The lake reads the health files of the reading's day and the day before: no older record counts.
    expect(silver).toContain(
      "CASE WHEN h.h_ts >= date_trunc('day', d.timestamp) - INTERVAL '1 DAY' THEN h.clock_synced END",
    );
    expect(silver).not.toMatch(/timestamp_qc is 2/);
    expect(health).toContain('FROM "OPENSENSOR"."LAKE"."HEALTH")');
    expect(health).toContain(
      "SELECT station, date_trunc('day', timestamp) AS day, count(*) AS health_records",
    );
    expect(health).toContain('FROM d LEFT JOIN h ON h.day = d.day AND h.station = d.station');
    expect(health).not.toMatch(/Readings-derived columns only/);
    // The columns read are the health lake's (upper case in Snowflake).
    const lake = HEALTH_SCHEMA.columns.map((c) => c.name);
    expect(SNOWFLAKE_HEALTH_COLUMNS.filter((c) => !lake.includes(c))).toEqual([]);
  });

  it('aqi_hourly reads the HOURLY table with the Snowflake NowCast and a quoted 23-hour interval', () => {
    const aqi = snowflakeGoldStatements(options(BOARDS.enviroplus as readonly string[]))[3]?.sql ?? '';
    expect(aqi).toContain('FROM "OPENSENSOR"."LAKE"."HOURLY"');
    expect(aqi).toContain('DATEADD(hour, -(o.nc_n), t.hour)');
    expect(aqi).toContain("RANGE BETWEEN INTERVAL '23 HOURS' PRECEDING AND CURRENT ROW");
  });

  it('station_health_daily without a health table: readings-derived columns, health columns 0 or NULL, and says why', () => {
    const health = snowflakeGoldStatements(options(BOARDS.breakout as readonly string[]))[3]?.sql ?? '';
    expect(health).toContain('0::BIGINT AS health_records, 0::BIGINT AS clock_unsynced_records');
    expect(health).toContain('NULL::FLOAT AS cpu_temp_c_max');
    expect(health).not.toMatch(/\bLEFT JOIN h\b/);
    expect(health).toMatch(/-- Readings-derived columns only: no health table was given/);
    expect(health).toMatch(/unsynced_readings is 0 \(the clock flag is 2, not evaluated\)/);
  });

  it('names, warehouse placeholder and target lag', () => {
    const m = ['temperature'];
    const noWarehouse = snowflakeGoldSql({ ...options(m), warehouse: undefined });
    expect(noWarehouse).toContain('WAREHOUSE = <warehouse>');
    expect(noWarehouse).toMatch(/-- Replace <warehouse> with the warehouse/);
    expect(noWarehouse).toMatch(/not executed against a\n-- Snowflake account/);
    expect(snowflakeGoldSql({ ...options(m), targetLag: '30 minutes' })).toContain(
      "TARGET_LAG = '30 minutes'",
    );
    expect(snowflakeTargetLag('1 hour')).toBe("'1 hour'");
    expect(snowflakeTargetLag(' 2 HOURS ')).toBe("'2 hours'");
    expect(snowflakeTargetLag('1 day')).toBe("'1 day'");
    expect(snowflakeTargetLag('60 seconds')).toBe("'60 seconds'");
    for (const bad of ['30 seconds', 'DOWNSTREAM', 'hourly', '1h', "1 hour'; DROP TABLE x; --"])
      expect(() => snowflakeTargetLag(bad), bad).toThrow(SnowflakeGoldOptionsError);
    const err = (o: Partial<Parameters<typeof snowflakeGoldSql>[0]>) => {
      try {
        snowflakeGoldSql({ ...options(m), ...o });
      } catch (e) {
        return (e as SnowflakeGoldOptionsError).option;
      }
      return null;
    };
    expect(err({ database: 'my-db' })).toBe('database');
    expect(err({ warehouse: 'wh"; DROP' })).toBe('warehouse');
    expect(err({ measurements: ['Temp'] })).toBe('measurements[0]');
    expect(err({ measurements: ['station_id'] })).toBe('measurements[0]');
    expect(err({})).toBeNull();
  });
});

describe('sqlStatements / selectColumns (test helpers)', () => {
  it('splits on top-level semicolons only, without comments, and refuses unbalanced text', () => {
    expect(sqlStatements('-- a; b\nSELECT \';\' AS x, (1); SELECT "a;b" FROM t;\n')).toEqual([
      "SELECT ';' AS x, (1)",
      'SELECT "a;b" FROM t',
    ]);
    expect(() => sqlStatements('SELECT (1')).toThrow(/unclosed/);
    expect(() => sqlStatements('SELECT 1)')).toThrow(/unbalanced/);
    expect(() => sqlStatements("SELECT 'x")).toThrow(/unterminated/);
  });

  it('lists the last top-level SELECT list: aliases, qualified and quoted names', () => {
    expect(
      selectColumns(
        'WITH a AS (SELECT 1 AS z FROM t) SELECT d.station, f(x, y) AS "Mean", count(*) AS n, "PM25_QC", CASE WHEN a THEN 1 END AS c FROM a',
      ),
    ).toEqual(['station', 'Mean', 'n', 'PM25_QC', 'c']);
    expect(selectColumns('SELECT a AS x, "b" AS "y", t.z FROM t', { fold: 'upper' })).toEqual([
      'X',
      'y',
      'Z',
    ]);
    expect(() => selectColumns('SELECT * FROM t')).toThrow(/SELECT \*/);
  });
});
