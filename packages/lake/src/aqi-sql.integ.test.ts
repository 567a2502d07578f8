/**
 * The SQL builders of aqi.ts evaluated in DuckDB (in memory) and compared with the TypeScript functions
 * on grids of inputs: AQI integers equal, corrected PM2.5 within 1e-9, NowCast within 1e-9.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AQI_BREAKPOINTS,
  aqi,
  aqiCategory,
  aqiCategorySql,
  aqiSql,
  nowcast,
  nowcastSql,
  pm25Corrected,
  pm25CorrectedSql,
  truncateConcentration,
} from './aqi.js';

let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  connection = await instance.connect();
});

afterAll(() => {
  connection?.closeSync();
  instance?.closeSync();
});

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await connection.runAndReadAll(sql)).getRowObjects() as Record<string, unknown>[];
}

/** A double as a SQL DOUBLE, exactly (a decimal literal would be DECIMAL in DuckDB). */
const dbl = (x: number) => `CAST('${x}' AS DOUBLE)`;

function nextDown(x: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) - 1n); // x > 0 only
  return view.getFloat64(0);
}

describe('aqiSql', () => {
  it.each(['pm25', 'pm10'] as const)(
    '%s: equals aqi() on -1…700 µg/m³ by 0.01, boundaries and float noise',
    async (p) => {
      const special = [
        ...AQI_BREAKPOINTS[p].flatMap((r) => [r.cLo, r.cHi, ...(r.cLo > 0 ? [nextDown(r.cLo)] : [])]),
        0.1 + 0.7,
        35.45,
        35.49999,
        nextDown(35.5),
        -0.5,
        -1e-12,
        500.4,
        1000,
        12345.6,
      ];
      const sql =
        `SELECT c, ${aqiSql(p, 'c')} AS a FROM (` +
        'SELECT i / 100 AS c FROM range(-100, 70001) AS g(i)' +
        special.map((x) => ` UNION ALL SELECT ${dbl(x)}`).join('') +
        ' UNION ALL SELECT NULL) AS grid';
      const result = await rows(sql);
      expect(result.length).toBe(70101 + special.length + 1);
      const mismatches = result.filter((r) => aqi(p, r.c as number | null) !== r.a);
      expect(mismatches.slice(0, 5)).toEqual([]);
      // the float-noise values did reach DuckDB as the same doubles
      const seen = new Set(result.map((r) => r.c));
      for (const x of special) expect(seen.has(x), String(x)).toBe(true);
    },
  );

  it('returns an INTEGER, NULL for NULL, and composes with aqiCategorySql', async () => {
    const [r] = await rows(
      `SELECT ${aqiSql('pm25', '35.5')} AS a, typeof(${aqiSql('pm25', '35.5')}) AS t,` +
        ` ${aqiSql('pm25', 'NULL')} AS n, ${aqiCategorySql(aqiSql('pm25', '35.5'))} AS cat`,
    );
    expect(r).toEqual({ a: 101, t: 'INTEGER', n: null, cat: 'Unhealthy for Sensitive Groups' });
  });

  it('works on DECIMAL columns as on DOUBLE', async () => {
    const result = await rows(
      `SELECT CAST(c AS DOUBLE) AS c, ${aqiSql('pm25', 'c')} AS a` +
        ' FROM (SELECT CAST(i / 10 AS DECIMAL(6,1)) AS c FROM range(0, 4000) AS g(i)) AS grid',
    );
    const mismatches = result.filter((r) => aqi('pm25', r.c as number) !== r.a);
    expect(mismatches).toEqual([]);
  });
});

describe('aqiCategorySql', () => {
  it('equals aqiCategory() on -2…999, halves and NULL', async () => {
    const result = await rows(
      `SELECT a, ${aqiCategorySql('a')} AS name FROM (` +
        'SELECT i / 2 AS a FROM range(-4, 2000) AS g(i) UNION ALL SELECT NULL) AS grid',
    );
    expect(result.length).toBe(2005);
    const mismatches = result.filter((r) => aqiCategory(r.a as number | null) !== r.name);
    expect(mismatches).toEqual([]);
  });
});

describe('pm25CorrectedSql', () => {
  it('equals pm25Corrected() within 1e-9 on x = -5…400 by 0.25, RH 0…100 by 5, and NULLs', async () => {
    const edges = [29.99, 30, 30.01, 49.99, 50, 50.01, 209.99, 210, 210.01, 259.99, 260, 260.01];
    const sql =
      `SELECT x, rh, ${pm25CorrectedSql('x', 'rh')} AS y FROM (` +
      'SELECT x, rh FROM (SELECT i / 4 AS x FROM range(-20, 1601) AS g(i)' +
      edges.map((e) => ` UNION ALL SELECT ${dbl(e)}`).join('') +
      ' UNION ALL SELECT NULL) AS xs CROSS JOIN (SELECT CAST(j * 5 AS DOUBLE) AS rh FROM range(0, 21) AS h(j)' +
      ' UNION ALL SELECT NULL) AS rhs) AS grid';
    const result = await rows(sql);
    expect(result.length).toBe((1621 + edges.length + 1) * 22);
    const mismatches = result.filter((r) => {
      const expected = pm25Corrected(r.x as number | null, r.rh as number | null);
      const got = r.y as number | null;
      if (expected === null || got === null) return expected !== got;
      return Math.abs(expected - got) > 1e-9;
    });
    expect(mismatches.slice(0, 5)).toEqual([]);
  });
});

