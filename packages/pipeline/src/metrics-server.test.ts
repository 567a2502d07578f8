import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SENSOR_SCHEMA } from '@opensensor/parquet-hive-writer';
import { SimulatedEnviroplus } from '@opensensor/simulation';
import { describe, expect, it } from 'vitest';
import { SimulatedClock, type StationClock } from './clock.js';
import { collectStationMetrics, metricsJson, STATION_METRICS } from './metrics.js';
import { MetricsServerError, serveStationMetrics } from './metrics-server.js';
import { type JournalTask, Station } from './station.js';
import { UploadBacklog } from './upload-backlog.js';

const STATION = '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f';

/** Time that moves only when the test says so (a simulated clock would spin the writers' loops). */
class ManualClock implements StationClock {
  private sleepers: { t: number; wake: () => void }[] = [];
  constructor(private current: number) {}
  now(): number {
    return this.current;
  }
  sleepUntil(t: number, signal?: AbortSignal): Promise<void> {
    if (t <= this.current || signal?.aborted) return Promise.resolve();
    return new Promise((wake) => {
      this.sleepers.push({ t, wake });
      signal?.addEventListener('abort', () => wake(), { once: true });
    });
  }
  advance(ms: number): void {
    this.current += ms;
    for (const s of this.sleepers) if (s.t <= this.current) s.wake();
    this.sleepers = this.sleepers.filter((s) => s.t > this.current);
  }
}

async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setTimeout(r, 5));
}

/** A board whose `hangAt`-th read waits for `release()`: the station is mid-run, and the test looks at it. */
function gatedBoard(clock: StationClock, hangAt: number) {
  let reads = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let reached!: () => void;
  const hanging = new Promise<void>((r) => {
    reached = r;
  });
  const board = new (class extends SimulatedEnviroplus {
    override async read() {
      if (++reads === hangAt) {
        reached();
        await gate;
      }
      return super.read();
    }
  })({ seed: 3, now: () => clock.now() });
  return { board, hanging, release };
}

async function get(url: string): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

