import { readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type LoadedConfig,
  loadConfig,
  type OpenSensorConfig,
  parseDecimal,
  settings,
} from '@opensensor/config';
import { OpenSensorError } from '@opensensor/errors';
import {
  type BackfillResult,
  createLogger,
  type HealthSources,
  type Logger,
  type MetricsServer,
  PacedClock,
  SimulatedClock,
  type SimulationSettings,
  type Station,
  serveStationMetrics,
  shutdownSignal,
  stationFromConfig,
  syncOnce,
  systemClock,
} from '@opensensor/pipeline';
import pkg from '../package.json' with { type: 'json' };
import { progressBar } from './progress.js';
import { ClockStepsError, pacedClockFor, parseClockSteps } from './sim-clock.js';
import { simulatedPlace, simulatedStationId, stationSeed } from './station-ids.js';

export interface SimIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  isTty: boolean;
}

/** A bad option or argument: the simulator prints the message and exits 2. Code `INVALID_USAGE`. */
export class UsageError extends OpenSensorError {
  override readonly name = 'UsageError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_USAGE', message, options);
  }
}

export interface CommonSimOptions {
  stations: number;
  /** enviroplus (default), sensehat or breakout; default OPENSENSOR_BOARD. */
  board?: string;
  stationId?: string;
  seed: string;
  output?: string;
  readInterval?: number;
  batchDuration?: number;
  faults?: string;
  envFile?: string;
}

/** `dropout=0.01,i2c=0.005,pms=0.05` → fault probabilities. */
export function parseFaults(spec: string | undefined): SimulationSettings['faults'] {
  if (!spec) return undefined;
  const names: Record<string, 'dropout' | 'i2cError' | 'pmsGarbage'> = {
    dropout: 'dropout',
    i2c: 'i2cError',
    pms: 'pmsGarbage',
  };
  const faults: NonNullable<SimulationSettings['faults']> = {};
  for (const part of spec.split(',')) {
    const [k, v] = part.split('=');
    const key = names[(k ?? '').trim()];
    const p = parseDecimal(v ?? '');
    if (!key || p === undefined || !(p >= 0 && p <= 1)) {
      throw new UsageError(
        `--faults: expected name=probability pairs with names dropout, i2c, pms and probabilities 0-1, received "${part}"`,
      );
    }
    faults[key] = p;
  }
  return faults;
}

/**
 * The configuration of simulated station `index`: the user's settings, with the simulator's overrides.
 * The warnings (unknown variables, NODE_OPTIONS in the .env file, ...) are printed once, for the first.
 */
export function stationConfig(io: SimIo, o: CommonSimOptions, index: number): LoadedConfig {
  const stationId = o.stationId ?? simulatedStationId(o.seed, index);
  const flags: Record<string, string | number | undefined> = { stationId };
  if (o.output) flags.outputDir = o.output;
  if (o.batchDuration !== undefined) flags.batchDuration = o.batchDuration;
  if (o.board !== undefined) flags.board = o.board;
  const loaded = loadConfig({
    env: io.env,
    cwd: io.cwd,
    envFile: o.envFile,
    flags,
    flagNames: {
      stationId: '--station-id',
      outputDir: '--output',
      batchDuration: '--batch-duration',
      board: '--board',
    },
  });
  if (index === 0) for (const w of loaded.warnings) io.stderr(`warning: ${w}\n`);
  // Simulated stations have a name and a place unless the user configured them.
  const place = simulatedPlace(o.seed, index);
  const c = loaded.config;
  const placed: OpenSensorConfig = {
    ...c,
    stationName: c.stationName ?? place.name,
    ...(c.stationLatitude === undefined
      ? { stationLatitude: place.latitude, stationLongitude: place.longitude }
      : {}),
  };
  return { ...loaded, config: placed };
}

