import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aqi, aqiCategory, nowcast } from './aqi.js';
import { buildLakehouse } from './build.js';
import { type Engine, openEngine } from './engine.js';
import { syntheticReading, writeSyntheticBronze } from './testing.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 9, 1);
const A = 'station-a';
const B = 'reference-b';
const at = (h: number, m = 0) => T0 + h * HOUR + m * 60_000;

const faults = {
  spike: { at: at(10), delta: 15 },
  stuck: { from: at(12), to: at(14), value: 21.5 },
  deadPms: { from: at(16), to: at(17), value: 7 },
  gap: { from: at(20), to: at(23) },
  unsynced: { from: at(0), to: at(1) },
  // Named and placed on the first day, renamed and moved on the second: the newest wins in `stations`.
  place: (t: number) =>
    t < at(24)
      ? { name: 'Roof', latitude: 52.1, longitude: 4.3 }
      : { name: 'Roof, north side', latitude: -33.8688, longitude: 151.2093 },
  // Smoke on the second morning, for the AQI.
  pm25: (t: number) => (t >= at(30) && t < at(36) ? 80 + 10 * Math.sin(t / 600_000) : 6 + Math.sin(t / HOUR)),
};

let dir: string;
let bronze: string;
let lakehouse: string;
let db: Engine;

function files(root: string): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.parquet') || e.name === 'catalog.json')
        out.set(relative(root, p), statSync(p).mtimeMs);
    }
  };
  walk(root);
  return out;
}

const silverGlob = () =>
  `read_parquet('${lakehouse}/silver/readings/**/*.parquet', hive_partitioning = true)`;
const goldGlob = (t: string) =>
  `read_parquet('${lakehouse}/gold/${t}/**/*.parquet', hive_partitioning = true)`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'os-lake-'));
  bronze = join(dir, 'output');
  lakehouse = join(dir, 'lakehouse');
  db = await openEngine({ threads: 2 });
  // Station A: our writer, two days with every fault.
  await writeSyntheticBronze({ root: bronze, station: A, from: T0, to: T0 + 48 * HOUR, ...faults });
  // The same window uploaded twice: a copy under a second name in the same day.
  const day1 = join(bronze, `station=${A}`, 'year=2026', 'month=10', 'day=01');
  copyFileSync(join(day1, 'data_1015.parquet'), join(day1, 'data_1015_999999.parquet'));
  // Station B: the reference collector's files (no footer metadata), its 23:45–24:00 window filed
  // under the next day's folder.
  const rows: (Record<string, number> & { t: number })[] = [];
  for (let t = T0; t < T0 + 25 * HOUR; t += 5000) rows.push({ t, ...syntheticReading(t) });
  const values = rows.map(
    (r) => `(epoch_ms(${r.t})::TIMESTAMPTZ, ${r.temperature}, ${r.humidity}, ${r.pm1}, ${r.pm25}, ${r.pm10})`,
  );
  await db.run(
    `CREATE TABLE ref AS SELECT * FROM (VALUES ${values.join(',')}) v(timestamp, temperature, humidity, pm1, pm25, pm10)`,
  );
  for (let w = T0; w < T0 + 25 * HOUR; w += 15 * 60_000) {
    const end = new Date(w + 15 * 60_000);
    const created = new Date(w + 15 * 60_000); // the file is created when its window ends
    const d = join(
      bronze,
      `station=${B}`,
      `year=${created.getUTCFullYear()}`,
      `month=${String(created.getUTCMonth() + 1).padStart(2, '0')}`,
      `day=${String(created.getUTCDate()).padStart(2, '0')}`,
    );
    mkdirSync(d, { recursive: true });
    const name = `data_${String(end.getUTCHours()).padStart(2, '0')}${String(end.getUTCMinutes()).padStart(2, '0')}.parquet`;
    await db.run(
      `COPY (SELECT timestamp, temperature::DOUBLE AS temperature, humidity::DOUBLE AS humidity, pm1::DOUBLE AS pm1, pm25::DOUBLE AS pm25, pm10::DOUBLE AS pm10
             FROM ref WHERE timestamp >= epoch_ms(${w})::TIMESTAMPTZ AND timestamp < epoch_ms(${w + 15 * 60_000})::TIMESTAMPTZ ORDER BY timestamp)
       TO '${join(d, name)}' (FORMAT parquet)`,
    );
  }
}, 120_000);

