import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  aqiHourlySql,
  periodSql,
  SNOWFLAKE_DEFAULT_TARGET_LAG,
  SNOWFLAKE_GOLD_OBJECTS,
  type SnowflakeGoldObject,
  silverReadingsSql,
  stationHealthDailySql,
} from '@opensensor/lake/sql';
import { selectColumns, sqlStatements } from '@opensensor/lake/testing';
import { BOARD_KINDS, schemaForBoard } from '@opensensor/pipeline';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../program.js';
import { memoryIo } from '../testing-io.js';
import { SNOWFLAKE_GOLD_DEFAULT_LAG } from './snowflake.js';

// Records whether anything imports DuckDB (the lake jobs' engine): `snowflake sql --gold` must not.
const duckdb = vi.hoisted(() => ({ loaded: false }));
vi.mock('@duckdb/node-api', () => {
  duckdb.loaded = true;
  return {};
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'os-snowflake-gold-'));
});

const run = async (args: string[], env: Record<string, string> = {}) => {
  const t = memoryIo(env, dir);
  const code = await runCli(args, t.io);
  return { code, out: t.stdout(), err: t.stderr() };
};

/** The DuckDB jobs' SELECT of each object for these measurements. */
function duckdbSelect(object: SnowflakeGoldObject, m: readonly string[]): string {
  switch (object) {
    case 'silver':
      return silverReadingsSql({ station: 's', raw: 'r', health: 'h', columns: m });
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

const OBJECT_OF = Object.fromEntries(
  Object.entries(SNOWFLAKE_GOLD_OBJECTS).map(([k, v]) => [v, k as SnowflakeGoldObject]),
);

describe('opensensor snowflake sql --gold', () => {
  for (const board of BOARD_KINDS) {
    it(`${board}: one dynamic table per model over the streamed table, with the lake's columns and no DuckDB syntax`, async () => {
      const r = await run(['snowflake', 'sql', '--gold', '--board', board, '--warehouse', 'transform_wh']);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const measurements = schemaForBoard(board).columns.map((c) => c.name);
      const statements = sqlStatements(r.out); // balanced parentheses and quotes, comments dropped
      const objects = statements.map((s) => {
        const m =
          /^CREATE OR REPLACE DYNAMIC TABLE "OPENSENSOR"\."LAKE"\."(\w+)"\s+TARGET_LAG = (DOWNSTREAM|'1 hour')\s+WAREHOUSE = "TRANSFORM_WH"\s+AS\s/.exec(
            s,
          );
        expect(m, s.slice(0, 200)).not.toBeNull();
        return OBJECT_OF[m?.[1] as string] as SnowflakeGoldObject;
      });
      const pm = measurements.includes('pm25') && measurements.includes('pm10');
      expect(objects).toEqual([
        'silver',
        'hourly',
        'daily',
        ...(pm ? ['aqi_hourly'] : []),
        'station_health_daily',
      ]);
      statements.forEach((s, i) => {
        const object = objects[i] as SnowflakeGoldObject;
        const duck = selectColumns(duckdbSelect(object, measurements)).map((c) => c.toUpperCase());
        expect(selectColumns(s, { fold: 'upper' }), object).toEqual(duck);
      });
      // DuckDB-only: its flag type, epoch(), isnan(), ASOF without MATCH_CONDITION, aggregate FILTER.
      for (const re of [
        /::\s*UTINYINT/i,
        /\bepoch\s*\(/i,
        /\bisnan\s*\(/i,
        /\bASOF\s+LEFT\s+JOIN\b/i,
        /\bASOF\s+JOIN\s+[\w".]+(\s+\w+)?\s+ON\b/i,
        /\bFILTER\s*\(/i,
      ])
        expect(r.out).not.toMatch(re);

      // Silver reads the station id, the time and every measurement, and the clock state from the
      // health table: columns `snowflake sql` creates in READINGS and HEALTH.
      const setup = await run(['snowflake', 'sql', '--board', board]);
      const createdIn = (table: string) => {
        const from = setup.out.indexOf(`CREATE TABLE IF NOT EXISTS "OPENSENSOR"."LAKE"."${table}" (`);
        expect(from, table).toBeGreaterThanOrEqual(0);
        const ddl = setup.out.slice(from, setup.out.indexOf(');', from));
        return [...ddl.matchAll(/^ {2}"([A-Z0-9_]+)" /gm)].map((m) => m[1]);
      };
      const dedup = /WITH dedup AS \(\s*SELECT (.*)\n\s*FROM "OPENSENSOR"\."LAKE"\."READINGS"/.exec(
        statements[0] as string,
      );
      const read = [...(dedup?.[1] ?? '').matchAll(/"([A-Z0-9_]+)"/g)].map((m) => m[1]);
      expect(read).toEqual(['STATION_ID', 'TIMESTAMP', ...measurements.map((m) => m.toUpperCase())]);
      expect(read.filter((c) => !createdIn('READINGS').includes(c))).toEqual([]);
      const health = [
        ...(statements[0] ?? '').matchAll(
          /"([A-Z0-9_]+)" AS \w+(?=[^\n]*FROM "OPENSENSOR"\."LAKE"\."HEALTH")/g,
        ),
        ...(statements.at(-1) ?? '').matchAll(/"([A-Z0-9_]+)"(?=[^\n]*FROM "OPENSENSOR"\."LAKE"\."HEALTH")/g),
      ].map((m) => m[1]);
      expect(new Set(health)).toEqual(
        new Set(['STATION_ID', 'TIMESTAMP', 'CLOCK_SYNCED', 'NTP_OFFSET_MS', 'CPU_TEMP_C', 'DISK_FREE_GB']),
      );
      expect(health.filter((c) => !createdIn('HEALTH').includes(c))).toEqual([]);
      expect(statements[0]).toContain(
        'ASOF JOIN health h MATCH_CONDITION (d.timestamp >= h.h_ts) ON d.station = h.h_station',
      );

      expect(r.out).toMatch(/not executed against a\n-- Snowflake account/);
      expect(r.out.startsWith(`-- board: ${board}\n`)).toBe(true);

      // Without the health table, the printed SQL says what is missing.
      const noHealth = await run(['snowflake', 'sql', '--gold', '--board', board, '--no-health']);
      expect(noHealth.code).toBe(0);
      expect(noHealth.out).not.toContain('"HEALTH"');
      expect(noHealth.out).toMatch(/timestamp_qc is 2 \(not evaluated\) on every row/);
      expect(noHealth.out).toMatch(/Readings-derived columns only/);
      const noHealthStatements = sqlStatements(noHealth.out);
      noHealthStatements.forEach((s, i) => {
        expect(selectColumns(s, { fold: 'upper' })).toEqual(
          selectColumns(statements[i] as string, { fold: 'upper' }),
        );
      });
    });
  }

  it('names from the configuration, a warehouse placeholder (with a note), --target-lag, bad values exit 2', async () => {
    const r = await run(['snowflake', 'sql', '--gold', '--board', 'sensehat'], {
      OPENSENSOR_SNOWFLAKE_DATABASE: 'sensors',
      OPENSENSOR_SNOWFLAKE_SCHEMA: 'raw',
    });
    expect(r.code).toBe(0);
    expect(r.out).toContain('CREATE OR REPLACE DYNAMIC TABLE "SENSORS"."RAW"."HOURLY"');
    expect(r.out).toContain('FROM "SENSORS"."RAW"."READINGS"');
    expect(r.out).toContain('FROM "SENSORS"."RAW"."HEALTH"');
    expect(r.out).toContain('WAREHOUSE = <warehouse>');
    expect(r.out).not.toContain('AQI_HOURLY');
    expect(r.err).toMatch(/No --warehouse: .*<warehouse>/);

    const lag = await run([
      'snowflake',
      'sql',
      '--gold',
      '--board',
      'enviroplus',
      '--target-lag',
      '30 minutes',
    ]);
    expect(lag.code).toBe(0);
    const lags = sqlStatements(lag.out).map((s) => /TARGET_LAG = (DOWNSTREAM|'[^']*')/.exec(s)?.[1]);
    expect(lags).toEqual(['DOWNSTREAM', "'30 minutes'", "'30 minutes'", "'30 minutes'", "'30 minutes'"]);

    const badLag = await run([
      'snowflake',
      'sql',
      '--gold',
      '--board',
      'enviroplus',
      '--target-lag',
      '10 seconds',
    ]);
    expect(badLag.code).toBe(2);
    expect(badLag.err).toMatch(/--target-lag: expected a duration of at least a minute/);
    expect(badLag.out).toBe('');
    const badWarehouse = await run([
      'snowflake',
      'sql',
      '--gold',
      '--board',
      'enviroplus',
      '--warehouse',
      'my-wh',
    ]);
    expect(badWarehouse.code).toBe(2);
    expect(badWarehouse.err).toMatch(/--warehouse: .*plain identifier/);
    const badTable = await run(['snowflake', 'sql', '--gold', '--board', 'enviroplus', '--table', 'a.b']);
    expect(badTable.code).toBe(2);
    expect(badTable.err).toMatch(/--table: /);
    const badHealth = await run(['snowflake', 'sql', '--gold', '--health-table', 'a-b']);
    expect(badHealth.code).toBe(2);
    expect(badHealth.err).toMatch(/--health-table: /);
    const other = await run(['snowflake', 'sql', '--gold', '--health-table', 'station_health']);
    expect(other.out).toContain('FROM "OPENSENSOR"."LAKE"."STATION_HEALTH"');
    expect(SNOWFLAKE_GOLD_DEFAULT_LAG).toBe(SNOWFLAKE_DEFAULT_TARGET_LAG);
  });

  it('does not load DuckDB (and the check would see it if it did)', async () => {
    const r = await run(['snowflake', 'sql', '--gold', '--board', 'enviroplus']);
    expect(r.code).toBe(0);
    expect(duckdb.loaded).toBe(false);
    // The control: the lake's engine does import it, through the same module graph.
    const { openEngine } = await import('@opensensor/lake');
    await openEngine().catch(() => undefined);
    expect(duckdb.loaded).toBe(true);
  });
});