function validateCommon(o: CommonSimOptions): void {
  if (!Number.isInteger(o.stations) || o.stations < 1 || o.stations > 100_000) {
    throw new UsageError(`--stations: expected a whole number from 1 to 100000, received ${o.stations}`);
  }
  if (o.stationId && o.stations !== 1)
    throw new UsageError('--station-id names one station: use it with --stations 1');
  if (o.readInterval !== undefined && !(o.readInterval >= 0.05 && o.readInterval <= 3600)) {
    throw new UsageError(`--read-interval: expected seconds from 0.05 to 3600, received ${o.readInterval}`);
  }
}

/** Health of a simulated station: plausible numbers, not the host's. */
function simulatedHealth(seed: number, now: () => number): HealthSources {
  return {
    readFile: async (path) =>
      path.endsWith('thermal_zone0/temp')
        ? String(Math.round(45000 + 8000 * Math.sin(now() / 3.6e6 + seed)))
        : null,
    run: async () => null,
    statfs: async () => ({ totalBytes: 32 * 1024 ** 3, freeBytes: 20 * 1024 ** 3 }),
    loadavg: () => [0.2, 0.15, 0.1],
    uptimeSeconds: () => 3600,
    networkInterfaces: () => ({}),
  };
}

function makeLogger(io: SimIo, config: OpenSensorConfig, quiet: boolean): Required<Logger> {
  return createLogger({
    level: quiet ? 'warn' : config.logLevel,
    json: config.logJson ?? !io.isTty,
    write: io.stderr,
    redact: [config.awsSecretAccessKey, config.snowflakePat, config.snowflakePrivateKeyPassphrase].filter(
      (s): s is string => typeof s === 'string',
    ),
  });
}

export interface BackfillOptions extends CommonSimOptions {
  start?: string;
  end?: string;
  json?: boolean;
  /** How the user ran this backfill, for the line that says how to continue it. */
  commandLine?: string;
  /** Stations backfilled at once in each thread (default: `defaultParallel`). */
  parallel?: number;
  /** Worker threads the stations are shared among (default: `defaultWorkers`; 1: none). */
  workers?: number;
}

/**
 * Stations backfilled at once in each thread by default: one station alternates between CPU work
 * (readings, Parquet) and waiting for fsyncs; a few in flight keep the thread busy through those
 * waits (four in one thread, two in each of several, which share the cores). Each costs its own
 * windows in memory (a few MB), so the number is small and does not grow with the fleet.
 */
export function defaultParallel(stations: number, workers = 1): number {
  return Math.min(stations, workers > 1 ? 2 : 4);
}

/**
 * Worker threads by default: one per core, at most 8 (each costs its own ~40 MB of modules and heap),
 * and at most one per two stations; none on a single core or for one station, where a thread would
 * only add its start-up. Measured on 2 cores (docs/performance.md): 100 stations × 24 h in 22.6 s
 * against 33.8 s in one thread; 1,000 stations × 1 h about the same either way (bound by the file
 * system there).
 */
export function defaultWorkers(stations: number, cores = availableParallelism()): number {
  return Math.max(1, Math.min(Math.ceil(stations / 2), cores, 8));
}

export interface BackfillSummary {
  stations: number;
  stationIds: string[];
  start: string;
  end: string;
  rows: number;
  files: number;
  bytes: number;
  seconds: number;
  output: string;
  /** Stations whose lake or journal already held part of the range: they continued after it. */
  resumedAfterExisting: number;
  sync: { uploaded: number; failed: number; bytes: number } | null;
  /** The whole range of every station is in the lake. */
  completed: boolean;
  /** Stopped by Ctrl-C or SIGTERM. */
  interrupted: boolean;
  /** Why the backfill stopped early (disk full, I/O error), or null. */
  failure: string | null;
  /** The station and simulated time where it stopped, when it did not complete. */
  stoppedAt: { station: string; time: string } | null;
  /** Readings taken but not journaled (lost): a run that lost readings exits 1. */
  lostReadings: number;
  /** Readings journaled but not yet in a lake file: the next run over this range writes them. */
  unwrittenReadings: number;
  /** The command that continues this backfill, when it did not complete. */
  continueWith: string | null;
}