describe('serveStationMetrics', () => {
  it('serves /healthz and /metrics from a running station, computed when scraped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-metrics-'));
    const clock = new ManualClock(Date.UTC(2026, 10, 26, 12, 0, 0));
    let mono = 1_000;
    const { board, hanging, release } = gatedBoard(clock, 4);
    const uploads = new UploadBacklog(async () => [
      { path: '/lake/a.parquet', bytes: 100, writtenAt: clock.now() - 600_000 },
    ]);
    await uploads.refresh();
    const station = await Station.open({
      stationId: STATION,
      board,
      schema: SENSOR_SCHEMA,
      clock,
      monotonic: () => mono,
      stateDir: join(dir, 'state'),
      outputDir: join(dir, 'output'),
      healthDir: join(dir, 'output-health'),
      readIntervalMs: 5000,
      batchDurationSec: 900,
      compression: 'zstd',
      fsync: 'never',
      health: null,
      uploads,
    });
    const server = await serveStationMetrics({
      station,
      host: '127.0.0.1',
      port: 0,
      build: { version: '9.9.9', nodeVersion: '20.0.0' },
      now: () => clock.now(),
    });
    const stop = new AbortController();
    let running: Promise<void> = Promise.resolve();
    try {
      const before = await get(`${server.url}/healthz`);
      expect(before.status).toBe(503);
      expect(before.text).toMatch(/not running/);

      running = station.run(stop.signal);
      for (let n = 1; n <= 3; n++) {
        await until(() => station.stats.readings >= n);
        clock.advance(5000);
      }
      await hanging;
      // Three readings journaled; the fourth read is in progress.
      const healthy = await get(`${server.url}/healthz`);
      expect(healthy).toMatchObject({ status: 200, text: 'ok\n' });

      const metrics = await get(`${server.url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.type).toMatch(/^text\/plain; version=0\.0\.4/);
      const lines = metrics.text.split('\n');
      expect(lines).toContain('opensensor_readings_total{result="journaled"} 3');
      expect(lines).toContain('opensensor_journal_backlog_records{consumer="parquet"} 3');
      const buildInfo = lines.find((l) => l.startsWith('opensensor_build_info{'));
      expect(buildInfo).toMatch(/version="9\.9\.9"/);
      expect(buildInfo).toMatch(/node_version="20\.0\.0"/);
      expect(buildInfo).toMatch(/board="enviroplus \(simulated\)"\} 1$/);
      expect(lines).toContain('opensensor_up 1');
      expect(lines).toContain('opensensor_upload_pending_files 1');
      // Written 10 min before the start; three intervals of 5 s have passed since.
      expect(lines).toContain('opensensor_upload_oldest_pending_age_seconds 615');
      expect(lines).toContain('# TYPE opensensor_skipped_deadlines_total counter');
      expect(lines).toContain('# TYPE opensensor_journal_size_bytes gauge');
      // prom-client's default process metrics come along.
      expect(metrics.text).toMatch(/^process_cpu_seconds_total \d/m);
      // Every station metric that applies here has a HELP line; none is prefixed twice.
      for (const m of STATION_METRICS) expect(m.name).toMatch(/^opensensor_(?!opensensor_)[a-z0-9_]+$/);
      for (const m of STATION_METRICS.filter((d) => d.type === 'counter')) expect(m.name).toMatch(/_total$/);

      // No read has started for longer than max(3 intervals, 30 s): the loop is stuck.
      mono += 31_000;
      const stuck = await get(`${server.url}/healthz`);
      expect(stuck.status).toBe(503);
      expect(stuck.text).toMatch(/no reading started for 31 s/);
      expect((await get(`${server.url}/metrics`)).text.split('\n')).toContain('opensensor_up 0');

      expect((await get(`${server.url}/other`)).status).toBe(404);
      release();
      stop.abort();
      await running;
      expect((await get(`${server.url}/healthz`)).status).toBe(503);
    } finally {
      release();
      stop.abort();
      await running;
      await server.close();
      await station.close();
    }
  });

  it('the status file carries the same figures, by the same names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-metrics-json-'));
    const from = Date.UTC(2026, 10, 26, 12, 0, 0);
    const clock = new SimulatedClock(from);
    const station = await Station.open({
      stationId: STATION,
      board: new SimulatedEnviroplus({ seed: 3, now: () => clock.now() }),
      schema: SENSOR_SCHEMA,
      clock,
      stateDir: join(dir, 'state'),
      outputDir: join(dir, 'output'),
      healthDir: join(dir, 'output-health'),
      readIntervalMs: 5000,
      batchDurationSec: 900,
      compression: 'zstd',
      fsync: 'never',
      health: null,
    });
    try {
      await station.backfill({ from, to: from + 3600_000 });
      const json = metricsJson(
        collectStationMetrics({ station, build: { version: '1.0.0' }, now: clock.now() }),
      );
      expect(json.opensensor_journal_max_bytes).toBe(station.journal.stats().maxBytes);
      expect(json.opensensor_lake_windows_written_total).toEqual([{ labels: { stream: 'data' }, value: 4 }]);
      expect(json.opensensor_readings_total).toContainEqual({ labels: { result: 'journaled' }, value: 720 });
      expect(json.opensensor_sensor_reads_total).toContainEqual({
        labels: { sensor: 'bme280', result: 'ok' },
        value: 720,
      });
      // Without a periodic sync there is no upload backlog to show.
      expect(json).not.toHaveProperty('opensensor_upload_pending_files');
    } finally {
      await station.close();
    }
  });

  it('shows the Snowpipe lag as the distance from the newest journal record to the committed offset token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-metrics-snowpipe-'));
    const from = Date.UTC(2026, 10, 26, 12, 0, 0);
    const clock = new SimulatedClock(from);
    let committedSeq: number | null = null;
    const snowpipe: JournalTask = {
      name: 'snowpipe',
      run: async () => {},
      drain: async () => {},
      status: () => ({ state: 'streaming', committedSeq }),
    };
    const station = await Station.open({
      stationId: STATION,
      board: new SimulatedEnviroplus({ seed: 3, now: () => clock.now() }),
      schema: SENSOR_SCHEMA,
      clock,
      stateDir: join(dir, 'state'),
      outputDir: join(dir, 'output'),
      healthDir: join(dir, 'output-health'),
      readIntervalMs: 5000,
      batchDurationSec: 900,
      compression: 'zstd',
      fsync: 'never',
      health: null,
      tasks: [snowpipe],
    });
    try {
      await station.backfill({ from, to: from + 600_000 });
      const lag = () =>
        metricsJson(collectStationMetrics({ station, build: { version: '1' }, now: clock.now() }))
          .opensensor_snowpipe_offset_lag_records;
      // Nothing committed yet: no figure rather than a made-up one.
      expect(lag()).toBeUndefined();
      committedSeq = station.journal.stats().lastSeq - 20;
      expect(lag()).toEqual([{ labels: { consumer: 'snowpipe' }, value: 20 }]);
      const json = metricsJson(collectStationMetrics({ station, build: { version: '1' }, now: clock.now() }));
      // The Snowpipe cursor has not moved: its backlog is every record, in records and in bytes.
      expect(json.opensensor_journal_backlog_records).toContainEqual({
        labels: { consumer: 'snowpipe' },
        value: station.journal.stats().lastSeq,
      });
      expect(json.opensensor_journal_backlog_bytes).toContainEqual({
        labels: { consumer: 'snowpipe' },
        value: station.journal.stats().bytes,
      });
    } finally {
      await station.close();
    }
  });

  it('names the setting to change when the port is taken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-metrics-port-'));
    const clock = new SimulatedClock(Date.UTC(2026, 10, 26, 12, 0, 0));
    const station = await Station.open({
      stationId: STATION,
      board: new SimulatedEnviroplus({ seed: 3, now: () => clock.now() }),
      schema: SENSOR_SCHEMA,
      clock,
      stateDir: join(dir, 'state'),
      outputDir: join(dir, 'output'),
      healthDir: join(dir, 'output-health'),
      readIntervalMs: 5000,
      batchDurationSec: 900,
      compression: 'zstd',
      fsync: 'never',
      health: null,
    });
    const first = await serveStationMetrics({ station, host: '127.0.0.1', port: 0, build: { version: '1' } });
    try {
      const second = serveStationMetrics({
        station,
        host: '127.0.0.1',
        port: first.port,
        build: { version: '1' },
        defaultMetrics: false,
      });
      await expect(second).rejects.toBeInstanceOf(MetricsServerError);
      await expect(second).rejects.toThrow(/port is in use; set OPENSENSOR_METRICS_PORT/);
    } finally {
      await first.close();
      await station.close();
    }
  });
});

describe('UploadBacklog', () => {
  it('starts from a scan, adds windows written since, and keeps sync outcomes', async () => {
    let finishScan!: () => void;
    const scanned = new Promise<void>((r) => {
      finishScan = r;
    });
    const backlog = new UploadBacklog(async () => {
      await scanned;
      return [{ path: '/l/a', bytes: 10, writtenAt: 1000 }];
    });
    expect(backlog.snapshot()).toMatchObject({ known: false, files: 0 });
    const refresh = backlog.refresh();
    // Written while the scan runs: kept, whether or not the scan saw it.
    backlog.written({ path: '/l/b', bytes: 5, writtenAt: 2000 });
    finishScan();
    await refresh;
    expect(backlog.snapshot()).toEqual({
      known: true,
      files: 2,
      bytes: 15,
      oldestWrittenAt: 1000,
      lastSuccessAt: null,
      failures: 0,
    });
    backlog.syncFinished({ failed: 2, complete: false, at: 3000 });
    backlog.syncFailed();
    backlog.syncFinished({ failed: 0, complete: true, at: 4000 });
    expect(backlog.snapshot()).toMatchObject({ failures: 3, lastSuccessAt: 4000 });
  });
});