afterAll(() => db?.close());

describe('buildLakehouse over a bronze lake with injected faults', () => {
  let first: Awaited<ReturnType<typeof buildLakehouse>>;
  beforeAll(async () => {
    first = await buildLakehouse({ from: bronze, lakehouse, engine: { threads: 2 } });
  }, 120_000);

  it('silver holds exactly the distinct (station, timestamp) of bronze, once each, sorted, by their own day', async () => {
    const [b] = await db.rows(
      `SELECT count(*)::INTEGER AS n, count(DISTINCT (station, timestamp))::INTEGER AS d FROM read_parquet('${bronze}/**/*.parquet', hive_partitioning = true, union_by_name = true)`,
    );
    const [s] = await db.rows(
      `SELECT count(*)::INTEGER AS n, count(DISTINCT (station, timestamp))::INTEGER AS d FROM ${silverGlob()}`,
    );
    expect(b?.n).toBeGreaterThan(Number(b?.d)); // the copied file
    expect(s).toEqual({ n: b?.d, d: b?.d });
    expect(first.duplicatesRemoved).toBe(180);
    // Station B's last window of the 1st sits in the 2nd's folder; silver files it under the 1st.
    const days = await db.rows(
      `SELECT station, day::INTEGER AS day, count(*)::INTEGER AS n,
              bool_and(CAST(timestamp AS DATE) = make_date(2026, 10, day::INTEGER)) AS own_day
       FROM ${silverGlob()} GROUP BY ALL ORDER BY ALL`,
    );
    expect(days.map((r) => [r.station, r.day, r.n, r.own_day])).toEqual([
      [B, 1, 17_280, true],
      [B, 2, 720, true],
      [A, 1, 17_280 - 3 * 720, true],
      [A, 2, 17_280, true],
    ]);
    const [unsorted] = await db.rows(
      `SELECT count(*)::INTEGER AS n FROM (SELECT timestamp < lag(timestamp) OVER () AS back FROM read_parquet('${lakehouse}/silver/readings/station=${A}/year=2026/month=10/day=01/data.parquet')) WHERE back`,
    );
    expect(unsorted?.n).toBe(0);
  });

  it('flags each injected fault, and nothing else on station A', async () => {
    const q = async (where: string) =>
      (
        await db.rows(
          `SELECT count(*)::INTEGER AS n FROM ${silverGlob()} WHERE station = '${A}' AND ${where}`,
        )
      )[0]?.n;
    const ts = (t: number) => `epoch_ms(${t})::TIMESTAMPTZ`;
    // The spike fails, its neighbours do not.
    expect(await q(`timestamp = ${ts(faults.spike.at)} AND temperature_qc = 4`)).toBe(1);
    expect(
      await q(
        `timestamp IN (${ts(faults.spike.at - 5000)}, ${ts(faults.spike.at + 5000)}) AND temperature_qc = 1`,
      ),
    ).toBe(2);
    // Stuck for 1440 readings: suspect from the 120th, failed from the 720th.
    const stuck = `timestamp >= ${ts(faults.stuck.from)} AND timestamp < ${ts(faults.stuck.to)}`;
    expect(await q(`${stuck} AND temperature_qc = 3`)).toBe(600);
    expect(await q(`${stuck} AND temperature_qc = 4`)).toBe(721);
    // The dead PMS5003: all three PM values fail for the hour.
    const dead = `timestamp >= ${ts(faults.deadPms.from)} AND timestamp < ${ts(faults.deadPms.to)}`;
    expect(await q(`${dead} AND pm1_qc = 4 AND pm25_qc = 4 AND pm10_qc = 4 AND qc = 4`)).toBe(720);
    // Readings before the clock was synchronised: suspect timestamps.
    expect(await q(`timestamp_qc = 3`)).toBe(720);
    expect(await q(`timestamp < ${ts(at(1))} AND qc = 3`)).toBe(720);
    // Nothing else.
    const injected = `(timestamp = ${ts(faults.spike.at)} OR (${stuck}) OR (${dead}) OR timestamp < ${ts(at(1))})`;
    expect(await q(`NOT ${injected} AND qc <> 1`)).toBe(0);
    // Failed values are kept, not dropped.
    expect(await q(`timestamp = ${ts(faults.spike.at)} AND temperature > 30`)).toBe(1);
  });

  it('gold hourly and daily equal an independent query over silver', async () => {
    for (const [table, period] of [
      ['hourly', 'hour'],
      ['daily', 'day'],
    ] as const) {
      const expected = await db.rows(
        `SELECT station, date_trunc('${period}', timestamp) AS p, count(*)::BIGINT AS readings, count(*) FILTER (WHERE qc = 4)::BIGINT AS failed,
                avg(temperature) FILTER (WHERE temperature_qc <> 4 AND temperature IS NOT NULL) AS t_mean,
                max(pm25) FILTER (WHERE pm25_qc <> 4 AND pm25 IS NOT NULL)::DOUBLE AS pm_max
         FROM ${silverGlob()} GROUP BY ALL ORDER BY ALL`,
      );
      const gold = await db.rows(
        `SELECT station, ${period} AS p, readings, failed, temperature_mean AS t_mean, pm25_max AS pm_max FROM ${goldGlob(table)} ORDER BY ALL`,
      );
      expect(gold.length).toBe(expected.length);
      gold.forEach((g, i) => {
        const e = expected[i] as Record<string, unknown>;
        expect({ ...g, t_mean: Number(g.t_mean).toFixed(9) }).toEqual({
          ...e,
          t_mean: Number(e.t_mean).toFixed(9),
        });
      });
    }
  });

  it('aqi_hourly is the EPA NowCast and AQI of the hourly means', async () => {
    const hourly = await db.rows(
      `SELECT epoch_ms(hour)::DOUBLE AS h, pm25_mean, pm10_mean FROM ${goldGlob('hourly')} WHERE station = '${A}' ORDER BY h`,
    );
    const aqiRows = await db.rows(
      `SELECT epoch_ms(hour)::DOUBLE AS h, pm25_nowcast, aqi_pm25, aqi_pm10, aqi, category FROM ${goldGlob('aqi_hourly')} WHERE station = '${A}' ORDER BY h`,
    );
    const byHour = new Map(hourly.map((r) => [Number(r.h), r]));
    expect(aqiRows.length).toBe(hourly.length);
    let smoky = 0;
    for (const r of aqiRows) {
      const series = (col: 'pm25_mean' | 'pm10_mean') =>
        Array.from({ length: 12 }, (_, i) => {
          const v = byHour.get(Number(r.h) - i * HOUR)?.[col];
          return v === null || v === undefined ? null : Number(v);
        });
      const n25 = nowcast(series('pm25_mean'));
      const n10 = nowcast(series('pm10_mean'));
      if (n25 === null) expect(r.pm25_nowcast).toBeNull();
      else expect(Number(r.pm25_nowcast)).toBeCloseTo(n25, 6);
      expect(r.aqi_pm25 === null ? null : Number(r.aqi_pm25)).toBe(aqi('pm25', n25));
      expect(r.aqi_pm10 === null ? null : Number(r.aqi_pm10)).toBe(aqi('pm10', n10));
      const overall = [aqi('pm25', n25), aqi('pm10', n10)].filter((x): x is number => x !== null);
      const worst = overall.length ? Math.max(...overall) : null;
      expect(r.aqi === null ? null : Number(r.aqi)).toBe(worst);
      expect(r.category).toBe(aqiCategory(worst));
      if (worst !== null && worst > 150) smoky++;
    }
    expect(smoky).toBeGreaterThan(3);
  });

  it('station_health_daily and stations describe uptime, gaps and the last health record', async () => {
    const health = await db.rows(
      `SELECT expected::INTEGER AS expected, received::INTEGER AS received, longest_gap_s::INTEGER AS gap,
              temperature_failed::INTEGER AS tf, pm25_failed::INTEGER AS pf, clock_unsynced_records::INTEGER AS unsynced
       FROM ${goldGlob('station_health_daily')} WHERE station = '${A}' ORDER BY day`,
    );
    expect(health.map((h) => [h.expected, h.received, h.gap, h.tf, h.pf, h.unsynced])).toEqual([
      [17_280, 17_280 - 2160, 3 * 3600 + 5, 722, 720, 60],
      [17_280, 17_280, 5, 0, 0, 0],
    ]);
    const stations = await db.rows(
      `SELECT station, board, readings::INTEGER AS readings, name, latitude, longitude FROM ${goldGlob('stations')} ORDER BY station`,
    );
    // B has no health stream: no name, no place.
    const unplaced = { name: null, latitude: null, longitude: null };
    expect(stations).toEqual(
      [
        { station: B, board: 'enviroplus', readings: 18_000, ...unplaced },
        {
          station: A,
          board: 'enviroplus',
          readings: 2 * 17_280 - 2160,
          name: 'Roof, north side',
          latitude: -33.8688,
          longitude: 151.2093,
        },
      ].sort((x, y) => (x.station < y.station ? -1 : 1)),
    );
  });

  it("hourly and daily count each measurement's failed values, as the day's health row does", async () => {
    const sums = await db.rows(
      `SELECT h.day, h.tf::INTEGER AS hourly_tf, d.temperature_failed::INTEGER AS daily_tf, s.temperature_failed::INTEGER AS health_tf,
              h.pf::INTEGER AS hourly_pf, s.pm25_failed::INTEGER AS health_pf
       FROM (SELECT date_trunc('day', hour) AS day, sum(temperature_failed) AS tf, sum(pm25_failed) AS pf
             FROM ${goldGlob('hourly')} WHERE station = '${A}' GROUP BY ALL) h
       JOIN ${goldGlob('daily')} d ON d.station = '${A}' AND d.day = h.day
       JOIN ${goldGlob('station_health_daily')} s ON s.station = '${A}' AND s.day = h.day
       ORDER BY h.day`,
    );
    expect(sums.map((r) => [r.hourly_tf, r.daily_tf, r.health_tf, r.hourly_pf, r.health_pf])).toEqual([
      [722, 722, 722, 720, 720],
      [0, 0, 0, 0, 0],
    ]);
    // The spike's hour alone: one failed temperature.
    const [spike] = await db.rows(
      `SELECT temperature_failed::INTEGER AS n FROM ${goldGlob('hourly')} WHERE station = '${A}' AND hour = epoch_ms(${at(10)})::TIMESTAMPTZ`,
    );
    expect(spike?.n).toBeGreaterThanOrEqual(1);
  });

  it('a second build does nothing and touches no file', async () => {
    const before = files(lakehouse);
    const again = await buildLakehouse({ from: bronze, lakehouse });
    expect(again).toMatchObject({ upToDate: true, stationDays: 0, newFiles: 0, changedFiles: 0 });
    expect(files(lakehouse)).toEqual(before);
  });

  it('a late file rebuilds exactly its station-day and the gold periods that depend on it', async () => {
    const before = files(lakehouse);
    // The station was back for a quarter of an hour inside the gap; the file arrives late.
    await writeSyntheticBronze({
      root: bronze,
      station: A,
      from: at(21),
      to: at(21, 15),
      firstSeq: 10_000_000,
    });
    const late = await buildLakehouse({ from: bronze, lakehouse });
    expect(late).toMatchObject({ upToDate: false, newFiles: 2, stationDays: 1, rows: 17_280 - 2160 + 180 });
    const after = files(lakehouse);
    const changed = [...after]
      .filter(([p, m]) => before.get(p) !== m)
      .map(([p]) => p)
      .sort();
    expect(changed).toEqual(
      [
        'catalog.json',
        `silver/readings/station=${A}/year=2026/month=10/day=01/data.parquet`,
        `silver/health/station=${A}/year=2026/month=10/day=01/data.parquet`,
        ...['aqi_hourly', 'daily', 'hourly', 'station_health_daily'].map(
          (t) => `gold/${t}/station=${A}/year=2026/month=10/data.parquet`,
        ),
        `gold/stations/station=${A}/data.parquet`,
      ].sort(),
    );
    const [n] = await db.rows(
      `SELECT count(*)::INTEGER AS n FROM ${silverGlob()} WHERE station = '${A}' AND day = 1`,
    );
    expect(n?.n).toBe(17_280 - 2160 + 180);
  });

  it('the catalog lists every silver and gold file with its rows and checksum', async () => {
    const { loadCatalog } = await import('./catalog.js');
    const catalog = await loadCatalog(join(lakehouse, 'catalog.json'));
    const onDisk = [...files(lakehouse).keys()].filter((p) => p.endsWith('.parquet')).sort();
    expect(catalog.files.map((e) => e.path)).toEqual(onDisk);
    for (const e of catalog.files) {
      const [r] = await db.rows(
        `SELECT count(*)::INTEGER AS n FROM read_parquet('${join(lakehouse, e.path)}')`,
      );
      expect(r?.n).toBe(e.rows);
    }
  });
});
