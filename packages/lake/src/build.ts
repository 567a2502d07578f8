import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describeLockHolder, tryAcquireProcessLock } from '@opensensor/buffer';
import { type BronzeFile, type BronzeRoots, scanBronze, sha256File } from './bronze.js';
import { type CatalogEntry, catalogEntry, loadCatalog, mergeCatalog, saveCatalog } from './catalog.js';
import { type Engine, type EngineOptions, openEngine } from './engine.js';
import { AQI_INPUTS, aqiHourlySql, boardOf, periodSql, stationHealthDailySql } from './gold.js';
import {
  catalogFile,
  DAY_MS,
  type DayKey,
  dayKey,
  dayStart,
  type GoldTable,
  goldFile,
  lockFile,
  type MonthKey,
  monthOf,
  monthStart,
  nextMonthStart,
  silverDir,
  silverFile,
  stateFile,
} from './layout.js';
import { publishQuery } from './publish.js';
import { measurementColumns, silverDaySql } from './silver.js';
import { fileList, literal } from './sql.js';
import { type ConsumedFile, loadState, saveState } from './state.js';

export interface BuildOptions {
  /** The raw readings lake (bronze). */
  from: string;
  /** The health lake; default `<from>-health` when it exists, null for none. */
  health?: string | null;
  /** Where silver, gold and the catalog go. */
  lakehouse: string;
  engine?: EngineOptions;
  /** Called as work proceeds: units done of the total planned (station-days, then station-months). */
  onProgress?: (done: number, total: number, step: string) => void;
}

export interface BuildSummary {
  /** Nothing new or changed in bronze: no output was touched. */
  upToDate: boolean;
  bronzeFiles: number;
  newFiles: number;
  changedFiles: number;
  /** Bronze files that could not be read as Parquet (left out, counted; retried when they change). */
  unreadableFiles: string[];
  stationDays: number;
  stationMonths: number;
  stations: number;
  /** Rows of the rebuilt silver station-days. */
  rows: number;
  /** Readings of the rebuilt days that bronze held more than once (replayed uploads, copies, restarts). */
  duplicatesRemoved: number;
  /** Rows of the rebuilt days whose worst flag is suspect (3) or fail (4). */
  flagged: { suspect: number; fail: number };
  seconds: number;
}

export class LakehouseLockedError extends Error {
  override readonly name = 'LakehouseLockedError';
  readonly code = 'LAKEHOUSE_LOCKED';
}

/** Measurement columns of silver files: the columns that have a `<col>_qc` flag. */
async function silverMeasurements(engine: Engine, files: readonly string[]): Promise<string[]> {
  const rows = await engine.rows(
    `DESCRIBE SELECT * FROM read_parquet(${fileList(files)}, union_by_name = true, hive_partitioning = false)`,
  );
  const names = new Set(rows.map((r) => String(r.column_name)));
  return [...names].filter((n) => n !== 'timestamp' && n !== 'pm25_corrected' && names.has(`${n}_qc`));
}

/** The UTC days each file's readings fall on, from the timestamp statistics in its footer. */
async function daysOfFiles(
  engine: Engine,
  files: readonly BronzeFile[],
): Promise<Map<string, DayKey[] | null>> {
  const out = new Map<string, DayKey[] | null>();
  const daysBetween = (min: number, max: number) => {
    const days: DayKey[] = [];
    for (let d = Math.floor(min / DAY_MS) * DAY_MS; d <= max; d += DAY_MS) days.push(dayKey(d));
    return days;
  };
  const one = async (f: BronzeFile) => {
    try {
      const [r] = await engine.rows(
        `SELECT epoch_ms(min(timestamp))::DOUBLE AS lo, epoch_ms(max(timestamp))::DOUBLE AS hi FROM read_parquet(${literal(f.path)})`,
      );
      out.set(f.path, r?.lo === null || r?.lo === undefined ? [] : daysBetween(Number(r.lo), Number(r.hi)));
    } catch {
      out.set(f.path, null);
    }
  };
  for (let i = 0; i < files.length; i += 500) {
    const batch = files.slice(i, i + 500);
    try {
      const rows = await engine.rows(
        `SELECT file_name, min(stats_min_value) AS lo, max(stats_max_value) AS hi FROM parquet_metadata(${fileList(batch.map((f) => f.path))})
         WHERE path_in_schema = 'timestamp' GROUP BY file_name`,
      );
      for (const r of rows) {
        const lo = Date.parse(`${String(r.lo).slice(0, 10)}T00:00:00Z`);
        const hi = Date.parse(`${String(r.hi).slice(0, 10)}T00:00:00Z`);
        if (Number.isFinite(lo) && Number.isFinite(hi)) out.set(String(r.file_name), daysBetween(lo, hi));
      }
      // Files without statistics (another writer) are read; a file DuckDB cannot read makes the batch fail.
      for (const f of batch) if (!out.has(f.path)) await one(f);
    } catch {
      for (const f of batch) if (!out.has(f.path)) await one(f);
    }
  }
  return out;
}

