import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@opensensor/config';
import { type LakeReader, lakeGlob, openLakeReader } from '@opensensor/parquet-hive-writer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from './clock.js';
import { stationFromConfig } from './from-config.js';
import { BoardError } from './open-board.js';
import { type BoardKind, schemaForBoard } from './schemas.js';

const STATION = '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f';
let db: LakeReader;
beforeAll(async () => {
  db = await openLakeReader();
});
afterAll(() => db.close());

function config(dir: string, board: string, env: Record<string, string> = {}) {
  return loadConfig({
    cwd: dir,
    envFile: false,
    env: {
      OPENSENSOR_STATION_ID: STATION,
      OPENSENSOR_BOARD: board,
      OPENSENSOR_HEALTH_ENABLED: 'false',
      ...env,
    },
  }).config;
}

describe('stationFromConfig', () => {
  it.each([
    ['compact', undefined, 'BYTE_STREAM_SPLIT'],
    ['plain', 'plain', 'PLAIN'],
  ] as const)(
    'OPENSENSOR_PARQUET_ENCODINGS %s: the lake files carry that layout',
    async (_name, value, floats) => {
      const dir = mkdtempSync(join(tmpdir(), 'os-encodings-'));
      const from = Date.UTC(2026, 10, 27, 10, 0, 0);
      const station = await stationFromConfig({
        config: config(dir, 'enviroplus', value ? { OPENSENSOR_PARQUET_ENCODINGS: value } : {}),
        clock: new SimulatedClock(from),
        simulate: { seed: 5 },
        trustClock: true,
      });
      await station.backfill({ from, to: from + 15 * 60_000 });
      await station.close();
      const rows = await db.rows(
        `SELECT path_in_schema AS c, encodings AS e FROM parquet_metadata('${join(dir, 'output')}/**/*.parquet')`,
      );
      expect(rows.length).toBeGreaterThan(1);
      for (const r of rows.filter((r) => r.c !== 'timestamp'))
        expect(String(r.e), String(r.c)).toContain(floats);
      expect(String(rows.find((r) => r.c === 'timestamp')?.e)).toContain(
        value ? 'PLAIN' : 'DELTA_BINARY_PACKED',
      );
    },
  );

  it.each(['enviroplus', 'sensehat', 'breakout'] as BoardKind[])(
    'a simulated %s writes its own lake columns, all FLOAT, with readings in them',
    async (board) => {
      const dir = mkdtempSync(join(tmpdir(), `os-board-${board}-`));
      const from = Date.UTC(2026, 10, 27, 10, 0, 0);
      const clock = new SimulatedClock(from);
      const station = await stationFromConfig({
        config: config(dir, board),
        clock,
        simulate: { seed: 5 },
        trustClock: true,
      });
      await station.backfill({ from, to: from + 15 * 60_000 });
      await station.close();
      const schema = schemaForBoard(board);
      const described = await db.rows(`DESCRIBE SELECT * FROM ${lakeGlob(join(dir, 'output'))}`);
      const columns = described.map((d) => d.column_name);
      expect(columns.slice(0, schema.columns.length + 1)).toEqual([
        'timestamp',
        ...schema.columns.map((c) => c.name),
      ]);
      for (const c of schema.columns)
        expect(described.find((d) => d.column_name === c.name)?.column_type).toBe('FLOAT');
      const first = schema.columns[0]?.name as string;
      const [row] = await db.rows(
        `SELECT count(*)::INT n, count("${first}")::INT v FROM ${lakeGlob(join(dir, 'output'))}`,
      );
      expect(row).toEqual({ n: 180, v: 180 });
      const [meta] = await db.rows(
        `SELECT decode(value) AS v FROM parquet_kv_metadata('${join(dir, 'output')}/**/*.parquet') WHERE decode(key) = 'opensensor.schema'`,
      );
      expect(meta?.v).toBe(board);
    },
  );

  it('refuses to switch a station to another board, saying what to do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-board-switch-'));
    const clock = new SimulatedClock(Date.UTC(2026, 10, 27));
    const first = await stationFromConfig({
      config: config(dir, 'enviroplus'),
      clock,
      simulate: { seed: 1 },
      trustClock: true,
    });
    await first.close();
    await expect(
      stationFromConfig({ config: config(dir, 'sensehat'), clock, simulate: { seed: 1 }, trustClock: true }),
    ).rejects.toThrow(BoardError);
    await expect(
      stationFromConfig({ config: config(dir, 'sensehat'), clock, simulate: { seed: 1 }, trustClock: true }),
    ).rejects.toThrow(
      /has written enviroplus files; a sensehat board would mix two schemas .* its own station id/,
    );
    // The same board again is fine.
    const again = await stationFromConfig({
      config: config(dir, 'enviroplus'),
      clock,
      simulate: { seed: 1 },
      trustClock: true,
    });
    await again.close();
  });
});
