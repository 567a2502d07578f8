import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SENSOR_SCHEMA } from '@opensensor/parquet-hive-writer';
import { lakeGlob, openLakeReader } from '@opensensor/parquet-hive-writer/testing';
import { SimulatedEnviroplus } from '@opensensor/simulation';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from './clock.js';
import { Station, type StationOptions } from './station.js';

const STATION = '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f';
const FROM = Date.UTC(2026, 10, 26, 10, 0, 0);
const MIN = 60_000;

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function options(clock: SimulatedClock): StationOptions {
  return {
    stationId: STATION,
    board: new SimulatedEnviroplus({ seed: 5, now: () => clock.now() }),
    schema: SENSOR_SCHEMA,
    clock,
    stateDir: join(dir, 'state'),
    outputDir: join(dir, 'output'),
    healthDir: join(dir, 'output-health'),
    readIntervalMs: 5000,
    batchDurationSec: 900,
    compression: 'zstd',
    fsync: 'always',
    health: null,
  };
}

describe('a lake cursor edited past the end of the journal', () => {
  it('does not skip the readings still in the journal: they reach the lake, once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'os-cursor-past-end-'));
    // 10:00-10:15 written to the lake; 10:15-10:25 journaled, not yet written (the window is open).
    let clock = new SimulatedClock(FROM);
    let station = await Station.open(options(clock));
    await station.backfill({ from: FROM, to: FROM + 15 * MIN });
    for (let t = FROM + 15 * MIN; t < FROM + 25 * MIN; t += 5000) {
      await clock.sleepUntil(t);
      expect(await station.takeReading()).not.toBeNull();
    }
    const lastSeq = station.journal.stats().lastSeq;
    await station.close();

    writeFileSync(
      join(dir, 'state', 'journal', 'cursors', 'parquet.json'),
      JSON.stringify({ consumer: 'parquet', seq: lastSeq + 1_000_000, committedAt: '2026-11-26T10:25:00Z' }),
    );

    // The next start goes on to 10:30 and writes everything.
    clock = new SimulatedClock(FROM + 25 * MIN);
    station = await Station.open(options(clock));
    await station.backfill({ from: FROM + 25 * MIN, to: FROM + 30 * MIN });
    await station.close();

    const db = await openLakeReader();
    try {
      const rows = await db.rows(
        `SELECT count(*)::INT n, count(DISTINCT timestamp)::INT u, epoch_ms(min(timestamp))::DOUBLE t0, epoch_ms(max(timestamp))::DOUBLE t1 FROM ${lakeGlob(join(dir, 'output'))}`,
      );
      // Every 5 s from 10:00:00 to 10:29:55, each once (before, the 120 readings of 10:15-10:25 were skipped).
      expect(rows).toEqual([{ n: 360, u: 360, t0: FROM, t1: FROM + 30 * MIN - 5000 }]);
    } finally {
      db.close();
    }
  });
});
