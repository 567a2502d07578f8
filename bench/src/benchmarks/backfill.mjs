import { rmSync } from 'node:fs';
import { runWorker } from '../lib/child.mjs';
import { summarize, summarizeFields } from '../lib/stats.mjs';

/** Runs a worker `warmup` times (discarded) then `reps` times, each in a fresh process. */
export async function repeat(worker, params, { warmup, reps }) {
  for (let i = 0; i < warmup; i++) removeOutput(await runWorker(worker, params));
  const out = [];
  for (let i = 0; i < reps; i++) out.push(removeOutput(await runWorker(worker, params)));
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
  const lake = (
    await repeat('backfill', { mode: 'lake-only', hours, removeOutput: 'parent' }, { warmup, reps })
  ).map(perRep);
  ctx.emit({
    name: 'day-backfill',
    params: { mode: 'lake-only', stations: 1, hours, readIntervalSec: 5, compression: 'zstd' },
    description:
      'rows in memory → 96 Parquet files (atomic, fsynced), the path measurements.md timed for Polars',
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
  const pipe = (
    await repeat('backfill', { mode: 'pipeline', hours, removeOutput: 'parent' }, { warmup, reps })
  ).map(perRep);
  ctx.emit({
    name: 'day-backfill',
    params: { mode: 'pipeline', stations: 1, hours, readIntervalSec: 5, compression: 'zstd', health: true },
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
}

/** 3. Fleets, one station after another in one process (as `opensensor-sim backfill --stations N`). */
export async function fleetBackfill(ctx) {
  for (const { stations, hours } of ctx.profile.fleet) {
    const r = await runWorker('backfill', { mode: 'pipeline', stations, hours }, { timeoutMs: 1_800_000 });
    const stationHours = stations * hours;
    // The first station pays for JIT warm-up; the others are the repetitions of "one station".
    const perStation = r.perStationMs.slice(stations > 1 ? 1 : 0).map((ms) => ms / hours);
    // Does a station cost more when many came before it in the same lake? Compare the last tenth
    // of the stations with the first tenth (after the first).
    const tenth = Math.max(1, Math.floor(perStation.length / 10));
    const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
    const growth = mean(perStation.slice(-tenth)) / mean(perStation.slice(0, tenth));
    ctx.emit({
      name: 'fleet-backfill',
      params: { stations, hours, readIntervalSec: 5, compression: 'zstd', health: true },
      figures: {
        processWallS: summarize([r.processWallMs / 1000], 's'),
        cpuS: summarize([r.cpuMs / 1000], 's'),
        peakRssMB: summarize([r.peakRssMB], 'MB'),
        readingsPerSec: summarize([r.readings / (r.runMs / 1000)], 'readings/s'),
        filesPerSec: summarize([(r.files + r.healthFiles) / (r.runMs / 1000)], 'files/s'),
        cpuMsPerStationHour: summarize([r.runCpuMs / stationHours], 'ms'),
        wallMsPerStationHour: summarize(perStation, 'ms'),
        lastTenthVsFirstTenth: summarize([growth], '×'),
        lakeMB: summarize([r.lakeBytes / 1e6], 'MB'),
      },
    });
  }
}