function parseTime(name: string, value: string): number {
  const t = Date.parse(value);
  if (!Number.isFinite(t))
    throw new UsageError(
      `${name}: expected an ISO 8601 time such as 2026-11-01T00:00:00Z, received "${value}"`,
    );
  return t;
}

/** What every station of a fleet backfill shares: the options and the simulated range. */
export interface FleetPlan {
  o: BackfillOptions;
  start: number;
  end: number;
}

/** One station's part of a fleet backfill (also what a worker thread sends back for it). */
export interface StationOutcome {
  index: number;
  stationId: string;
  rows: number;
  files: number;
  bytes: number;
  resumed: boolean;
  lostReadings: number;
  unwrittenReadings: number;
  /** Where and why it stopped before the end of the range, or null when it completed. */
  stopped: { time: number; failure: string | null } | null;
}

/** Backfills station `i` of the fleet, and closes it, whatever happens. */
export async function backfillStation(
  io: SimIo,
  plan: FleetPlan,
  i: number,
  signal: AbortSignal,
  onProgress: (t: number) => void,
): Promise<StationOutcome> {
  const { o, start, end } = plan;
  const cfg = stationConfig(io, o, i).config;
  const faults = parseFaults(o.faults);
  const from = await resumeAfterExisting(cfg, start, end);
  const clock = new SimulatedClock(start);
  const seed = stationSeed(o.seed, i);
  const station: Station = await stationFromConfig({
    config: cfg,
    clock,
    simulate: { seed, ...(faults ? { faults } : {}) },
    trustClock: true,
    withoutRemote: !cfg.snowflakeEnabled,
    stateDir: join(cfg.stateDir, 'sim', cfg.stationId),
    healthSources: simulatedHealth(seed, () => clock.now()),
    logger: makeLogger(io, cfg, true),
    owner: 'opensensor-sim backfill',
    // libzstd's WebAssembly, rather than the agent's own compressor (kept for its memory), which V8
    // spends much of a short backfill compiling, or node:zlib, which builds a stream and a zstd context
    // for every page (docs/performance.md, "Round 8" and "Round 10").
    zstd: 'wasm',
    ...(o.readInterval ? { readIntervalMs: Math.round(o.readInterval * 1000) } : {}),
  });
  let result: BackfillResult;
  let lake: { rows: number; windows: number; bytes: number };
  try {
    result = await station.backfill({ from, to: end, signal, onProgress });
    lake = station.status().lake;
  } finally {
    await station.close();
  }
  return {
    index: i,
    stationId: cfg.stationId,
    rows: lake.rows,
    files: lake.windows,
    bytes: lake.bytes,
    resumed: result.from > start,
    lostReadings: result.lostReadings,
    unwrittenReadings: result.unwrittenReadings,
    stopped: result.completed ? null : { time: result.reached, failure: result.failure },
  };
}

/** Runs stations: in this thread, or in a worker thread (`fleet-workers.ts`). */
export interface StationRunner {
  run(i: number, signal: AbortSignal, onProgress: (t: number) => void): Promise<StationOutcome>;
  close(): Promise<void>;
}

/** Starts `n` worker threads that run stations of `plan` (`fleet-workers.ts`); without it, one thread. */
export type StartWorkers = (io: SimIo, plan: FleetPlan, n: number) => Promise<StationRunner[]>;

