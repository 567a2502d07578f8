import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { SENSOR_SCHEMA } from '@opensensor/parquet-hive-writer';
import { type LakeReader, lakeGlob, openLakeReader } from '@opensensor/parquet-hive-writer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duplicateReadings, lakeColumnTypes, listFiles } from './lake.js';
import { runCli, type TempDir, tempDir } from './processes.js';

// 26 hours that cross midnight, and with it the year, month and day partitions.
const START = Date.UTC(2025, 11, 31, 10);
const END = START + 26 * 3_600_000;
const READINGS_PER_HOUR = 720; // every 5 s, the default
const pad = (n: number) => String(n).padStart(2, '0');

describe('opensensor-sim backfill: two stations over 26 hours across midnight', () => {
  let dir: TempDir;
  let output: string;
  let reader: LakeReader;
  let summary: { rows: number; files: number; stations: number; stationIds: string[]; output: string };

  beforeAll(async () => {
    dir = tempDir('backfill');
    output = join(dir.path, 'output');
    const r = await runCli(
      'sim',
      [
        'backfill',
        '--stations',
        '2',
        '--start',
        new Date(START).toISOString(),
        '--end',
        new Date(END).toISOString(),
        '--output',
        output,
        '--json',
      ],
      { cwd: dir.path, env: { OPENSENSOR_STATE_DIR: join(dir.path, 'state') }, timeoutMs: 90_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    summary = JSON.parse(r.stdout);
    reader = await openLakeReader();
  }, 120_000);

  afterAll(() => {
    reader?.close();
    dir?.remove();
  });

  it('reports what it wrote: 2 x 26 h x 720 readings in 2 x 104 fifteen-minute files', () => {
    expect(summary).toMatchObject({ stations: 2, rows: 2 * 26 * READINGS_PER_HOUR, files: 2 * 104, output });
    expect(new Set(summary.stationIds).size).toBe(2);
  });

  it('DuckDB reads exactly the expected rows per station and partition, with no duplicates', async () => {
    const rows = await reader.rows(
      `SELECT station, year::INTEGER AS year, month::INTEGER AS month, day::INTEGER AS day,
              count(*)::INTEGER AS n, count(DISTINCT timestamp)::INTEGER AS distinct_ts,
              min(epoch_ms(timestamp))::DOUBLE AS first, max(epoch_ms(timestamp))::DOUBLE AS last
       FROM ${lakeGlob(output)} GROUP BY ALL ORDER BY ALL`,
    );
    const midnight = Date.UTC(2026, 0, 1);
    const expected = summary.stationIds
      .slice()
      .sort()
      .flatMap((station) => [
        // 10:00-24:00 on New Year's Eve, then 00:00-12:00 on New Year's Day.
        {
          station,
          year: 2025,
          month: 12,
          day: 31,
          n: 14 * 720,
          distinct_ts: 14 * 720,
          first: START,
          last: midnight - 5000,
        },
        {
          station,
          year: 2026,
          month: 1,
          day: 1,
          n: 12 * 720,
          distinct_ts: 12 * 720,
          first: midnight,
          last: END - 5000,
        },
      ]);
    expect(rows).toEqual(expected);
    expect(await duplicateReadings(reader, output)).toEqual([]);
    // Partition folders are zero-padded on disk, as the reference collector writes them.
    const dirs = new Set(listFiles(output).map((f) => f.split('/').slice(1, 4).join('/')));
    expect([...dirs].sort()).toEqual(['year=2025/month=12/day=31', 'year=2026/month=01/day=01']);
  });

  it('has the lake contract types: timestamp WITH TIME ZONE, FLOAT measurements, hive partitions', async () => {
    const types = await lakeColumnTypes(reader, output);
    expect(types.timestamp).toBe('TIMESTAMP WITH TIME ZONE');
    for (const c of SENSOR_SCHEMA.columns) expect([c.name, types[c.name]]).toEqual([c.name, 'FLOAT']);
    expect(Object.keys(types).sort()).toEqual(
      ['timestamp', ...SENSOR_SCHEMA.columns.map((c) => c.name), 'station', 'year', 'month', 'day'].sort(),
    );
    // Every measurement has values (the simulator's sensors all answer without faults).
    const nulls = await reader.rows(
      `SELECT ${SENSOR_SCHEMA.columns.map((c) => `count(${c.name})::INTEGER AS ${c.name}`).join(', ')} FROM ${lakeGlob(output)}`,
    );
    for (const [name, n] of Object.entries(nulls[0] ?? {})) expect([name, n]).toEqual([name, summary.rows]);
  });

  it('writes one file per 15-minute window, named for its end, holding exactly that window', async () => {
    const files = listFiles(output);
    expect(files.every((f) => /\/data_\d{4}\.parquet$/.test(f))).toBe(true); // no temp files left over
    const perFile = await reader.rows(
      `SELECT filename, count(*)::INTEGER AS n, min(epoch_ms(timestamp))::DOUBLE AS first,
              max(epoch_ms(timestamp))::DOUBLE AS last
       FROM read_parquet('${output}/**/*.parquet', hive_partitioning=true, filename=true) GROUP BY ALL`,
    );
    expect(perFile).toHaveLength(2 * 104);
    for (const f of perFile) {
      const m = /station=([^/]+)\/year=(\d{4})\/month=(\d\d)\/day=(\d\d)\/data_(\d\d)(\d\d)\.parquet$/.exec(
        String(f.filename),
      );
      expect(m, String(f.filename)).not.toBeNull();
      const [, , y, mo, d, hh, mm] = (m as RegExpExecArray).map(Number) as number[];
      // data_0000 in a day's folder is that day's last window (23:45-24:00).
      const dayStart = Date.UTC(y as number, (mo as number) - 1, d as number);
      const end =
        hh === 0 && mm === 0
          ? dayStart + 86_400_000
          : dayStart + ((hh as number) * 60 + (mm as number)) * 60_000;
      expect({ file: f.filename, n: f.n, first: f.first, last: f.last }).toEqual({
        file: f.filename,
        n: 180,
        first: end - 900_000,
        last: end - 5000,
      });
    }
    const perDay = (day: string) => files.filter((f) => f.includes(day)).length;
    // Per station: 10:15 .. 23:45 and 00:00 on the 31st (56), 00:15 .. 12:00 on the 1st (48).
    expect(perDay('year=2025/month=12/day=31/')).toBe(2 * 56);
    expect(perDay('year=2026/month=01/day=01/')).toBe(2 * 48);
    expect(files.filter((f) => f.endsWith(`data_${pad(0)}${pad(0)}.parquet`))).toHaveLength(2);
  });

  it('writes the health stream beside the lake: one record per 12 readings, in the same partitions', async () => {
    const health = `${output}-health`;
    const rows = await reader.rows(
      `SELECT station, count(*)::INTEGER AS n, count(DISTINCT timestamp)::INTEGER AS distinct_ts
       FROM ${lakeGlob(health)} GROUP BY ALL ORDER BY ALL`,
    );
    expect(rows).toEqual(
      summary.stationIds
        .slice()
        .sort()
        .map((station) => ({
          station,
          n: (26 * READINGS_PER_HOUR) / 12,
          distinct_ts: (26 * READINGS_PER_HOUR) / 12,
        })),
    );
    const types = await lakeColumnTypes(reader, health);
    expect(types.timestamp).toBe('TIMESTAMP WITH TIME ZONE');
    expect(listFiles(health).filter((f) => /\/health_\d{4}\.parquet$/.test(f))).toHaveLength(2 * 104);
  });

  // Last: it changes the lake. The other tests' "no duplicate" would be worthless if the query missed one.
  it('the duplicate check finds a window written twice under another name', async () => {
    const file = listFiles(output).find((f) => f.endsWith('/data_1015.parquet')) as string;
    copyFileSync(join(output, file), join(output, file.replace('data_1015', 'data_1015_copy')));
    const dups = await duplicateReadings(reader, output);
    expect(dups).toHaveLength(20); // the query's limit; the window has 180
    expect(dups.every((d) => d.n === 2 && file.startsWith(`station=${d.station}/`))).toBe(true);
  });
});