async function listSilverDays(out: string, station: string, month: MonthKey): Promise<string[]> {
  const monthDir = join(silverDir(out, station, `${month}-01`), '..');
  const days = await readdir(monthDir).catch(() => [] as string[]);
  return days
    .filter((d) => d.startsWith('day='))
    .sort()
    .map((d) => join(monthDir, d, 'data.parquet'))
    .filter((p) => existsSync(p));
}

async function listStationSilver(out: string, station: string): Promise<string[]> {
  const root = join(out, 'silver', 'readings', `station=${station}`);
  const files: string[] = [];
  for (const y of (await readdir(root).catch(() => [] as string[])).sort())
    for (const m of (await readdir(join(root, y)).catch(() => [] as string[])).sort())
      for (const d of (await readdir(join(root, y, m)).catch(() => [] as string[])).sort()) {
        const p = join(root, y, m, d, 'data.parquet');
        if (existsSync(p)) files.push(p);
      }
  return files;
}

function addTo<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const s = m.get(k);
  if (s) s.add(v);
  else m.set(k, new Set([v]));
}

/**
 * Builds silver and gold from bronze, incrementally: only the station-days whose bronze files are new
 * or changed (by size, then checksum) are rebuilt, with the gold months that depend on them. Outputs
 * are replaced atomically and the memory of consumed files is saved last, so a build killed at any
 * moment leaves valid outputs and the next build finishes the job. One build at a time per lakehouse.
 */
export async function buildLakehouse(options: BuildOptions): Promise<BuildSummary> {
  const began = process.hrtime.bigint();
  const out = options.lakehouse;
  const healthRoot =
    options.health === undefined
      ? existsSync(`${options.from}-health`)
        ? `${options.from}-health`
        : null
      : options.health;
  await mkdir(out, { recursive: true });
  const attempt = tryAcquireProcessLock(lockFile(out), { label: 'opensensor lake build' });
  if (!attempt.acquired)
    throw new LakehouseLockedError(
      `The lakehouse ${out} is being built by ${describeLockHolder(attempt.holder)}: wait for it to finish (two builds at once would corrupt nothing, but one of them would redo the other's work).`,
    );
  try {
    return await build(options, out, { data: options.from, health: healthRoot }, began);
  } finally {
    attempt.lock.release();
  }
}

