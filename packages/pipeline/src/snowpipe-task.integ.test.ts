import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '@opensensor/buffer';
import { HEALTH_SCHEMA, SENSOR_SCHEMA } from '@opensensor/parquet-hive-writer';
import { generateKeyPair, SnowpipeClient, SnowpipeSink } from '@opensensor/snowpipe-client';
import { startFakeSnowpipeServer } from '@opensensor/snowpipe-client/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from './clock.js';
import { encodeClockSynced, encodeHealth, encodeReading } from './records.js';
import { float32ToNumber, SnowpipeTask } from './snowpipe-task.js';

const STATION = '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f';
const COLUMNS = SENSOR_SCHEMA.columns.map((c) => c.name);
const HEALTH_COLUMNS = HEALTH_SCHEMA.columns.map((c) => c.name);
const T0 = Date.UTC(2026, 10, 27, 8, 0, 0);
const keys = generateKeyPair();
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function setup() {
  const server = await startFakeSnowpipeServer({
    account: 'myorg-acct',
    user: 'SENSOR',
    publicKeyPem: keys.publicKeyPem,
    commitDelayMs: 20,
  });
  stops.push(() => server.stop());
  const dir = mkdtempSync(join(tmpdir(), 'os-snowpipe-task-'));
  const journal = await Journal.open({ dir, fsync: 'never', consumers: ['snowpipe', 'snowpipe-health'] });
  stops.push(() => journal.close());
  const task = (kind: 'reading' | 'health' = 'reading') => {
    const client = new SnowpipeClient({
      maxRetries: 1,
      retryBaseDelayMs: 5,
      account: 'myorg-acct',
      user: 'SENSOR',
      url: server.url,
      auth: { privateKey: keys.privateKeyPem },
      database: 'DB',
      schema: 'RAW',
      pipe: kind === 'health' ? 'HEALTH' : 'READINGS',
    });
    const channel = `opensensor_${STATION}${kind === 'health' ? '_health' : ''}`;
    const sink = new SnowpipeSink({ client, channel, pollIntervalMs: 20 });
    return new SnowpipeTask({
      sink,
      kind,
      stationId: STATION,
      columns: kind === 'health' ? HEALTH_COLUMNS : COLUMNS,
      ...(kind === 'health' ? { constants: { hostname: 'pi-roof', station_name: 'Roof' } } : {}),
      clock: systemClock,
      batchIntervalMs: 20,
    });
  };
  return { server, journal, task, dir };
}

const reading = (i: number) =>
  encodeReading(
    COLUMNS.map((_, c) => (c === 2 ? null : 20 + i / 100 + c)),
    { timestamp: T0 + i * 5000, monotonic: i, bootTag: 1, unsynced: false },
  );

