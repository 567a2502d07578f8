#!/usr/bin/env node
// `pnpm bench`: runs the benchmark suite against the BUILT packages and prints one JSON object per
// benchmark case on stdout (plus a table on stderr when it is a terminal). Not a test: nothing here
// asserts a time. Usage: node bench/src/main.mjs [--profile quick|default|full] [--only a,b] [--list]
import { agentSteadyState } from './benchmarks/agent.mjs';
import { dayBackfill, fleetBackfill } from './benchmarks/backfill.mjs';
import { coldStart } from './benchmarks/cold-start.mjs';
import { dashboard } from './benchmarks/dashboard.mjs';
import { batchEncode } from './benchmarks/encode.mjs';
import { lakeJobs } from './benchmarks/lake.mjs';
import { metricsCost } from './benchmarks/metrics.mjs';
import { peerWritePath } from './benchmarks/peer.mjs';
import { releaseArtifact } from './benchmarks/release.mjs';
import { syncThroughput } from './benchmarks/sync.mjs';
import { createReporter } from './lib/report.mjs';

export const BENCHMARKS = {
  encode: batchEncode,
  day: dayBackfill,
  fleet: fleetBackfill,
  agent: agentSteadyState,
  'cold-start': coldStart,
  sync: syncThroughput,
  dashboard,
  lake: lakeJobs,
  metrics: metricsCost,
  peer: peerWritePath,
  release: releaseArtifact,
};

/**
 * Sizes and repetitions. `default` runs the suite in about 3 minutes on a 2-core x86 machine, plus about
 * 11 for `lake` (its fleet of 10 stations × 30 days is simulated on every run, then built);
 * `full` adds the fleet sizes of the issue (100 stations × 1 day, 1,000 stations × 1 hour), which take
 * several minutes more; `quick` is for the smoke test.
 */
export const PROFILES = {
  quick: {
    encode: { batches: 4, warmup: 4, reps: 2 },
    day: { hours: 1, warmup: 0, reps: 1 },
    fleet: [{ stations: 2, hours: 1 }],
    agent: { hours: 1, warmup: 0, reps: 1 },
    realtime: { warmupMs: 1000, sampleMs: 2000, batchDurationSec: 60, waitForWindow: false },
    metrics: { warmupMs: 1000, sampleMs: 2000, reps: 1, scrapeEveryMs: 1000 },
    coldStart: { warmup: 0, reps: 1, lakeDays: 2 },
    release: { warmup: 0, reps: 1 },
    sync: { warmup: 0, reps: 1, files: 4, largeBytes: 8 * 1024 * 1024, yearDays: 2 },
    dashboard: { days: 2, warmup: 0, reps: 2 },
    // 1-minute readings in 1-hour files: the same jobs on a lake small enough for the smoke test.
    lake: {
      stations: 2,
      days: 2,
      start: '2026-06-01T00:00:00Z',
      readIntervalSec: 60,
      batchDurationSec: 3600,
      noopReps: 2,
      lateFiles: 1,
      queryWarmup: 1,
      queryReps: 3,
    },
  },
  default: {
    encode: { batches: 48, warmup: 200, reps: 9 },
    day: { hours: 24, warmup: 1, reps: 5 },
    fleet: [
      { stations: 10, hours: 1 },
      { stations: 100, hours: 1 },
      { stations: 10, hours: 24 },
    ],
    agent: { hours: 24, warmup: 1, reps: 3 },
    // Sampled from 4 minutes after the first window: an agent's memory grows for its first minutes as
    // V8 compiles what got hot (without the agent's own V8 flags: 56 MB 20 s after its first window,
    // 65 MB after 5 minutes).
    realtime: { warmupMs: 240_000, sampleMs: 20_000, batchDurationSec: 60, waitForWindow: true },
    // Scraped every 5 s: three to six times what a Prometheus server usually asks.
    metrics: { warmupMs: 5000, sampleMs: 30_000, reps: 3, scrapeEveryMs: 5000 },
    coldStart: { warmup: 2, reps: 9, lakeDays: 365 },
    // The installed release against the workspace build, alternating (issue 19: within 10 %).
    release: { warmup: 2, reps: 15 },
    sync: { warmup: 1, reps: 3, files: 96, largeBytes: 100 * 1024 * 1024, yearDays: 365 },
    // A station-month: the gold files of a month view, the same size at any read interval.
    dashboard: { days: 30, warmup: 1, reps: 5 },
    // The fleet: 10 stations × 30 days (June: one whole month) at the simulator's defaults.
    lake: {
      stations: 10,
      days: 30,
      start: '2026-06-01T00:00:00Z',
      readIntervalSec: 5,
      batchDurationSec: 900,
      noopReps: 5,
      lateFiles: 3,
      queryWarmup: 1,
      queryReps: 5,
    },
  },
};
PROFILES.full = {
  ...PROFILES.default,
  fleet: [
    { stations: 10, hours: 1 },
    { stations: 100, hours: 1 },
    { stations: 1000, hours: 1 },
    { stations: 100, hours: 24 },
  ],
};

function parseArgs(argv) {
  const args = { profile: 'default', only: Object.keys(BENCHMARKS), list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--profile') args.profile = value();
    else if (a === '--only') args.only = value().split(',');
    else if (a === '--list') args.list = true;
    else if (a === '--help' || a === '-h') args.help = true;
    else throw new UsageError(`unknown argument ${a}`);
  }
  if (!PROFILES[args.profile])
    throw new UsageError(
      `--profile: expected one of ${Object.keys(PROFILES).join(', ')}, got ${args.profile}`,
    );
  for (const name of args.only)
    if (!BENCHMARKS[name])
      throw new UsageError(
        `--only: unknown benchmark "${name}"; known: ${Object.keys(BENCHMARKS).join(', ')}`,
      );
  return args;
}

class UsageError extends Error {
  name = 'UsageError';
}

const USAGE = `usage: node bench/src/main.mjs [--profile quick|default|full] [--only ${Object.keys(BENCHMARKS).join(',')}] [--list]
Runs against the built packages (pnpm build first). JSON lines on stdout, a table on stderr when it is a terminal.
`;

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.list) {
    process.stdout.write(`${Object.keys(BENCHMARKS).join('\n')}\n`);
    return 0;
  }
  const reporter = createReporter();
  const m = reporter.machine;
  reporter.note(`${m.cpuModel}, ${m.cores} cores, Node ${m.node}, profile ${args.profile}`);
  const began = Date.now();
  let failed = 0;
  for (const name of args.only) {
    const t0 = Date.now();
    try {
      await BENCHMARKS[name]({ profile: PROFILES[args.profile], emit: reporter.emit });
    } catch (err) {
      failed++;
      const message = err instanceof Error ? err.message : String(err);
      if (/Cannot find (module|package)|ERR_MODULE_NOT_FOUND/.test(message))
        process.stderr.write(
          `${name}: a workspace package is not built or not linked: run pnpm install && pnpm build\n`,
        );
      reporter.emit({ name, params: {}, figures: {}, error: message });
    }
    reporter.note(`(${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  reporter.note(`\nsuite: ${((Date.now() - began) / 1000).toFixed(1)} s`);
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main();