async function build(
  options: BuildOptions,
  out: string,
  roots: BronzeRoots,
  began: bigint,
): Promise<BuildSummary> {
  const state = await loadState(stateFile(out));
  const bronze = await scanBronze(roots);
  const summary: BuildSummary = {
    upToDate: true,
    bronzeFiles: bronze.length,
    newFiles: 0,
    changedFiles: 0,
    unreadableFiles: [],
    stationDays: 0,
    stationMonths: 0,
    stations: 0,
    rows: 0,
    duplicatesRemoved: 0,
    flagged: { suspect: 0, fail: 0 },
    seconds: 0,
  };
  const finish = () => {
    summary.seconds = Number(process.hrtime.bigint() - began) / 1e9;
    return summary;
  };

  // What is new or changed: size and mtime first (a stat), the checksum only when they differ.
  const changed: { file: BronzeFile; sha256: string; oldDays: DayKey[] }[] = [];
  let stateDirty = false;
  for (const f of bronze) {
    const old = state.files[f.key];
    if (old && old.size === f.size && old.mtimeMs === f.mtimeMs) continue;
    const sha256 = await sha256File(f.path);
    if (old && old.sha256 === sha256) {
      old.mtimeMs = f.mtimeMs;
      stateDirty = true;
      continue;
    }
    changed.push({ file: f, sha256, oldDays: old?.days ?? [] });
    if (old) summary.changedFiles++;
    else summary.newFiles++;
  }
  if (changed.length === 0) {
    if (stateDirty) await saveState(stateFile(out), state);
    return finish();
  }
  summary.upToDate = false;

  const engine = await openEngine(options.engine);
  try {
    const days = await daysOfFiles(
      engine,
      changed.map((c) => c.file),
    );
    const affected = new Map<string, Set<DayKey>>();
    for (const c of changed) {
      const d = days.get(c.file.path);
      if (d === null || d === undefined) summary.unreadableFiles.push(c.file.path);
      const entry: ConsumedFile = {
        size: c.file.size,
        mtimeMs: c.file.mtimeMs,
        sha256: c.sha256,
        days: d ?? [],
      };
      state.files[c.file.key] = entry;
      for (const day of new Set([...c.oldDays, ...entry.days])) addTo(affected, c.file.station, day);
    }
    const unreadable = new Set(summary.unreadableFiles);

    // Which files hold which station-day, from everything consumed that is still on disk.
    const onDisk = new Map(bronze.map((f) => [f.key, f]));
    const byDay = { data: new Map<string, string[]>(), health: new Map<string, string[]>() };
    for (const [key, consumed] of Object.entries(state.files)) {
      const f = onDisk.get(key);
      if (!f || unreadable.has(f.path)) continue;
      for (const day of consumed.days) {
        const k = `${f.station}/${day}`;
        const list = byDay[f.stream].get(k);
        if (list) list.push(f.path);
        else byDay[f.stream].set(k, [f.path]);
      }
    }

    const months = new Map<string, Set<MonthKey>>();
    const work = [...affected].flatMap(([station, ds]) => [...ds].sort().map((day) => ({ station, day })));
    const totalMonthsEstimate = new Set(work.map((w) => `${w.station}/${monthOf(w.day)}`)).size;
    const total = work.length + totalMonthsEstimate + affected.size;
    let done = 0;
    const written: CatalogEntry[] = [];

    for (const { station, day } of work) {
      const bronzeFiles = byDay.data.get(`${station}/${day}`) ?? [];
      const target = silverFile(out, station, day);
      const previous = existsSync(target) ? target : null;
      options.onProgress?.(done++, total, `silver ${station} ${day}`);
      if (bronzeFiles.length === 0 && previous === null) continue;
      const previousDay = dayKey(dayStart(day) - DAY_MS);
      const health = [
        ...(byDay.health.get(`${station}/${previousDay}`) ?? []),
        ...(byDay.health.get(`${station}/${day}`) ?? []),
      ];
      const columns = [
        ...new Set([
          ...(bronzeFiles.length ? await measurementColumns(engine, bronzeFiles) : []),
          ...(previous ? await silverMeasurements(engine, [previous]) : []),
        ]),
      ];
      const from = new Date(dayStart(day)).toISOString();
      const to = new Date(dayStart(day) + DAY_MS).toISOString();
      if (bronzeFiles.length) {
        const [dup] = await engine.rows(
          `SELECT count(*) - count(DISTINCT timestamp) AS d FROM read_parquet(${fileList(bronzeFiles)}, union_by_name = true, hive_partitioning = false)
           WHERE timestamp >= TIMESTAMPTZ ${literal(from)} AND timestamp < TIMESTAMPTZ ${literal(to)}`,
        );
        summary.duplicatesRemoved += Number(dup?.d ?? 0);
      }
      const rows = await publishQuery(
        engine,
        silverDaySql({ station, day, bronze: bronzeFiles, previous, health, columns }),
        target,
      );
      if (rows === 0) continue;
      const [q] = await engine.rows(
        `SELECT count_if(qc = 3) AS s, count_if(qc = 4) AS f FROM read_parquet(${literal(target)})`,
      );
      summary.flagged.suspect += Number(q?.s ?? 0);
      summary.flagged.fail += Number(q?.f ?? 0);
      summary.rows += rows;
      summary.stationDays++;
      written.push(
        await catalogEntry(out, target, {
          layer: 'silver',
          table: 'readings',
          station,
          start: from,
          end: to,
          rows,
        }),
      );
      addTo(months, station, monthOf(day));
      // The first hours of the next month look back into this day (NowCast, 24-hour means).
      const next = dayKey(dayStart(day) + DAY_MS);
      if (monthOf(next) !== monthOf(day)) addTo(months, station, monthOf(next));
    }

    for (const [station, ms] of months) {
      for (const month of [...ms].sort()) {
        options.onProgress?.(done++, total, `gold ${station} ${month}`);
        const files = await listSilverDays(out, station, month);
        if (files.length === 0) continue;
        const measurements = await silverMeasurements(engine, files);
        const silver = `read_parquet(${fileList(files)}, union_by_name = true, hive_partitioning = false)`;
        const start = new Date(monthStart(month)).toISOString();
        const end = new Date(nextMonthStart(month)).toISOString();
        const inMonth = (col: string) =>
          `${col} >= TIMESTAMPTZ ${literal(start)} AND ${col} < TIMESTAMPTZ ${literal(end)}`;
        const publish = async (table: GoldTable, select: string) => {
          const path = goldFile(out, table, station, month);
          const rows = await publishQuery(engine, select, path);
          if (rows > 0)
            written.push(await catalogEntry(out, path, { layer: 'gold', table, station, start, end, rows }));
        };
        await publish('hourly', `${periodSql('hour', silver, measurements)} ORDER BY hour`);
        await publish('daily', `${periodSql('day', silver, measurements)} ORDER BY day`);
        if (AQI_INPUTS.every((c) => measurements.includes(c))) {
          // The NowCast and the 24-hour means look back a day: include the previous month's last day.
          const lastDayBefore = silverFile(out, station, dayKey(monthStart(month) - DAY_MS));
          const withLookback = existsSync(lastDayBefore) ? [lastDayBefore, ...files] : files;
          const lookback = `read_parquet(${fileList(withLookback)}, union_by_name = true, hive_partitioning = false)`;
          const corrected = measurements.includes('humidity');
          await publish(
            'aqi_hourly',
            `WITH hourly AS (${periodSql('hour', lookback, measurements)})
             SELECT * FROM (${aqiHourlySql('hourly', corrected)}) WHERE ${inMonth('hour')} ORDER BY hour`,
          );
        }
        const healthFiles = [
          ...new Set(
            [...byDay.health].filter(([k]) => k.startsWith(`${station}/${month}-`)).flatMap(([, v]) => v),
          ),
        ];
        const health = healthFiles.length
          ? `(SELECT * FROM read_parquet(${fileList(healthFiles)}, union_by_name = true, hive_partitioning = false) WHERE ${inMonth('timestamp')})`
          : '(SELECT NULL::TIMESTAMPTZ AS timestamp, NULL::BOOLEAN AS clock_synced, NULL::FLOAT AS ntp_offset_ms, NULL::FLOAT AS cpu_temp_c, NULL::FLOAT AS disk_free_gb WHERE FALSE)';
        await publish(
          'station_health_daily',
          `${stationHealthDailySql(silver, health, measurements)} ORDER BY day`,
        );
        summary.stationMonths++;
      }
    }

    for (const station of affected.keys()) {
      options.onProgress?.(done++, total, `stations ${station}`);
      const files = await listStationSilver(out, station);
      if (files.length === 0) continue;
      const measurements = await silverMeasurements(engine, files);
      const healthFiles = [...byDay.health]
        .filter(([k]) => k.startsWith(`${station}/`))
        .flatMap(([, v]) => v);
      const lastHealth = healthFiles.length
        ? `(SELECT timestamp AS last_health, cpu_temp_c, disk_free_gb, clock_synced FROM read_parquet(${fileList([...new Set(healthFiles)])}, union_by_name = true, hive_partitioning = false) ORDER BY timestamp DESC LIMIT 1)`
        : '(SELECT NULL::TIMESTAMPTZ AS last_health, NULL::FLOAT AS cpu_temp_c, NULL::FLOAT AS disk_free_gb, NULL::BOOLEAN AS clock_synced)';
      const path = goldFile(out, 'stations', station, null);
      const select = `SELECT ${literal(station)} AS station, ${literal(boardOf(measurements))} AS board,
          min(timestamp) AS first_reading, max(timestamp) AS last_reading, count(*) AS readings,
          count(DISTINCT date_trunc('day', timestamp)) AS days,
          any_value(h.last_health) AS last_health, any_value(h.cpu_temp_c) AS last_cpu_temp_c,
          any_value(h.disk_free_gb) AS last_disk_free_gb, any_value(h.clock_synced) AS last_clock_synced
        FROM read_parquet(${fileList(files)}, union_by_name = true, hive_partitioning = false) CROSS JOIN ${lastHealth} h`;
      const rows = await publishQuery(engine, select, path);
      if (rows > 0) {
        const [span] = await engine.rows(
          `SELECT strftime(first_reading, '%Y-%m-%dT%H:%M:%S.%gZ') AS s, strftime(last_reading + INTERVAL 1 MILLISECOND, '%Y-%m-%dT%H:%M:%S.%gZ') AS e FROM read_parquet(${literal(path)})`,
        );
        written.push(
          await catalogEntry(out, path, {
            layer: 'gold',
            table: 'stations',
            station,
            start: String(span?.s),
            end: String(span?.e),
            rows,
          }),
        );
      }
      summary.stations++;
    }
    options.onProgress?.(total, total, 'catalog');

    const catalog = mergeCatalog(await loadCatalog(catalogFile(out)), written, new Date());
    catalog.files = catalog.files.filter((e) => existsSync(join(out, e.path)));
    await saveCatalog(catalogFile(out), catalog);
    // Last: once this is saved, the work above counts as done.
    await saveState(stateFile(out), state);
  } finally {
    engine.close();
  }
  return finish();
}
