import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@opensensor/config';
import { lakeGlob, openLakeReader } from '@opensensor/parquet-hive-writer/testing';
import { generateKeyPair } from '@opensensor/snowpipe-client';
import { startFakeSnowpipeServer } from '@opensensor/snowpipe-client/testing';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from './clock.js';
import { stationFromConfig } from './from-config.js';
import { type BoardKind, schemaForBoard } from './schemas.js';

const STATION = '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f';
const keys = generateKeyPair();

describe('every board end to end: simulated readings into the lake and into Snowflake', () => {
  it.each(['enviroplus', 'sensehat', 'breakout'] as BoardKind[])('%s', async (board) => {
    const server = await startFakeSnowpipeServer({
      account: 'myorg-acct',
      user: 'SENSOR',
      publicKeyPem: keys.publicKeyPem,
      commitDelayMs: 10,
    });
    const db = await openLakeReader();
    try {
      const dir = mkdtempSync(join(tmpdir(), `os-e2e-${board}-`));
      writeFileSync(join(dir, 'key.p8'), keys.privateKeyPem);
      chmodSync(join(dir, 'key.p8'), 0o600);
      const config = loadConfig({
        cwd: dir,
        envFile: false,
        env: {
          OPENSENSOR_STATION_ID: STATION,
          OPENSENSOR_BOARD: board,
          OPENSENSOR_HEALTH_ENABLED: 'false',
          OPENSENSOR_SNOWFLAKE_ENABLED: 'true',
          OPENSENSOR_SNOWFLAKE_ACCOUNT: 'myorg-acct',
          OPENSENSOR_SNOWFLAKE_USER: 'SENSOR',
          OPENSENSOR_SNOWFLAKE_URL: server.url,
          OPENSENSOR_SNOWFLAKE_DATABASE: 'DB',
          OPENSENSOR_SNOWFLAKE_SCHEMA: 'RAW',
          OPENSENSOR_SNOWFLAKE_PIPE: 'READINGS',
          OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_FILE: 'key.p8',
        },
      }).config;
      const from = Date.UTC(2026, 10, 27, 6, 0, 0);
      const clock = new SimulatedClock(from);
      const station = await stationFromConfig({ config, clock, simulate: { seed: 8 }, trustClock: true });
      await station.backfill({ from, to: from + 30 * 60_000 });
      await station.close();

      const rows = server.rows(config.snowflakeChannel);
      expect(rows).toHaveLength(360);
      const columns = schemaForBoard(board).columns.map((c) => c.name);
      expect(Object.keys(rows[0] ?? {}).sort()).toEqual(['station_id', 'timestamp', ...columns].sort());
      const lake = await db.rows(
        `SELECT epoch_ms(timestamp)::BIGINT t FROM ${lakeGlob(join(dir, 'output'))} ORDER BY t`,
      );
      expect(lake.map((r) => new Date(Number(r.t)).toISOString())).toEqual(
        rows.map((r) => r.timestamp).sort(),
      );
    } finally {
      db.close();
      await server.stop();
    }
  });
});