describe('nowcastSql', () => {
  /** Deterministic pseudo-random numbers (LCG), so a failure can be reproduced. */
  function lcg(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
  }

  type Series = Map<number, number | null>; // hour index → hourly mean (null = invalid); absent = no row

  function buildStations(): Map<string, Series> {
    const rnd = lcg(20240506);
    const stations = new Map<string, Series>();
    // st-wild: spiky values, gaps (no row) and NULL hours; st-calm: values within ±10 % (w above 0.5);
    // st-zero: zeros and a few readings; st-epa: the published NowCast example, oldest first.
    const wild: Series = new Map();
    const calm: Series = new Map();
    const zero: Series = new Map();
    for (let i = 0; i < 72; i++) {
      const u = rnd();
      if (u < 0.12) continue; // hour absent from the table
      wild.set(i, u < 0.2 ? null : Math.round(rnd() * 3000) / 10);
      if (rnd() > 0.1) calm.set(i, 20 + Math.round((rnd() - 0.5) * 40) / 10);
      zero.set(i, rnd() < 0.9 ? 0 : Math.round(rnd() * 50) / 10);
    }
    const epa: Series = new Map([50, 80, 75, 90, 82, 53, 64, 74, 21, 10, 16, 13].map((v, i) => [i, v]));
    stations.set('st-wild', wild);
    stations.set('st-calm', calm);
    stations.set('st-zero', zero);
    stations.set('st-epa', epa);
    return stations;
  }

  function expectedNowcast(series: Series, hour: number): number | null {
    const window = Array.from({ length: 12 }, (_, n) => series.get(hour - n) ?? null);
    return nowcast(window);
  }

  beforeAll(async () => {
    const values: string[] = [];
    for (const [station, series] of buildStations()) {
      for (const [i, v] of series) values.push(`('${station}', ${i}, ${v === null ? 'NULL' : dbl(v)})`);
    }
    await connection.run(
      "CREATE TABLE hourly AS SELECT station_id, TIMESTAMP '2024-05-06 00:00:00' + to_hours(i) AS hour, pm25" +
        ` FROM (VALUES ${values.join(', ')}) AS v(station_id, i, pm25)`,
    );
  });

  function compare(result: Record<string, unknown>[], stations: Map<string, Series>, column = 'nowcast') {
    const mismatches: unknown[] = [];
    for (const r of result) {
      const series = stations.get(r.station_id as string) as Series;
      const expected = expectedNowcast(series, Number(r.i));
      const got = r[column] as number | null;
      const bad = expected === null || got === null ? expected !== got : Math.abs(expected - got) > 1e-9;
      if (bad) mismatches.push({ ...r, expected });
    }
    return mismatches;
  }

  it('one row per source row, equal to nowcast() over the 12 hours by time (gaps and NULLs missing)', async () => {
    const stations = buildStations();
    const sql = nowcastSql({
      source: 'hourly',
      keys: ['station_id'],
      hourColumn: 'hour',
      valueColumn: 'pm25',
    });
    const result = await rows(
      `SELECT station_id, date_diff('hour', TIMESTAMP '2024-05-06 00:00:00', hour) AS i, nowcast FROM (${sql}) AS nc`,
    );
    const sourceRows = [...stations.values()].reduce((n, s) => n + s.size, 0);
    expect(result.length).toBe(sourceRows);
    expect(compare(result, stations)).toEqual([]);
    // the test data reach every branch: NULL (2-of-3 rule), w floored at 0.5, w above 0.5, all-zero window
    expect(result.some((r) => r.nowcast === null)).toBe(true);
    expect(result.some((r) => r.station_id === 'st-calm' && r.nowcast !== null)).toBe(true);
    expect(result.some((r) => r.station_id === 'st-zero' && r.nowcast === 0)).toBe(true);
  });

  it('reproduces the published example: 17.4 µg/m³ at the 12th hour', async () => {
    const sql = nowcastSql({
      source: 'hourly',
      keys: ['station_id'],
      hourColumn: 'hour',
      valueColumn: 'pm25',
      alias: 'nc',
    });
    const [r] = await rows(
      `SELECT nc, ${aqiSql('pm25', 'nc')} AS a FROM (${sql}) AS x WHERE station_id = 'st-epa' AND hour = TIMESTAMP '2024-05-06 11:00:00'`,
    );
    expect(truncateConcentration('pm25', r?.nc as number)).toBe(17.4);
    expect(r?.a).toBe(66);
  });

  it('takes a bare SELECT as source and no keys (one series)', async () => {
    const stations = buildStations();
    const sql = nowcastSql({
      source: "SELECT hour AS ts, pm25 AS v FROM hourly WHERE station_id = 'st-wild'",
      keys: [],
      hourColumn: 'ts',
      valueColumn: 'v',
    });
    const result = await rows(
      `SELECT 'st-wild' AS station_id, date_diff('hour', TIMESTAMP '2024-05-06 00:00:00', ts) AS i, nowcast FROM (${sql}) AS nc`,
    );
    expect(result.length).toBe(stations.get('st-wild')?.size);
    expect(compare(result, stations)).toEqual([]);
  });

  it('feeds aqiSql: hourly NowCast AQI per station equals nowcastAqi()', async () => {
    const stations = buildStations();
    const sql = nowcastSql({
      source: 'hourly',
      keys: ['station_id'],
      hourColumn: 'hour',
      valueColumn: 'pm25',
    });
    const result = await rows(
      `SELECT station_id, date_diff('hour', TIMESTAMP '2024-05-06 00:00:00', hour) AS i, ${aqiSql('pm25', 'nowcast')} AS a FROM (${sql}) AS nc`,
    );
    const mismatches = result.filter((r) => {
      const series = stations.get(r.station_id as string) as Series;
      return aqi('pm25', expectedNowcast(series, Number(r.i))) !== r.a;
    });
    expect(mismatches).toEqual([]);
  });
});