describe('SnowpipeTask', () => {
  it('streams every reading exactly once, skipping health records, and follows the commit with the cursor', async () => {
    const { server, journal, task } = await setup();
    const records = [];
    for (let i = 0; i < 50; i++) {
      records.push(reading(i));
      if (i % 12 === 11)
        records.push(
          encodeHealth({ cpu_temp_c: 50 }, { timestamp: T0, monotonic: 0, bootTag: 1, unsynced: false }),
        );
    }
    await journal.appendBatch(records);
    await task().drain(journal, { final: true });
    const rows = server.rows(`opensensor_${STATION}`);
    expect(rows).toHaveLength(50);
    expect(new Set(rows.map((r) => r.timestamp)).size).toBe(50);
    expect(rows[0]).toMatchObject({
      station_id: STATION,
      timestamp: '2026-11-27T08:00:00.000Z',
      temperature: 20,
      pressure: null,
      raw_temperature: 21,
    });
    expect(rows[1]?.temperature).toBe(20.01);
    expect(journal.cursor('snowpipe')).toBe(journal.stats().lastSeq);
  });

  it('streams the health records on their own channel, exactly once across a restart, with host and station name', async () => {
    const { server, journal, task } = await setup();
    const health = (i: number) =>
      encodeHealth(
        {
          cpu_temp_c: 50 + i,
          wifi_ssid: 'lab',
          clock_synced: true,
          uptime_seconds: 100 + i,
          ntp_offset_ms: Number.NaN,
        },
        { timestamp: T0 + i * 60_000, monotonic: i, bootTag: 1, unsynced: false },
      );
    const batch = (from: number) =>
      Array.from({ length: 24 }, (_, i) => (i % 6 === 5 ? health(from + i) : reading(from + i)));
    await journal.appendBatch(batch(0));
    await Promise.all([
      task('reading').drain(journal, { final: true }),
      task('health').drain(journal, { final: true }),
    ]);
    // A restarted agent: new tasks resume after what each channel committed.
    await journal.appendBatch(batch(24));
    await task('health').drain(journal, { final: true });
    await task('reading').drain(journal, { final: true });
    const rows = server.rows(`opensensor_${STATION}_health`);
    expect(rows.map((r) => r.uptime_seconds)).toEqual([105, 111, 117, 123, 129, 135, 141, 147]);
    expect(rows[0]).toEqual({
      station_id: STATION,
      timestamp: '2026-11-27T08:05:00.000Z',
      hostname: 'pi-roof',
      station_name: 'Roof',
      ...Object.fromEntries(HEALTH_COLUMNS.map((c) => [c, null])),
      cpu_temp_c: 55,
      wifi_ssid: 'lab',
      clock_synced: true,
      uptime_seconds: 105,
    });
    expect(server.rows(`opensensor_${STATION}`)).toHaveLength(40);
    expect(journal.cursor('snowpipe-health')).toBe(journal.stats().lastSeq);
    // The channel's offsets are journal sequence numbers of health records only.
    expect(server.channel(`opensensor_${STATION}_health`)?.lastCommittedOffsetToken).toBe('48');
  });

  it('an idle channel costs no requests: nothing in flight, no status poll', async () => {
    const { server, journal, task } = await setup();
    await journal.appendBatch([reading(0)]);
    const t = task();
    await t.drain(journal, { final: true });
    const requests = server.stats.requests;
    for (let i = 0; i < 3; i++) await t.drain(journal);
    expect(server.stats.requests).toBe(requests);
    await journal.appendBatch([reading(1)]);
    await t.drain(journal, { final: true });
    expect(server.rows(`opensensor_${STATION}`)).toHaveLength(2);
  });

  it('resumes after a restart from what Snowflake committed, without duplicates', async () => {
    const { server, journal, task } = await setup();
    await journal.appendBatch(Array.from({ length: 30 }, (_, i) => reading(i)));
    await task().drain(journal, { final: true });
    // More readings, and a new task (a restarted agent) whose journal cursor is behind Snowflake.
    await journal.appendBatch(Array.from({ length: 30 }, (_, i) => reading(30 + i)));
    const again = task();
    await again.drain(journal, { final: true });
    const rows = server.rows(`opensensor_${STATION}`);
    expect(rows).toHaveLength(60);
    expect(new Set(rows.map((r) => r.timestamp)).size).toBe(60);
  });

  it('re-dated readings are sent with their corrected time once the clock synchronises', async () => {
    const { server, journal, task } = await setup();
    await journal.appendBatch([
      encodeReading(
        COLUMNS.map(() => 1),
        { timestamp: 5_000, monotonic: 5_000, bootTag: 4, unsynced: true },
      ),
      encodeClockSynced({ timestamp: T0, monotonic: 65_000, bootTag: 4 }),
      encodeReading(
        COLUMNS.map(() => 2),
        { timestamp: T0 + 5000, monotonic: 70_000, bootTag: 4, unsynced: false },
      ),
    ]);
    await task().drain(journal, { final: true });
    expect(server.rows(`opensensor_${STATION}`).map((r) => r.timestamp)).toEqual([
      '2026-11-27T07:59:00.000Z',
      '2026-11-27T08:00:05.000Z',
    ]);
  });

  it('held readings wait in the journal across a restart, then are sent once, re-dated, in offset order', async () => {
    const { server, journal, task } = await setup();
    // More held readings than one batch of rows (1000), so the re-read crosses batches.
    const N = 2500;
    await journal.appendBatch(
      Array.from({ length: N }, (_, i) =>
        encodeReading(
          COLUMNS.map(() => i),
          { timestamp: 1000 * i, monotonic: 1000 * i, bootTag: 4, unsynced: true },
        ),
      ),
    );
    await task().drain(journal, { final: true });
    expect(server.rows(`opensensor_${STATION}`)).toHaveLength(0);
    expect(journal.cursor('snowpipe')).toBe(0);
    await journal.appendBatch([encodeClockSynced({ timestamp: T0, monotonic: 1000 * N, bootTag: 4 })]);
    await task().drain(journal, { final: true });
    const rows = server.rows(`opensensor_${STATION}`);
    expect(rows).toHaveLength(N);
    expect(rows[0]?.timestamp).toBe(new Date(T0 - 1000 * N).toISOString());
    expect(rows[N - 1]?.timestamp).toBe(new Date(T0 - 1000).toISOString());
    expect(new Set(rows.map((r) => r.timestamp)).size).toBe(N);
    expect(journal.cursor('snowpipe')).toBe(N + 1);
  });

  it('keeps rows in the journal while Snowflake fails, and delivers them exactly once later', async () => {
    const { server, journal, task } = await setup();
    await journal.appendBatch(Array.from({ length: 10 }, (_, i) => reading(i)));
    server.inject({ kind: 'status', status: 503, count: 20 });
    const t = task();
    await t.drain(journal, { final: true });
    expect(t.status()).toMatchObject({ state: 'backing-off', errors: 1 });
    expect(journal.cursor('snowpipe')).toBe(0);
    expect(server.rows(`opensensor_${STATION}`)).toHaveLength(0);
    // The outage ends (the fault budget runs out); the next attempt delivers every row once.
    for (let i = 0; i < 30 && journal.cursor('snowpipe') < 10; i++) await t.drain(journal, { final: true });
    expect(server.rows(`opensensor_${STATION}`)).toHaveLength(10);
    expect(journal.cursor('snowpipe')).toBe(10);
  });

  it('refuses to resume a channel that is ahead of a fresh journal, instead of skipping readings', async () => {
    const { server, journal, task, dir } = await setup();
    await journal.appendBatch(Array.from({ length: 20 }, (_, i) => reading(i)));
    await task().drain(journal, { final: true });
    // The state directory is lost (new SD card): a fresh journal restarts at seq 1 on the same channel.
    const fresh = await Journal.open({ dir: join(dir, 'fresh'), fsync: 'never', consumers: ['snowpipe'] });
    stops.push(() => fresh.close());
    await fresh.appendBatch(Array.from({ length: 5 }, (_, i) => reading(100 + i)));
    const t = task();
    await t.drain(fresh, { final: true });
    expect(t.status()).toMatchObject({ state: 'stopped' });
    expect(String(t.status().lastError)).toMatch(
      /committed offset 20 but this station's journal ends at 5: the state directory was reset/,
    );
    expect(fresh.cursor('snowpipe')).toBe(0);
    expect(server.rows(`opensensor_${STATION}`)).toHaveLength(20);
  });

  it('prints float32 values as their shortest decimal', () => {
    expect(float32ToNumber(Math.fround(21.53))).toBe(21.53);
    expect(float32ToNumber(Math.fround(1013.25))).toBe(1013.25);
    expect(float32ToNumber(Math.fround(0.1))).toBe(0.1);
    expect(float32ToNumber(Number.NaN)).toBeNull();
  });
});