export async function backfill(
  io: SimIo,
  o: BackfillOptions,
  signal?: AbortSignal,
  startWorkers?: StartWorkers,
): Promise<BackfillSummary> {
  validateCommon(o);
  const hour = 3_600_000;
  const end = o.end ? parseTime('--end', o.end) : Math.floor(Date.now() / hour) * hour;
  const start = o.start ? parseTime('--start', o.start) : end - 24 * hour;
  if (!(end > start))
    throw new UsageError(
      `--end must be after --start (got ${new Date(start).toISOString()} .. ${new Date(end).toISOString()})`,
    );
  parseFaults(o.faults);
  if (o.workers !== undefined && !(Number.isInteger(o.workers) && o.workers >= 1 && o.workers <= 64))
    throw new UsageError(`--workers: expected a whole number from 1 to 64, received ${o.workers}`);
  const workers = startWorkers ? Math.min(o.workers ?? defaultWorkers(o.stations), o.stations) : 1;
  const parallel = o.parallel ?? defaultParallel(o.stations, workers);
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 64)
    throw new UsageError(`--parallel: expected a whole number from 1 to 64, received ${parallel}`);
  const began = process.hrtime.bigint();
  const bar = progressBar(io.isTty && !o.json, io.stderr);
  const first = stationConfig(io, o, 0);
  const config = first.config;
  if (first.sources.clockPolicy !== 'default' && config.clockPolicy === 'wait-for-sync')
    io.stderr(
      `warning: ${settings.clockPolicy.env}=wait-for-sync does not apply to a backfill: its simulated clock is always right (\`opensensor-sim run\` and \`opensensor start --simulate\` honour it)\n`,
    );
  const summary: BackfillSummary = {
    stations: o.stations,
    stationIds: [],
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    rows: 0,
    files: 0,
    bytes: 0,
    seconds: 0,
    output: config.outputDir,
    resumedAfterExisting: 0,
    sync: null,
    completed: false,
    interrupted: false,
    failure: null,
    stoppedAt: null,
    lostReadings: 0,
    unwrittenReadings: 0,
    continueWith: null,
  };
  const plan: FleetPlan = { o, start, end };
  // Stations are independent (own journal, state and lake partition): several are backfilled at once
  // in each thread, so one station's CPU work fills the time another waits for its fsyncs, and the
  // threads share the cores. A station that stops (a full disk, Ctrl-C) stops the others too, and no
  // new one starts.
  const stopAll = new AbortController();
  const onStop = () => stopAll.abort();
  signal?.addEventListener('abort', onStop, { once: true });
  if (signal?.aborted) stopAll.abort();
  const runners: StationRunner[] =
    workers > 1 && startWorkers ? await startWorkers(io, plan, workers) : [inThisThread(io, plan)];
  const progress = new Float64Array(o.stations);
  let progressSum = 0;
  const stopped: { index: number; station: string; time: number; failure: string | null }[] = [];
  let next = 0;
  const runOne = async (runner: StationRunner, i: number): Promise<void> => {
    const outcome = await runner.run(i, stopAll.signal, (t) => {
      const f = (t - start) / (end - start);
      progressSum += f - (progress[i] as number);
      progress[i] = f;
      bar.update(
        progressSum / o.stations,
        `${o.stations === 1 ? 'station' : 'stations'} ${Math.min(next, o.stations)}/${o.stations}`,
      );
    });
    summary.stationIds[i] = outcome.stationId;
    summary.rows += outcome.rows;
    summary.files += outcome.files;
    summary.bytes += outcome.bytes;
    if (outcome.resumed) summary.resumedAfterExisting += 1;
    summary.lostReadings += outcome.lostReadings;
    summary.unwrittenReadings += outcome.unwrittenReadings;
    if (outcome.stopped) {
      stopped.push({ index: i, station: outcome.stationId, ...outcome.stopped });
      stopAll.abort();
    }
  };
  try {
    // A station that throws (its journal locked by another process, say) stops the others, and the
    // error is rethrown only once every station in flight has stopped and closed.
    const lanes = await Promise.allSettled(
      runners.flatMap((runner) =>
        Array.from({ length: Math.min(parallel, o.stations) }, async () => {
          while (next < o.stations && !stopAll.signal.aborted) {
            await runOne(runner, next++).catch((err: unknown) => {
              stopAll.abort();
              throw err;
            });
          }
        }),
      ),
    );
    const thrown = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
    if (thrown) throw thrown.reason;
  } finally {
    signal?.removeEventListener('abort', onStop);
    await Promise.all(runners.map((r) => r.close()));
  }
  summary.stationIds = summary.stationIds.filter((id) => id !== undefined);
  if (stopped.length > 0 || (stopAll.signal.aborted && next < o.stations)) {
    // The station that failed is the one to name; without a failure, the first one interrupted.
    const first = [...stopped].sort(
      (a, b) => Number(a.failure === null) - Number(b.failure === null) || a.index - b.index,
    )[0];
    summary.interrupted = first === undefined || first.failure === null;
    summary.failure = first?.failure ?? null;
    summary.stoppedAt = first
      ? { station: first.station, time: new Date(first.time).toISOString() }
      : { station: o.stationId ?? simulatedStationId(o.seed, next), time: new Date(start).toISOString() };
    summary.continueWith = o.commandLine ?? 'the same opensensor-sim backfill command';
  }
  bar.done();
  summary.completed = summary.stoppedAt === null;
  if (summary.completed && config.syncEnabled) {
    const r = await syncOnce(config, { logger: makeLogger(io, config, true) });
    summary.sync = {
      uploaded: r.data.uploaded + (r.health?.uploaded ?? 0),
      failed: r.data.failed + (r.health?.failed ?? 0),
      bytes: r.data.bytes + (r.health?.bytes ?? 0),
    };
  }
  summary.seconds = Number(process.hrtime.bigint() - began) / 1e9;
  return summary;
}

