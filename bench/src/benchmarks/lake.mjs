import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentCli } from '../lib/agent-process.mjs';
import { runCli, runWorker, SIM_CLI } from '../lib/child.mjs';
import { summarize } from '../lib/stats.mjs';

const DAY_MS = 86_400_000;

/**
 * Sets the mtime of every file and folder under `dir` back by `ms`: the fleet's month of files as it
 * is on a collector the day after, not seconds after the simulator wrote all of it at once.
 */
function ageTree(dir, ms) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) ageTree(p, ms);
    const t = (statSync(p).mtimeMs - ms) / 1000;
    utimesSync(p, t, t);
  }
}

/** Every file under `dir` (relative paths, `/`-separated) with its size. */
function listFiles(dir, prefix = '') {
  const out = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(join(dir, e.name), rel));
    else out.push({ path: rel, bytes: statSync(join(dir, e.name)).size });
  }
  return out;
}

const pad = (n) => String(n).padStart(2, '0');
const dayPath = (t) => {
  const d = new Date(t);
  return `year=${d.getUTCFullYear()}/month=${pad(d.getUTCMonth() + 1)}/day=${pad(d.getUTCDate())}`;
};

/**
 * The files a fleet's lake and lakehouse hold, scaled to one station-year: files of a station-day
 * (bronze windows, silver days) × 365, files of a station-month (gold) × 12, files of a station (gold
 * `stations`) × 1. The lakehouse's own files (catalog.json, _state) are counted apart: one per lakehouse.
 */
function filesPerStationYear({ bronze, lakehouse, stations, days, stationMonths }) {
  const stationDays = stations * days;
  const bronzeData = listFiles(bronze).filter((f) => f.path.endsWith('.parquet'));
  const bronzeHealth = listFiles(`${bronze}-health`).filter((f) => f.path.endsWith('.parquet'));
  const lake = listFiles(lakehouse).filter((f) => !f.path.split('/').pop().startsWith('.'));
  const group = (test) => lake.filter((f) => test(f.path));
  const silver = group((p) => p.startsWith('silver/'));
  const goldMonthly = group((p) => p.startsWith('gold/') && !p.startsWith('gold/stations/'));
  const goldStations = group((p) => p.startsWith('gold/stations/'));
  const own = group((p) => !p.startsWith('silver/') && !p.startsWith('gold/'));
  const n = (list) => list.length;
  const mb = (list) => list.reduce((s, f) => s + f.bytes, 0) / 1e6;
  const bronzeYear = ((n(bronzeData) + n(bronzeHealth)) / stationDays) * 365;
  const silverGoldYear =
    (n(silver) / stationDays) * 365 + (n(goldMonthly) / stationMonths) * 12 + n(goldStations) / stations;
  const bronzeMBYear = ((mb(bronzeData) + mb(bronzeHealth)) / stationDays) * 365;
  const silverGoldMBYear =
    (mb(silver) / stationDays) * 365 + (mb(goldMonthly) / stationMonths) * 12 + mb(goldStations) / stations;
  return {
    counted: {
      bronzeData: n(bronzeData),
      bronzeHealth: n(bronzeHealth),
      silver: n(silver),
      goldMonthly: n(goldMonthly),
      goldStations: n(goldStations),
      lakehouseOwn: n(own),
      stationDays,
      stationMonths,
    },
    bronzeYear,
    silverGoldYear,
    bronzeMBYear,
    silverGoldMBYear,
  };
}

/**
 * 7. The lake jobs (`opensensor lake build`, DuckDB) on a simulated fleet: the backfill that makes the
 * raw lake, a full build, no-op rebuilds, a rebuild after one late file, files per station-year, and
 * one question asked of bronze and of gold. The fleet is generated in a temp directory and removed.
 */
