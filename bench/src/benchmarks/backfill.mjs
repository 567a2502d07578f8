import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binNodeOptions, runCli, runWorker, SIM_CLI } from '../lib/child.mjs';

const FLEET_START = '2026-01-01T00:00:00.000Z';

import { summarize, summarizeFields } from '../lib/stats.mjs';

/** Runs a worker `warmup` times (discarded) then `reps` times, each in a fresh process. */
export async function repeat(worker, params, { warmup, reps }, options = {}) {
  for (let i = 0; i < warmup; i++) removeOutput(await runWorker(worker, params, options));
  const out = [];
  for (let i = 0; i < reps; i++) out.push(removeOutput(await runWorker(worker, params, options)));
  return out;
}

/** Deletes what a backfill worker left behind (`removeOutput: 'parent'`), outside its measured process. */
function removeOutput(result) {
  if (result.outputDir) rmSync(result.outputDir, { recursive: true, force: true });
  return result;
}

const perRep = (r) => ({
  ...r,
  processWallS: r.processWallMs / 1000,
  runS: r.runMs / 1000,
  cpuS: r.cpuMs / 1000,
  readingsPerSec: r.readings / (r.runMs / 1000),
  lakeBytesPerFile: r.lakeBytes / r.files,
  lakeMB: r.lakeBytes / 1e6,
  journalMB: r.journalBytes === undefined ? undefined : r.journalBytes / 1e6,
});