function inThisThread(io: SimIo, plan: FleetPlan): StationRunner {
  return {
    run: (i, signal, onProgress) => backfillStation(io, plan, i, signal, onProgress),
    close: async () => {},
  };
}

/**
 * Where a backfill of this station may start: a backfill journals new readings, so over a range the
 * station's lake already holds it would store the same readings a second time. It continues after the
 * newest window already there instead (running the demo again only adds the hours since).
 */
async function resumeAfterExisting(config: OpenSensorConfig, start: number, end: number): Promise<number> {
  const DAY = 86_400_000;
  let resume = start;
  for (let day = Math.floor(start / DAY) * DAY; day < end; day += DAY) {
    const d = new Date(day);
    const dir = join(
      config.outputDir,
      `station=${config.stationId}`,
      `year=${d.getUTCFullYear()}`,
      `month=${String(d.getUTCMonth() + 1).padStart(2, '0')}`,
      `day=${String(d.getUTCDate()).padStart(2, '0')}`,
    );
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const m = /^data_(\d{2})(\d{2})(?:_\d+)?\.parquet$/.exec(name);
      if (!m) continue;
      const minutes = Number(m[1]) * 60 + Number(m[2]);
      const windowEnd = day + (minutes === 0 ? 1440 : minutes) * 60_000;
      if (windowEnd > resume && windowEnd - config.batchDuration * 1000 < end) resume = windowEnd;
    }
  }
  return Math.min(resume, end);
}

