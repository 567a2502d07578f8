import type { ConsumerStats } from '@opensensor/buffer';
import type { Station } from './station.js';

/** What the agent is: `opensensor_build_info`'s labels. */
export interface BuildInfo {
  version: string;
  /** Default: this process's Node.js version. */
  nodeVersion?: string;
}

/** One value of a metric; labels only where the metric has them. */
export interface MetricSample {
  labels?: Record<string, string>;
  value: number;
}

/** What a metric's samples are computed from, once per scrape or status write. */
export interface MetricsInput {
  station: Station;
  build: BuildInfo;
  /** Wall-clock ms since the epoch. */
  now: number;
}

/**
 * One metric of the station. The table of these drives `/metrics`, the `metrics` of
 * `opensensor status --json` and the list in docs/metrics.md.
 */
export interface MetricDefinition {
  /** Prometheus name: one `opensensor_` prefix, base units, `_total` on counters. */
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  readonly help: string;
  readonly labelNames?: readonly string[];
  /** Computed from state the station keeps anyway; no samples = the metric does not apply here. */
  samples(input: MetricsInput): MetricSample[];
}

const one = (value: number | null | undefined): MetricSample[] =>
  value === null || value === undefined || !Number.isFinite(value) ? [] : [{ value }];

const SNOWPIPE_TASKS = ['snowpipe', 'snowpipe-health'] as const;