/** 2. One station × 24 h at 5 s: the reference's write path alone, then the whole pipeline. */
export async function dayBackfill(ctx) {
  const { hours, warmup, reps } = ctx.profile.day;
  // The library runs in a process started as `opensensor-sim` starts Node (its launcher's options).
  const nodeOptions = binNodeOptions(SIM_CLI);
  const stationDay = {
    stations: 1,
    hours,
    readIntervalSec: 5,
    compression: 'zstd',
    health: true,
    nodeOptions,
  };
  // The directories' fsyncs: once per 16 windows, as `Station.backfill` syncs them once per drain group
  // (BACKFILL_DRAIN_WINDOWS), and once per file, as a writer that names files one by one does.
  for (const [directorySync, extra] of [
    ['every 16 windows, as a backfill', { groupOf: 16 }],
    ['after each file', {}],
  ]) {
    const lake = (
      await repeat(
        'backfill',
        { mode: 'lake-only', hours, removeOutput: 'parent', ...extra },
        { warmup, reps },
        { nodeArgs: nodeOptions },
      )
    ).map(perRep);
    ctx.emit({
      name: 'day-backfill',
      params: {
        mode: 'lake-only',
        stations: 1,
        hours,
        readIntervalSec: 5,
        compression: 'zstd',
        filesInFlight: 4,
        directorySync,
        nodeOptions,
      },
      description:
        'rows in memory → 96 Parquet files (atomic, fsynced; four in flight, named in order, as a backfill writes them), the path measurements.md timed for Polars',
      figures: summarizeFields(lake, {
        processWallS: 's',
        runS: 's',
        cpuS: 's',
        peakRssMB: 'MB',
        lakeMB: 'MB',
        lakeBytesPerFile: 'B',
      }),
      reference: {
        processWallS: 1.13,
        peakRssMB: 94,
        lakeMB: 1.42,
        lakeBytesPerFile: 14_800,
        source: 'Python + Polars 1.44 + PyArrow 25, zstd (measurements.md)',
      },
    });
  }
  const pipe = (
    await repeat(
      'backfill',
      { mode: 'pipeline', hours, removeOutput: 'parent' },
      { warmup, reps },
      { nodeArgs: nodeOptions },
    )
  ).map(perRep);
  ctx.emit({
    name: 'day-backfill',
    params: { mode: 'pipeline', ...stationDay },
    description: 'simulated board → journal (fsync 1 s) → lake and health writers on a simulated clock',
    figures: summarizeFields(pipe, {
      processWallS: 's',
      runS: 's',
      cpuS: 's',
      peakRssMB: 'MB',
      readingsPerSec: 'readings/s',
      files: 'files',
      lakeBytesPerFile: 'B',
      journalMB: 'MB',
    }),
  });
  // The same day as a user runs it: `opensensor-sim backfill` (settings, CLI, progress, summary).
  const cli = [];
  const parent = mkdtempSync(join(tmpdir(), 'opensensor-bench-sim-'));
  try {
    for (let i = 0; i < warmup + reps; i++) {
      const r = await simBackfill(parent, { stations: 1, hours });
      if (i >= warmup) cli.push(r);
    }
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
  ctx.emit({
    name: 'day-backfill',
    params: { mode: 'cli', ...stationDay },
    description: 'opensensor-sim backfill --start … --end … --output …, spawn to exit',
    figures: summarizeFields(
      cli.map((r) => ({
        processWallS: r.wallMs / 1000,
        cpuS: r.cpuMs / 1000,
        peakRssMB: r.peakRssMB,
        files: r.summary.files,
      })),
      { processWallS: 's', cpuS: 's', peakRssMB: 'MB', files: 'files' },
    ),
  });
}

/**
 * `opensensor-sim backfill` of `stations` × `hours` in a fresh directory under `parent`, through the
 * CLI. The directories are deleted once every fleet has run: on ext4, creating files right after
 * deleting a large tree is slower (the inode allocator skips recently deleted inodes), which made the
 * run after a 1,000-station fleet's deletion ~40 % slower than the same run in a fresh state.
 */
async function simBackfill(parent, { stations, hours, parallel, workers }) {
  const dir = mkdtempSync(join(parent, 'fleet-'));
  return runCli(
    [
      SIM_CLI,
      'backfill',
      '--stations',
      String(stations),
      '--start',
      FLEET_START,
      '--end',
      new Date(Date.parse(FLEET_START) + hours * 3_600_000).toISOString(),
      '--output',
      'output',
      '--json',
      ...(parallel ? ['--parallel', String(parallel)] : []),
      ...(workers ? ['--workers', String(workers)] : []),
    ],
    { cwd: dir, timeoutMs: 1_800_000 },
  );
}

/**
 * 3. Fleets through the user's path: `opensensor-sim backfill --stations N` (one process), each fleet
 * size with one station at a time in one thread, with several at once in one thread (`--workers 1`),
 * and with the defaults (worker threads, one per core).
 */
export async function fleetBackfill(ctx) {
  const parent = mkdtempSync(join(tmpdir(), 'opensensor-bench-sim-'));
  try {
    await runFleets(ctx, parent);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
}

async function runFleets(ctx, parent) {
  for (const { stations, hours } of ctx.profile.fleet) {
    for (const { parallel, workers } of [{ parallel: 1, workers: 1 }, { workers: 1 }, {}]) {
      // The previous fleet's files are written back first (sync(1)): a run that starts while 33 MB and
      // 8,000 files of the one before are still being flushed pays for them (1,000 × 1 h with the
      // defaults, third of three 1,000-station fleets: 17.6 s without this, 12.8 s with it).
      spawnSync('sync');
      const r = await simBackfill(parent, { stations, hours, parallel, workers });
      const stationHours = stations * hours;
      ctx.emit({
        name: 'fleet-backfill',
        params: {
          stations,
          hours,
          parallel: parallel ?? 'default',
          workers: workers ?? 'default',
          readIntervalSec: 5,
          compression: 'zstd',
          health: true,
          nodeOptions: binNodeOptions(SIM_CLI),
        },
        description: 'opensensor-sim backfill --stations N through the CLI (one process)',
        figures: {
          processWallS: summarize([r.wallMs / 1000], 's'),
          cpuS: summarize([r.cpuMs / 1000], 's'),
          peakRssMB: summarize([r.peakRssMB], 'MB'),
          readingsPerSec: summarize([r.summary.rows / (r.wallMs / 1000)], 'readings/s'),
          cpuMsPerStationHour: summarize([r.cpuMs / stationHours], 'ms'),
          wallMsPerStationHour: summarize([r.wallMs / stationHours], 'ms'),
          lakeMB: summarize([r.summary.bytes / 1e6], 'MB'),
        },
      });
    }
  }
}