export function describeBackfill(s: BackfillSummary, cwd: string): string {
  const rel = s.output.startsWith(`${cwd}/`) ? s.output.slice(cwd.length + 1) : s.output;
  if (!s.completed) return describeStoppedBackfill(s, rel);
  return [
    `Backfilled ${s.stations} station${s.stations === 1 ? '' : 's'} from ${s.start} to ${s.end}: ${s.rows} readings in ${s.files} files (${(s.bytes / 1024).toFixed(1)} KiB) in ${s.seconds.toFixed(2)} s.`,
    s.resumedAfterExisting > 0
      ? `${s.resumedAfterExisting} station${s.resumedAfterExisting === 1 ? '' : 's'} already had part of this range: continued after the data already there (nothing is stored twice).`
      : '',
    s.sync ? `Uploaded ${s.sync.uploaded} files (${s.sync.failed} failed).` : '',
    `The lake is in ${s.output}`,
    'Read it with DuckDB:',
    `  duckdb -c "SELECT station, count(*) AS readings, min(timestamp), max(timestamp), avg(temperature) FROM read_parquet('${rel}/**/*.parquet', hive_partitioning=true) GROUP BY station"`,
    '',
  ]
    .filter((l) => l !== '')
    .join('\n')
    .concat('\n');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** What an interrupted or failed backfill wrote, what it lost, and the command that continues it. */
function describeStoppedBackfill(s: BackfillSummary, rel: string): string {
  const at = s.stoppedAt as { station: string; time: string };
  return [
    s.failure === null
      ? `Backfill interrupted at ${at.time} (station ${at.station}).`
      : `Backfill stopped at ${at.time} (station ${at.station}): ${s.failure}`,
    `Written: ${plural(s.rows, 'reading')} in ${plural(s.files, 'file')} (${(s.bytes / 1024).toFixed(1)} KiB) in ${s.seconds.toFixed(2)} s, into ${rel}.`,
    s.lostReadings > 0
      ? `Lost: ${plural(s.lostReadings, 'reading')} could not be journaled and ${s.lostReadings === 1 ? 'is' : 'are'} not stored; the next run takes ${s.lostReadings === 1 ? 'it' : 'them'} again.`
      : '',
    s.unwrittenReadings > 0
      ? `${plural(s.unwrittenReadings, 'reading')} wait in the journal, not yet in a file; the next run writes them (nothing is stored twice).`
      : '',
    s.failure === null
      ? 'To continue, run the same command again:'
      : /ENOSPC|disk .*is full/i.test(s.failure)
        ? 'Free space on that disk, then run the same command again to continue:'
        : 'Fix the cause, then run the same command again to continue:',
    `  ${s.continueWith}`,
    '',
  ]
    .filter((l) => l !== '')
    .join('\n')
    .concat('\n');
}

export interface RunOptions extends CommonSimOptions {
  /** Stop after this many seconds (tests, demos); default: until a signal. */
  duration?: number;
  /**
   * Write the open windows when stopping (true) or leave them in the journal for the next run
   * (false). Default: OPENSENSOR_FLUSH_ON_STOP (true).
   */
  flushOnExit?: boolean;
  /**
   * Run on a simulated clock this many times faster than real time (readings, windows, health, sync
   * and retry schedules all on it); default: the system clock.
   */
  speed?: number;
  /**
   * Steps of the simulated wall clock with `speed`, as NTP makes them (`36h=+2h,6d=-45m`: 36 simulated
   * hours after the clock first started it jumps two hours ahead, after six days 45 minutes back).
   */
  clockSteps?: string;
  /**
   * Bound of each station's journal in KiB, instead of OPENSENSOR_JOURNAL_MAX_MB and below its 8 MiB,
   * so that a simulated outage reaches the bound (drops counted and logged) within minutes.
   */
  journalMaxKib?: number;
}

/** Simulated stations in real time through the real pipeline, until a signal (or `duration`). */
export async function run(io: SimIo, o: RunOptions, signal?: AbortSignal): Promise<void> {
  validateCommon(o);
  if (o.speed !== undefined && !(o.speed >= 1 && o.speed <= 1_000_000))
    throw new UsageError(`--speed: expected a factor from 1 to 1000000, received ${o.speed}`);
  if (
    o.journalMaxKib !== undefined &&
    !(Number.isInteger(o.journalMaxKib) && o.journalMaxKib >= 4 && o.journalMaxKib <= 1_048_576)
  )
    throw new UsageError(
      `--journal-max-kib: expected a whole number of KiB from 4 to 1048576, received ${o.journalMaxKib}`,
    );
  if (o.clockSteps !== undefined && o.speed === undefined)
    throw new UsageError('--clock-steps steps the simulated clock: use it with --speed');
  let clockSteps: ReturnType<typeof parseClockSteps> | undefined;
  try {
    clockSteps = o.clockSteps === undefined ? undefined : parseClockSteps(o.clockSteps);
  } catch (err) {
    if (err instanceof ClockStepsError) throw new UsageError(err.message);
    throw err;
  }
  const faults = parseFaults(o.faults);
  const shutdown = signal ? null : shutdownSignal({ onSignal: (s) => io.stderr(`${s}: stopping…\n`) });
  const stop = signal ?? (shutdown as { signal: AbortSignal }).signal;
  const controller = new AbortController();
  stop.addEventListener('abort', () => controller.abort(), { once: true });
  const timer = o.duration ? setTimeout(() => controller.abort(), o.duration * 1000) : undefined;
  const stations: Station[] = [];
  const flushOnExit: boolean[] = [];
  let metrics: MetricsServer | null = null;
  try {
    for (let i = 0; i < o.stations; i++) {
      const { config, sources } = stationConfig(io, o, i);
      const log = makeLogger(io, config, false).child({ sim: i });
      // Real time on the system clock: trusted unless OPENSENSOR_CLOCK_POLICY is set, which then
      // applies as on a real station (docs/clock.md), so a simulated fleet can exercise the policy.
      const trustClock = sources.clockPolicy === 'default';
      const stateDir = join(config.stateDir, 'sim', config.stationId);
      const seed = stationSeed(o.seed, i);
      const clock = o.speed
        ? await pacedClockFor(join(stateDir, 'sim-clock.json'), o.speed, Date.now(), clockSteps)
        : systemClock;
      stations.push(
        await stationFromConfig({
          config,
          clock,
          simulate: { seed, ...(faults ? { faults } : {}) },
          trustClock,
          stateDir,
          // Sped up, the host's health would not match the simulated time: simulated health instead.
          ...(o.speed ? { healthSources: simulatedHealth(seed, () => clock.now()) } : {}),
          logger: log,
          owner: 'opensensor-sim run',
          ...(o.journalMaxKib ? { journalMaxBytes: o.journalMaxKib * 1024 } : {}),
          ...(o.readInterval ? { readIntervalMs: Math.round(o.readInterval * 1000) } : {}),
        }),
      );
      flushOnExit.push(o.flushOnExit ?? config.flushOnStop);
      // OPENSENSOR_METRICS_PORT serves the first station's metrics, as the agent serves its own: one
      // port, so one station (a fleet's stations would share it).
      if (i === 0 && config.metricsPort !== undefined) {
        metrics = await serveStationMetrics({
          station: stations[0] as Station,
          host: config.metricsHost,
          port: config.metricsPort,
          build: { version: pkg.version },
          logger: log,
        }).catch((err: unknown) => {
          log.error('the metrics endpoint is off', { err });
          return null;
        });
        if (metrics) log.info('metrics endpoint listening', { url: `${metrics.url}/metrics` });
      }
      log.info('simulated station started', {
        station: config.stationId,
        output: resolve(config.outputDir),
        clockPolicy: trustClock ? 'trust-system-clock (simulation)' : config.clockPolicy,
        ...(o.speed ? { speed: o.speed, simulatedTime: new Date(clock.now()).toISOString() } : {}),
        ...(clock instanceof PacedClock && clock.anchor.steps
          ? { clockSteps: clock.anchor.steps.map((s) => ({ at: new Date(s.at).toISOString(), by: s.by })) }
          : {}),
      });
    }
    // One station failing stops the fleet cleanly: the others are asked to stop before anything closes.
    const results = await Promise.allSettled(
      stations.map((s, i) =>
        s.run(controller.signal, { flushOnExit: flushOnExit[i] !== false }).catch((err: unknown) => {
          controller.abort();
          throw err;
        }),
      ),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    controller.abort();
    if (timer) clearTimeout(timer);
    await metrics?.close();
    for (const s of stations) await s.close();
    shutdown?.dispose();
  }
}