/** Every metric of the station. Names and meanings are a contract: dashboards and alerts use them. */
export const STATION_METRICS: readonly MetricDefinition[] = [
  {
    name: 'opensensor_build_info',
    type: 'gauge',
    help: 'Always 1; the labels say which agent runs: its version, the Node.js version and the board.',
    labelNames: ['version', 'node_version', 'board'],
    samples: ({ station, build }) => [
      {
        labels: {
          version: build.version,
          node_version: build.nodeVersion ?? process.versions.node,
          board: station.status().board,
        },
        value: 1,
      },
    ],
  },
  {
    name: 'opensensor_up',
    type: 'gauge',
    help: '1 while the station reads and the journal accepts appends (what /healthz answers 200 for), else 0.',
    samples: ({ station }) => [{ value: station.health().ok ? 1 : 0 }],
  },
  {
    name: 'opensensor_readings_total',
    type: 'counter',
    help: 'Board reads by result: journaled, warmup (skipped while sensors settle), board_error (the read failed), journal_error (read but not journaled: lost).',
    labelNames: ['result'],
    samples: ({ station }) => {
      const s = station.stats;
      return [
        { labels: { result: 'journaled' }, value: s.readings },
        { labels: { result: 'warmup' }, value: s.warmupSkipped },
        { labels: { result: 'board_error' }, value: s.readErrors },
        {
          labels: { result: 'journal_error' },
          value: Math.max(0, s.boardReads - s.warmupSkipped - s.readings),
        },
      ];
    },
  },
  {
    name: 'opensensor_sensor_reads_total',
    type: 'counter',
    help: 'Reads of each sensor of the board by result (ok or error); a failed sensor gives nulls for its columns while the others go on.',
    labelNames: ['sensor', 'result'],
    samples: ({ station }) => {
      const s = station.stats;
      return Object.entries(s.sensorErrors).flatMap(([sensor, errors]) => [
        { labels: { sensor, result: 'ok' }, value: Math.max(0, s.boardReads - errors) },
        { labels: { sensor, result: 'error' }, value: errors },
      ]);
    },
  },
  {
    name: 'opensensor_read_duration_seconds_total',
    type: 'counter',
    help: 'Time spent reading the board, summed; divided by the rate of opensensor_readings_total, the mean time of one read.',
    samples: ({ station }) => one(station.stats.readSeconds),
  },
  {
    name: 'opensensor_skipped_deadlines_total',
    type: 'counter',
    help: 'Read deadlines skipped because a read took longer than the read interval (each is a gap in the lake).',
    samples: ({ station }) => one(station.stats.overruns),
  },
  {
    name: 'opensensor_journal_backlog_records',
    type: 'gauge',
    help: 'Journal records each consumer (parquet, health, snowpipe, snowpipe-health) has not committed yet.',
    labelNames: ['consumer'],
    samples: ({ station }) => consumerSamples(station, (c) => c.backlog),
  },
  {
    name: 'opensensor_journal_backlog_bytes',
    type: 'gauge',
    help: 'Bytes of the journal records each consumer has not committed yet (estimated within the segment that holds its cursor).',
    labelNames: ['consumer'],
    samples: ({ station }) => consumerSamples(station, (c) => c.backlogBytes),
  },
  {
    name: 'opensensor_journal_size_bytes',
    type: 'gauge',
    help: 'Bytes the journal takes on disk.',
    samples: ({ station }) => one(station.journal.stats().bytes),
  },
  {
    name: 'opensensor_journal_max_bytes',
    type: 'gauge',
    help: 'The bound of the journal on disk (OPENSENSOR_JOURNAL_MAX_MB); at it, the oldest records are dropped.',
    samples: ({ station }) => one(station.journal.stats().maxBytes),
  },
  {
    name: 'opensensor_journal_dropped_records_total',
    type: 'counter',
    help: 'Records a consumer found deleted by the journal bound when it came to read them: lost for that consumer (parquet: the lake, snowpipe: Snowflake).',
    labelNames: ['consumer'],
    samples: ({ station }) => consumerSamples(station, (c) => c.lostToFull),
  },
  {
    name: 'opensensor_journal_dropped_segments_total',
    type: 'counter',
    help: 'Journal segments deleted at the bound before every consumer had committed them; a consumer counts what it lost when it reads next.',
    samples: ({ station }) => one(station.journal.stats().droppedToFull.segments),
  },
  {
    name: 'opensensor_journal_corrupt_records_total',
    type: 'counter',
    help: 'Damaged journal records skipped on read (a failing SD card).',
    samples: ({ station }) => one(station.journal.stats().corrupt.records),
  },
  {
    name: 'opensensor_lake_windows_written_total',
    type: 'counter',
    help: 'Parquet window files written, by stream (data, health).',
    labelNames: ['stream'],
    samples: ({ station }) => lakeSamples(station, (s) => s.windows),
  },
  {
    name: 'opensensor_lake_written_bytes_total',
    type: 'counter',
    help: 'Bytes of the Parquet window files written, by stream (data, health).',
    labelNames: ['stream'],
    samples: ({ station }) => lakeSamples(station, (s) => s.bytes),
  },
  {
    name: 'opensensor_upload_pending_files',
    type: 'gauge',
    help: 'Lake files (data and, when it is synced, health) written and not uploaded yet. Absent without a periodic sync.',
    samples: ({ station }) => uploadSample(station, (u) => u.files),
  },
  {
    name: 'opensensor_upload_pending_bytes',
    type: 'gauge',
    help: 'Bytes of the lake files not uploaded yet.',
    samples: ({ station }) => uploadSample(station, (u) => u.bytes),
  },
  {
    name: 'opensensor_upload_oldest_pending_age_seconds',
    type: 'gauge',
    help: 'Age of the oldest lake file not uploaded yet (0 when none is pending): how far the bucket is behind.',
    samples: ({ station, now }) =>
      uploadSample(station, (u) =>
        u.oldestWrittenAt === null ? 0 : Math.max(0, (now - u.oldestWrittenAt) / 1000),
      ),
  },
  {
    name: 'opensensor_upload_last_success_timestamp_seconds',
    type: 'gauge',
    help: 'When the last sync run ended in which nothing failed and nothing stayed pending (Unix time). Absent before one.',
    samples: ({ station }) => {
      const u = station.uploads?.snapshot();
      return u?.lastSuccessAt == null ? [] : [{ value: u.lastSuccessAt / 1000 }];
    },
  },
  {
    name: 'opensensor_upload_failures_total',
    type: 'counter',
    help: 'Files whose upload failed, plus sync runs that failed as a whole (the next sync retries them).',
    samples: ({ station }) => {
      const u = station.uploads?.snapshot();
      return u ? [{ value: u.failures }] : [];
    },
  },
  {
    name: 'opensensor_snowpipe_offset_lag_records',
    type: 'gauge',
    help: "Journal sequence numbers between the newest record and the channel's last committed offset token, by consumer (snowpipe, snowpipe-health). Absent until the channel has committed one.",
    labelNames: ['consumer'],
    samples: ({ station }) => {
      const tasks = station.taskStatuses();
      const lastSeq = station.journal.stats().lastSeq;
      return SNOWPIPE_TASKS.flatMap((consumer) => {
        const committed = tasks[consumer]?.committedSeq;
        return typeof committed === 'number'
          ? [{ labels: { consumer }, value: Math.max(0, lastSeq - committed) }]
          : [];
      });
    },
  },
  {
    name: 'opensensor_clock_synchronized',
    type: 'gauge',
    help: '1 when readings are dated by a synchronised clock (or the policy trusts the system clock), 0 while they wait to be dated.',
    samples: ({ station }) => [{ value: station.status().clockSynced ? 1 : 0 }],
  },
  {
    name: 'opensensor_cpu_temperature_celsius',
    type: 'gauge',
    help: 'CPU temperature from the newest health record. Absent without a health stream or a thermal sensor.',
    samples: ({ station }) => one(station.cpuTemperature),
  },
];

