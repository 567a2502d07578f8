import { createServer } from 'node:net';
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { CliProcess, killAll, runCli, sleep, type TempDir, tempDir } from './processes.js';

const STATION = '0193a5c1-4e2f-7b3a-8c1d-2f6e9a0b4c7e';

let dir: TempDir | undefined;
const processes: CliProcess[] = [];
afterEach(async () => {
  await killAll(processes.splice(0));
  dir?.remove();
  dir = undefined;
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Asks until `accept` takes the answer; the agent needs a moment to start reading on a busy machine. */
async function poll(url: string, accept: (status: number, text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 60_000;
  let last = '';
  for (;;) {
    const answer = await fetch(url).then(
      async (r) => ({ status: r.status, text: await r.text() }),
      (err: unknown) => ({ status: 0, text: String(err) }),
    );
    if (accept(answer.status, answer.text)) return answer.text;
    last = `${answer.status} ${answer.text.slice(0, 200)}`;
    if (Date.now() > deadline) throw new Error(`${url} never answered as expected; last: ${last}`);
    await sleep(200);
  }
}

/** The metrics docs/metrics.md documents, with their types: a contract dashboards and alerts rely on. */
const DOCUMENTED: Record<string, 'COUNTER' | 'GAUGE'> = {
  opensensor_build_info: 'GAUGE',
  opensensor_up: 'GAUGE',
  opensensor_readings_total: 'COUNTER',
  opensensor_sensor_reads_total: 'COUNTER',
  opensensor_read_duration_seconds_total: 'COUNTER',
  opensensor_skipped_deadlines_total: 'COUNTER',
  opensensor_journal_backlog_records: 'GAUGE',
  opensensor_journal_backlog_bytes: 'GAUGE',
  opensensor_journal_size_bytes: 'GAUGE',
  opensensor_journal_max_bytes: 'GAUGE',
  opensensor_journal_dropped_records_total: 'COUNTER',
  opensensor_journal_dropped_segments_total: 'COUNTER',
  opensensor_journal_corrupt_records_total: 'COUNTER',
  opensensor_lake_windows_written_total: 'COUNTER',
  opensensor_lake_written_bytes_total: 'COUNTER',
  opensensor_upload_pending_files: 'GAUGE',
  opensensor_upload_pending_bytes: 'GAUGE',
  opensensor_upload_oldest_pending_age_seconds: 'GAUGE',
  opensensor_upload_last_success_timestamp_seconds: 'GAUGE',
  opensensor_upload_failures_total: 'COUNTER',
  opensensor_snowpipe_offset_lag_records: 'GAUGE',
  opensensor_clock_synchronized: 'GAUGE',
  opensensor_cpu_temperature_celsius: 'GAUGE',
};

const value = (families: ParsedFamily[], name: string, labels: Record<string, string> = {}) => {
  const family = families.find((f) => f.name === name);
  const sample = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return sample?.value === undefined ? undefined : Number(sample.value);
};

describe('the metrics endpoint of a running agent', () => {
  it('serves Prometheus text that a Prometheus parser reads, /healthz, and the same figures in status --json', async () => {
    dir = tempDir('metrics');
    const port = await freePort();
    const env = {
      OPENSENSOR_STATION_ID: STATION,
      OPENSENSOR_READ_INTERVAL: '1',
      OPENSENSOR_METRICS_PORT: String(port),
      // A bucket makes the upload figures appear; the first sync is a minute away at most, and an
      // endpoint that refuses connections only counts a failure if it comes.
      OPENSENSOR_SYNC_ENABLED: 'true',
      OPENSENSOR_STORAGE_PROVIDER: 'minio',
      OPENSENSOR_STORAGE_BUCKET: 'station-lake',
      OPENSENSOR_STORAGE_ENDPOINT: 'http://127.0.0.1:9',
    };
    const agent = new CliProcess('agent', ['start', '--simulate'], { cwd: dir.path, env });
    processes.push(agent);
    await agent.waitFor(/metrics endpoint listening/, 60_000);
    const base = `http://127.0.0.1:${port}`;

    expect(await poll(`${base}/healthz`, (s) => s === 200)).toBe('ok\n');
    const text = await poll(`${base}/metrics`, (s, t) => {
      if (s !== 200) return false;
      const journaled = value(parsePrometheusTextFormat(t), 'opensensor_readings_total', {
        result: 'journaled',
      });
      return journaled !== undefined && journaled >= 3;
    });
    const families = parsePrometheusTextFormat(text);
    const byName = new Map(families.map((f) => [f.name, f]));

    // Every documented metric is there (the upload ones too: a bucket is configured), typed as
    // documented, with a help text; and no other opensensor_ metric is.
    for (const [name, type] of Object.entries(DOCUMENTED)) {
      const family = byName.get(name);
      expect(family?.type, name).toBe(type);
      expect(family?.help.length, name).toBeGreaterThan(10);
    }
    expect(families.filter((f) => f.name.startsWith('opensensor_') && !(f.name in DOCUMENTED))).toEqual([]);
    // Samples exist where they apply: not before a sync succeeded, without Snowflake, without a thermal zone.
    const withoutSamples = families.filter((f) => f.name.startsWith('opensensor_') && f.metrics.length === 0);
    for (const f of withoutSamples)
      expect([
        'opensensor_upload_last_success_timestamp_seconds',
        'opensensor_snowpipe_offset_lag_records',
        'opensensor_cpu_temperature_celsius',
      ]).toContain(f.name);
    // Prometheus naming: one prefix, counters end in _total; and the process's default metrics.
    for (const f of families.filter((f) => f.name.startsWith('opensensor_'))) {
      expect(f.name).not.toMatch(/^opensensor_opensensor_/);
      if (f.type === 'COUNTER') expect(f.name).toMatch(/_total$/);
    }
    expect(value(families, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(value(families, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(value(families, 'opensensor_up')).toBe(1);
    expect(value(families, 'opensensor_clock_synchronized')).toBe(1);
    expect(value(families, 'opensensor_journal_max_bytes')).toBe(256 * 1024 * 1024);
    expect(value(families, 'opensensor_journal_size_bytes')).toBeGreaterThan(0);
    expect(
      value(families, 'opensensor_journal_backlog_records', { consumer: 'parquet' }),
    ).toBeGreaterThanOrEqual(3);
    expect(value(families, 'opensensor_upload_pending_files')).toBe(0);
    expect(
      value(families, 'opensensor_sensor_reads_total', { sensor: 'bme280', result: 'ok' }),
    ).toBeGreaterThanOrEqual(3);
    const build = byName.get('opensensor_build_info')?.metrics[0]?.labels;
    expect(build).toMatchObject({ board: 'enviroplus (simulated)', node_version: process.versions.node });
    expect(build?.version).toMatch(/^\d+\.\d+\.\d+/);

    const notFound = await fetch(`${base}/nothing`);
    expect(notFound.status).toBe(404);

    agent.signal('SIGTERM');
    expect((await agent.exited).code).toBe(0);

    // The status file written at the stop carries the same metrics, by the same names.
    const status = await runCli('agent', ['status', '--json'], { cwd: dir.path, env });
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout) as { metrics: { at: string; values: Record<string, unknown> } };
    const scraped = families.filter((f) => f.name.startsWith('opensensor_') && f.metrics.length > 0);
    expect(scraped.map((f) => f.name).filter((n) => !(n in report.metrics.values))).toEqual([]);
    const journaledAtStop = (
      report.metrics.values.opensensor_readings_total as { labels: { result: string }; value: number }[]
    ).find((s) => s.labels.result === 'journaled')?.value;
    expect(journaledAtStop).toBeGreaterThanOrEqual(
      value(families, 'opensensor_readings_total', { result: 'journaled' }) ?? 0,
    );
  }, 120_000);
});