export async function lakeJobs(ctx) {
  const p = ctx.profile.lake;
  const cli = agentCli();
  if (!existsSync(SIM_CLI)) throw new Error(`${SIM_CLI} does not exist: run \`pnpm build\` first`);
  const dir = mkdtempSync(join(tmpdir(), 'opensensor-lake-bench-'));
  const bronze = join(dir, 'bronze');
  const lakehouse = join(dir, 'lakehouse');
  const held = join(dir, 'held-back');
  const start = Date.parse(p.start);
  const end = start + p.days * DAY_MS;
  const fleet = {
    stations: p.stations,
    days: p.days,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    readIntervalSec: p.readIntervalSec,
    batchDurationSec: p.batchDurationSec,
  };
  const build = () =>
    runCli([cli, 'lake', 'build', '--from', bronze, '--lakehouse', lakehouse, '--json'], { cwd: dir });
  try {
    // The raw lake, made once by the simulator (its journal goes to <dir>/state).
    const backfill = await runCli(
      [
        SIM_CLI,
        'backfill',
        '--stations',
        String(p.stations),
        '--start',
        fleet.start,
        '--end',
        fleet.end,
        '--read-interval',
        String(p.readIntervalSec),
        '--batch-duration',
        String(p.batchDurationSec),
        '--output',
        bronze,
        '--json',
      ],
      { cwd: dir },
    );
    const stationIds = backfill.summary.stationIds;

    // Late files: one data file (a 15-minute window with its readings) of a different station-day per
    // repetition is held back before the full build and arrives afterwards, as a late upload does.
    mkdirSync(held);
    const late = [];
    for (let i = 0; i < p.lateFiles; i++) {
      const station = stationIds[stationIds.length - 1 - (i % stationIds.length)];
      const day = start + ((Math.floor(p.days / 2) + i) % p.days) * DAY_MS;
      const dayDir = join(bronze, `station=${station}`, dayPath(day));
      const names = readdirSync(dayDir)
        .filter((n) => /^data_\d{4}\.parquet$/.test(n))
        .sort();
      const name = names[Math.floor(names.length / 2)];
      const from = join(dayDir, name);
      const to = join(held, `${i}-${name}`);
      renameSync(from, to);
      late.push({ from, to, station, day: new Date(day).toISOString().slice(0, 10), file: name });
    }

    // The simulator wrote the month in minutes; a collector gets it over the month. The build remembers
    // folders left alone for 5 minutes by their mtime alone (docs/lake.md): age the files by a day, so
    // that the no-op rebuilds measure a lake at rest, and the late files below one being written.
    for (const root of [bronze, `${bronze}-health`]) if (existsSync(root)) ageTree(root, DAY_MS);

    // The full build: every station-day (but the held-back windows), as users run it.
    const full = await build();
    const s = full.summary;
    ctx.emit({
      name: 'lake-build',
      params: {
        kind: 'full',
        ...fleet,
        command: 'opensensor lake build --json',
        engine: 'DuckDB, default threads',
      },
      description:
        'the simulator backfill that made the raw lake, then a full build of silver and gold from it through the CLI (spawn → exit; CPU user+sys of the child, all its threads); backfillOverBuild > 1: the build is faster than the backfill',
      figures: {
        backfillS: summarize([backfill.wallMs / 1000], 's'),
        backfillSummaryS: summarize([backfill.summary.seconds], 's'),
        backfillCpuS: summarize([backfill.cpuMs / 1000], 's'),
        buildS: summarize([full.wallMs / 1000], 's'),
        buildSummaryS: summarize([s.seconds], 's'),
        msPerStationDay: summarize([full.wallMs / s.stationDays], 'ms'),
        backfillOverBuild: summarize([backfill.wallMs / full.wallMs], '×'),
        backfillOverBuildCpu: summarize([backfill.cpuMs / full.cpuMs], '×'),
        buildCpuS: summarize([full.cpuMs / 1000], 's'),
        buildPeakRssMB: summarize([full.peakRssMB], 'MB'),
        stationDays: summarize([s.stationDays], 'station-days'),
        rows: summarize([s.rows], 'rows'),
        bronzeFiles: summarize([s.bronzeFiles], 'files'),
      },
      summary: { backfill: { rows: backfill.summary.rows, files: backfill.summary.files }, build: s },
    });

    // Nothing new: the build must see that and write nothing.
    const noop = [];
    for (let i = 0; i < p.noopReps; i++) noop.push(await build());
    const emitNoop = (runs, kind, description) =>
      ctx.emit({
        name: 'lake-build',
        params: { kind, ...fleet, bronzeFiles: s.bronzeFiles, goal: 'under 1 s for the fleet' },
        description,
        figures: {
          wallS: summarize(
            runs.map((r) => r.wallMs / 1000),
            's',
          ),
          summaryS: summarize(
            runs.map((r) => r.summary.seconds),
            's',
          ),
          cpuS: summarize(
            runs.map((r) => r.cpuMs / 1000),
            's',
          ),
          peakRssMB: summarize(
            runs.map((r) => r.peakRssMB),
            'MB',
          ),
          foldersLookedInto: summarize(
            runs.map((r) => r.summary.foldersLookedInto),
            'folders',
          ),
        },
        upToDate: runs.every((r) => r.summary.upToDate),
      });

    emitNoop(
      noop,
      'no-op',
      'a second build with nothing new in bronze, through the CLI (spawn → exit); the bronze files were written more than 5 minutes before (aged by a day), so every folder is known by its mtime',
    );

    // One late file at a time: exactly its station-day (and its gold month) is rebuilt.
    const lateRuns = [];
    for (const l of late) {
      renameSync(l.to, l.from);
      lateRuns.push(await build());
    }
    ctx.emit({
      name: 'lake-build',
      params: {
        kind: 'late-file',
        ...fleet,
        lateFiles: late.map(({ station, day, file }) => ({ station, day, file })),
      },
      description:
        'one bronze data file held back from the full build arrives (a different station-day each repetition); the build rebuilds its station-day, the gold month and the station row',
      figures: {
        wallS: summarize(
          lateRuns.map((r) => r.wallMs / 1000),
          's',
        ),
        summaryS: summarize(
          lateRuns.map((r) => r.summary.seconds),
          's',
        ),
        stationDaysRebuilt: summarize(
          lateRuns.map((r) => r.summary.stationDays),
          'station-days',
        ),
        stationMonthsRebuilt: summarize(
          lateRuns.map((r) => r.summary.stationMonths),
          'station-months',
        ),
        newFiles: summarize(
          lateRuns.map((r) => r.summary.newFiles),
          'files',
        ),
      },
    });

    // Nothing new again, with the late files' folders written within the last 5 minutes: those are
    // compared file by file (a writer may still rewrite a file in place), the others by their mtime.
    const fresh = [];
    for (let i = 0; i < p.noopReps; i++) fresh.push(await build());
    emitNoop(
      fresh,
      'no-op-fresh',
      'a build with nothing new right after the late files arrived: their folders (written within 5 minutes) are listed and compared file by file, the rest known by their mtime',
    );

    // Files (and bytes) per station-year.
    const months = new Set();
    for (let t = start; t < end; t += DAY_MS) months.add(new Date(t).toISOString().slice(0, 7));
    const f = filesPerStationYear({
      bronze,
      lakehouse,
      stations: p.stations,
      days: p.days,
      stationMonths: p.stations * months.size,
    });
    ctx.emit({
      name: 'lake-files',
      params: { ...fleet, stationMonths: p.stations * months.size },
      description:
        'files the fleet actually produced, scaled to one station-year: per station-day × 365 (bronze data + health windows; silver readings + health days), per station-month × 12 (gold hourly, daily, aqi_hourly, station_health_daily), per station × 1 (gold stations); catalog.json and _state are one per lakehouse and not counted',
      figures: {
        bronzeFilesPerStationYear: summarize([f.bronzeYear], 'files'),
        silverGoldFilesPerStationYear: summarize([f.silverGoldYear], 'files'),
        bronzeOverSilverGold: summarize([f.bronzeYear / f.silverGoldYear], '×'),
        bronzeMBPerStationYear: summarize([f.bronzeMBYear], 'MB'),
        silverGoldMBPerStationYear: summarize([f.silverGoldMBYear], 'MB'),
      },
      counted: f.counted,
    });

    // One question, asked of bronze and of gold, in one DuckDB in-process.
    const first = new Date(start);
    const q = await runWorker(
      'lake-query',
      {
        bronze,
        lakehouse,
        year: first.getUTCFullYear(),
        month: first.getUTCMonth() + 1,
        warmup: p.queryWarmup,
        reps: p.queryReps,
      },
      { timeoutMs: 3_600_000 },
    );
    const bronzeMs = summarize(q.bronzeMs, 'ms');
    const goldMs = summarize(q.goldMs, 'ms');
    const tolerance = 1e-4;
    const agree =
      q.bronzeRows === q.goldRows &&
      q.onlyBronze === 0 &&
      q.onlyGold === 0 &&
      q.readingsDiffer === 0 &&
      q.nullDiffer === 0 &&
      q.maxTemperatureDiff <= tolerance &&
      q.maxPm25Diff <= tolerance;
    ctx.emit({
      name: 'lake-query',
      params: {
        query:
          'hourly means of a month for every station (station, hour, avg temperature, avg pm25, readings)',
        month: `${first.getUTCFullYear()}-${pad(first.getUTCMonth() + 1)}`,
        ...fleet,
        engine: '@duckdb/node-api in-process, one connection, rows fetched into JS',
        goal: 'gold at least 50× faster',
      },
      description:
        'bronze: read_parquet(bronze/**/*.parquet, hive_partitioning) GROUP BY station, date_trunc(hour); gold: gold/hourly; alternated repetitions after warm-up',
      figures: {
        bronzeMs,
        goldMs,
        bronzeOverGold: summarize([bronzeMs.median / goldMs.median], '×'),
        rows: summarize([q.goldRows], 'rows'),
        hoursMismatched: summarize([q.onlyBronze + q.onlyGold + q.readingsDiffer + q.nullDiffer], 'hours'),
        maxMeanDiff: summarize([Math.max(q.maxTemperatureDiff, q.maxPm25Diff)], '°C or µg/m³'),
      },
      check: {
        agree,
        tolerance,
        bronzeRows: q.bronzeRows,
        goldRows: q.goldRows,
        matchedHours: q.matched,
        onlyInBronze: q.onlyBronze,
        onlyInGold: q.onlyGold,
        hoursWithOtherReadings: q.readingsDiffer,
        hoursWithNullOnOneSide: q.nullDiffer,
        maxTemperatureDiff: q.maxTemperatureDiff,
        maxPm25Diff: q.maxPm25Diff,
        note: agree
          ? 'same rows, readings and means (gold leaves out values that failed QC; none did here)'
          : 'MISMATCH between bronze and gold: see the fields above',
      },
      sql: q.sql,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