/** One sample per journal consumer, labelled with its name. */
function consumerSamples(station: Station, value: (c: ConsumerStats) => number): MetricSample[] {
  return Object.entries(station.journal.stats().consumers).map(([consumer, c]) => ({
    labels: { consumer },
    value: value(c),
  }));
}

function lakeSamples(
  station: Station,
  pick: (s: { windows: number; bytes: number }) => number,
): MetricSample[] {
  const lake = station.lakeStats();
  return [
    { labels: { stream: 'data' }, value: pick(lake.data) },
    ...(lake.health ? [{ labels: { stream: 'health' }, value: pick(lake.health) }] : []),
  ];
}

function uploadSample(
  station: Station,
  pick: (u: NonNullable<ReturnType<NonNullable<Station['uploads']>['snapshot']>>) => number,
): MetricSample[] {
  const u = station.uploads?.snapshot();
  return u?.known ? [{ value: pick(u) }] : [];
}

/** Every metric's samples, computed once: what `/metrics` formats and `opensensor status --json` shows. */
export function collectStationMetrics(input: MetricsInput): Map<string, MetricSample[]> {
  return new Map(STATION_METRICS.map((m) => [m.name, m.samples(input)]));
}

/**
 * The samples as JSON for `opensensor status --json`: a number for a metric without labels, a list
 * of `{ labels, value }` for one with labels; metrics without samples are left out.
 */
export type MetricsJson = Record<string, number | { labels: Record<string, string>; value: number }[]>;

export function metricsJson(samples: Map<string, MetricSample[]>): MetricsJson {
  const out: MetricsJson = {};
  for (const m of STATION_METRICS) {
    const list = samples.get(m.name) ?? [];
    if (list.length === 0) continue;
    out[m.name] = m.labelNames?.length
      ? list.map((s) => ({ labels: s.labels ?? {}, value: s.value }))
      : (list[0] as MetricSample).value;
  }
  return out;
}

/** The rows of the metrics table in docs/metrics.md (a test keeps the page and this table equal). */
export function metricsTableRows(): string[] {
  return [
    '| Metric | Type | Labels | Meaning |',
    '|---|---|---|---|',
    ...STATION_METRICS.map(
      (m) =>
        `| \`${m.name}\` | ${m.type} | ${m.labelNames?.length ? m.labelNames.map((l) => `\`${l}\``).join(', ') : '—'} | ${m.help.replace(/\|/g, '\\|')} |`,
    ),
  ];
}
