import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describeLockHolder, tryAcquireProcessLock } from '@opensensor/buffer';
import { OpenSensorError } from '@opensensor/errors';
import type { BronzeFile, BronzeRoots, Stream } from './bronze.js';
import { type CatalogEntry, catalogEntry, loadCatalog, mergeCatalog, saveCatalog } from './catalog.js';
import { detectChanges } from './changes.js';
import { type Engine, type EngineOptions, openEngine } from './engine.js';
import {
  AQI_INPUTS,
  aqiHourlySql,
  boardOf,
  periodSql,
  STATION_PLACE_COLUMNS,
  stationHealthDailySql,
} from './gold.js';
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
  type SilverTable,
  silverFile,
  silverMonthDir,
  stateDir,
} from './layout.js';
import { publishQuery } from './publish.js';
import {
  LOAD_COLUMNS,
  loadDay,
  measurementColumns,
  parquetFiles,
  silverHealthSql,
  silverReadingsSql,
} from './silver.js';
import { fileList, literal } from './sql.js';
import { type ConsumedFile, LakehouseState } from './state.js';

export interface BuildOptions {
  /** The raw readings lake (bronze). */
  from: string;
  /** The health lake; default `<from>-health` when it exists, null for none. */
  health?: string | null;
  /** Where silver, gold and the catalog go. */
  lakehouse: string;
  engine?: EngineOptions;
  /** Look into every bronze folder, not only those whose mtime changed (a file replaced in place by hand). */
  rescan?: boolean;
  /** Called as work proceeds: units done of the total planned (station-days, then station-months). */
  onProgress?: (done: number, total: number, step: string) => void;
}

export interface BuildSummary {
  /** Nothing new or changed in bronze: no output was touched. */
  upToDate: boolean;
  bronzeFiles: number;
  /** Bronze day folders listed file by file (the others were unchanged since they settled). */
  foldersLookedInto: number;
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

export class LakehouseLockedError extends OpenSensorError {
  override readonly name = 'LakehouseLockedError';
  declare readonly code: 'LAKEHOUSE_LOCKED';

  constructor(message: string, options?: { cause?: unknown }) {
    super('LAKEHOUSE_LOCKED', message, options);
  }
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

/** The silver files of a station-month, by day. */
async function listSilverDays(
  out: string,
  table: SilverTable,
  station: string,
  month: MonthKey,
): Promise<string[]> {
  const monthDir = silverMonthDir(out, table, station, month);
  const days = await readdir(monthDir).catch(() => [] as string[]);
  return days
    .filter((d) => d.startsWith('day='))
    .sort()
    .map((d) => join(monthDir, d, 'data.parquet'))
    .filter((p) => existsSync(p));
}

/** The monthly files of one gold table of a station, oldest first. */
async function listGoldMonths(out: string, table: GoldTable, station: string): Promise<string[]> {
  const root = join(out, 'gold', table, `station=${station}`);
  const files: string[] = [];
  for (const y of (await readdir(root).catch(() => [] as string[]))
    .filter((n) => n.startsWith('year='))
    .sort())
    for (const m of (await readdir(join(root, y)).catch(() => [] as string[])).sort()) {
      const p = join(root, y, m, 'data.parquet');
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
  const defaultHealth = `${options.from}-health`;
  const healthRoot =
    options.health === undefined ? (existsSync(defaultHealth) ? defaultHealth : null) : options.health;
  await mkdir(out, { recursive: true });
  const attempt = tryAcquireProcessLock(lockFile(out), { label: 'opensensor lake build' });
  if (!attempt.acquired)
    throw new LakehouseLockedError(
      `The lakehouse ${out} is being built by ${describeLockHolder(attempt.holder)}: wait for it to finish, or stop it (a build killed at any moment leaves valid outputs).`,
    );
  try {
    const job = new BuildJob(options, out, began);
    return await job.run({ data: options.from, health: healthRoot });
  } finally {
    attempt.lock.release();
  }
}

class BuildJob {
  readonly summary: BuildSummary = {
    upToDate: true,
    bronzeFiles: 0,
    foldersLookedInto: 0,
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
  /** Catalog entries of the files this build wrote. */
  private readonly written: CatalogEntry[] = [];
  /** Bronze files holding each `station/day`, per stream. */
  private readonly byDay = { data: new Map<string, string[]>(), health: new Map<string, string[]>() };
  private engine!: Engine;
  private done = 0;
  private total = 0;

  constructor(
    private readonly options: BuildOptions,
    private readonly out: string,
    private readonly began: bigint,
  ) {}

  private finish(): BuildSummary {
    this.summary.seconds = Number(process.hrtime.bigint() - this.began) / 1e9;
    return this.summary;
  }

  private progress(step: string): void {
    this.options.onProgress?.(this.done++, this.total, step);
  }

  async run(roots: BronzeRoots): Promise<BuildSummary> {
    const { out, summary } = this;
    const state = await LakehouseState.load(stateDir(out));
    const scan = await detectChanges(roots, state, { rescan: this.options.rescan, checksum: true });
    summary.bronzeFiles = scan.bronzeFiles;
    summary.foldersLookedInto = scan.lookedInto;
    const changed = scan.changed;
    for (const c of changed) {
      if (c.isNew) summary.newFiles++;
      else summary.changedFiles++;
    }
    if (changed.length === 0) {
      await state.save();
      return this.finish();
    }
    summary.upToDate = false;

    this.engine = await openEngine(this.options.engine);
    try {
      const days = await daysOfFiles(
        this.engine,
        changed.map((c) => c.file),
      );
      const affected = new Map<string, Set<DayKey>>();
      for (const c of changed) {
        const d = days.get(c.file.path);
        if (d === null || d === undefined) summary.unreadableFiles.push(c.file.path);
        const entry: ConsumedFile = {
          size: c.file.size,
          mtimeMs: c.file.mtimeMs,
          sha256: c.sha256 as string,
          days: d ?? [],
        };
        (await state.station(c.file.station))[c.file.key] = entry;
        state.touchStation(c.file.station);
        for (const day of new Set([...c.oldDays, ...entry.days])) addTo(affected, c.file.station, day);
      }

      // Which files hold which station-day, from every file consumed of the stations affected.
      const unreadable = new Set(summary.unreadableFiles);
      for (const station of affected.keys()) {
        for (const [key, consumed] of Object.entries(await state.station(station))) {
          const slash = key.indexOf('/');
          const stream = key.slice(0, slash) as Stream;
          const root = roots[stream];
          if (root === null) continue;
          const path = join(root, key.slice(slash + 1));
          if (unreadable.has(path)) continue;
          for (const day of consumed.days) {
            const k = `${station}/${day}`;
            const list = this.byDay[stream].get(k);
            if (list) list.push(path);
            else this.byDay[stream].set(k, [path]);
          }
        }
      }

      const work = [...affected].flatMap(([station, ds]) => [...ds].sort().map((day) => ({ station, day })));
      this.total =
        work.length + new Set(work.map((w) => `${w.station}/${monthOf(w.day)}`)).size + affected.size;
      const months = new Map<string, Set<MonthKey>>();
      for (const { station, day } of work) {
        if (!(await this.silverDay(station, day))) continue;
        addTo(months, station, monthOf(day));
        // The first hours of the next month look back into this day (NowCast, 24-hour means).
        const next = dayKey(dayStart(day) + DAY_MS);
        if (monthOf(next) !== monthOf(day)) addTo(months, station, monthOf(next));
      }
      for (const [station, ms] of months)
        for (const month of [...ms].sort()) await this.goldMonth(station, month);
      for (const station of affected.keys()) await this.stationRow(station);
      this.options.onProgress?.(this.total, this.total, 'catalog');

      const catalog = mergeCatalog(await loadCatalog(catalogFile(out)), this.written, new Date());
      catalog.files = catalog.files.filter((e) => existsSync(join(out, e.path)));
      await saveCatalog(catalogFile(out), catalog);
      // Last: once this is saved, the work above counts as done.
      await state.save();
    } finally {
      this.engine.close();
    }
    return this.finish();
  }

  private async record(path: string, fields: Omit<CatalogEntry, 'path' | 'bytes' | 'sha256'>): Promise<void> {
    this.written.push(await catalogEntry(this.out, path, fields));
  }

  /** Rebuilds the silver health and readings of one station-day; false when it has no readings. */
  private async silverDay(station: string, day: DayKey): Promise<boolean> {
    const { engine, out, summary } = this;
    this.progress(`silver ${station} ${day}`);
    const key = `${station}/${day}`;
    const start = new Date(dayStart(day)).toISOString();
    const end = new Date(dayStart(day) + DAY_MS).toISOString();
    const existing = (p: string) => (existsSync(p) ? p : null);

    // The health stream first: the readings' clock flags come from it.
    const healthTarget = silverFile(out, 'health', station, day);
    const healthBronze = (this.byDay.health.get(key) ?? []).filter((p) => existsSync(p));
    if (healthBronze.length > 0 || existsSync(healthTarget)) {
      await loadDay(engine, 'day_health', { day, bronze: healthBronze, previous: existing(healthTarget) });
      const columns = (await engine.rows('DESCRIBE day_health'))
        .map((r) => String(r.column_name))
        .filter(
          (c) => c !== 'timestamp' && c !== 'station' && !(LOAD_COLUMNS as readonly string[]).includes(c),
        );
      const rows = await publishQuery(engine, silverHealthSql(station, 'day_health', columns), healthTarget);
      if (rows > 0)
        await this.record(healthTarget, { layer: 'silver', table: 'health', station, start, end, rows });
    }

    const target = silverFile(out, 'readings', station, day);
    const bronze = (this.byDay.data.get(key) ?? []).filter((p) => existsSync(p));
    const previous = existing(target);
    if (bronze.length === 0 && previous === null) return false;
    await loadDay(engine, 'day_raw', { day, bronze, previous });
    const columns = await measurementColumns(engine, 'day_raw');
    const [dup] = await engine.rows(
      'SELECT (count(*) - count(DISTINCT timestamp))::BIGINT AS d FROM day_raw WHERE src_rank = 0',
    );
    summary.duplicatesRemoved += Number(dup?.d ?? 0);
    // This day's health and the day before's (its last record dates this day's first readings).
    const health = [silverFile(out, 'health', station, dayKey(dayStart(day) - DAY_MS)), healthTarget].filter(
      (p) => existsSync(p),
    );
    const rows = await publishQuery(
      engine,
      silverReadingsSql({
        station,
        raw: 'day_raw',
        health: health.length ? parquetFiles(health) : null,
        columns,
      }),
      target,
    );
    if (rows === 0) return false;
    const [q] = await engine.rows(
      `SELECT count_if(qc = 3)::BIGINT AS s, count_if(qc = 4)::BIGINT AS f FROM read_parquet(${literal(target)})`,
    );
    summary.flagged.suspect += Number(q?.s ?? 0);
    summary.flagged.fail += Number(q?.f ?? 0);
    summary.rows += rows;
    summary.stationDays++;
    await this.record(target, { layer: 'silver', table: 'readings', station, start, end, rows });
    return true;
  }

  /** Rebuilds the gold files of one station-month from its silver days. */
  private async goldMonth(station: string, month: MonthKey): Promise<void> {
    const { engine, out } = this;
    this.progress(`gold ${station} ${month}`);
    const files = await listSilverDays(out, 'readings', station, month);
    if (files.length === 0) return;
    const silver = parquetFiles(files);
    const measurements = await measurementColumns(engine, silver);
    const start = new Date(monthStart(month)).toISOString();
    const end = new Date(nextMonthStart(month)).toISOString();
    const publish = async (table: GoldTable, select: string) => {
      const path = goldFile(out, table, station, month);
      const rows = await publishQuery(engine, select, path);
      if (rows > 0) await this.record(path, { layer: 'gold', table, station, start, end, rows });
    };
    await publish('hourly', `${periodSql('hour', silver, measurements)} ORDER BY hour`);
    await publish('daily', `${periodSql('day', silver, measurements)} ORDER BY day`);
    if (AQI_INPUTS.every((c) => measurements.includes(c))) {
      // The NowCast and the 24-hour means look back a day: include the previous month's last day.
      const lastDayBefore = silverFile(out, 'readings', station, dayKey(monthStart(month) - DAY_MS));
      const lookback = parquetFiles(existsSync(lastDayBefore) ? [lastDayBefore, ...files] : files);
      await publish(
        'aqi_hourly',
        `WITH hourly AS (${periodSql('hour', lookback, measurements)})
         SELECT * FROM (${aqiHourlySql('hourly', measurements.includes('humidity'))})
         WHERE hour >= TIMESTAMPTZ ${literal(start)} AND hour < TIMESTAMPTZ ${literal(end)} ORDER BY hour`,
      );
    }
    const healthFiles = await listSilverDays(out, 'health', station, month);
    const health = healthFiles.length
      ? parquetFiles(healthFiles)
      : '(SELECT NULL::TIMESTAMPTZ AS timestamp, NULL::BOOLEAN AS clock_synced, NULL::FLOAT AS ntp_offset_ms, NULL::FLOAT AS cpu_temp_c, NULL::FLOAT AS disk_free_gb WHERE FALSE)';
    await publish(
      'station_health_daily',
      `${stationHealthDailySql(silver, health, measurements)} ORDER BY day`,
    );
    this.summary.stationMonths++;
  }

  /** Rebuilds a station's row of `stations` from its daily gold (a file a month) and newest health day. */
  private async stationRow(station: string): Promise<void> {
    const { engine, out } = this;
    this.progress(`stations ${station}`);
    const daily = await listGoldMonths(out, 'daily', station);
    if (daily.length === 0) return;
    const measurements = (await engine.rows(`DESCRIBE SELECT * FROM ${parquetFiles(daily)}`))
      .map((r) => String(r.column_name))
      .filter((c) => c.endsWith('_mean'))
      .map((c) => c.slice(0, -'_mean'.length));
    const newestMonth = /year=(\d{4})[\\/]month=(\d{2})/.exec(daily[daily.length - 1] as string);
    const healthDays = newestMonth
      ? await listSilverDays(out, 'health', station, `${newestMonth[1]}-${newestMonth[2]}`)
      : [];
    const newestHealth = healthDays[healthDays.length - 1];
    // The name and place as the newest health record gives them (health schema v2; NULL before it).
    const placeColumns = newestHealth
      ? new Set(
          (await engine.rows(`DESCRIBE SELECT * FROM ${parquetFiles([newestHealth])}`)).map((r) =>
            String(r.column_name),
          ),
        )
      : new Set<string>();
    const place = STATION_PLACE_COLUMNS.map((c) =>
      placeColumns.has(c.health) ? `${c.health}::${c.type} AS ${c.name}` : `NULL::${c.type} AS ${c.name}`,
    ).join(', ');
    const lastHealth = newestHealth
      ? `(SELECT timestamp AS last_health, cpu_temp_c, disk_free_gb, clock_synced, ${place} FROM ${parquetFiles([newestHealth])} ORDER BY timestamp DESC LIMIT 1)`
      : `(SELECT NULL::TIMESTAMPTZ AS last_health, NULL::FLOAT AS cpu_temp_c, NULL::FLOAT AS disk_free_gb, NULL::BOOLEAN AS clock_synced, ${place})`;
    const path = goldFile(out, 'stations', station, null);
    const select = `SELECT ${literal(station)} AS station, ${literal(boardOf(measurements))} AS board,
        min(d.first_reading) AS first_reading, max(d.last_reading) AS last_reading,
        sum(d.readings)::BIGINT AS readings, count(*)::BIGINT AS days,
        any_value(h.last_health) AS last_health, any_value(h.cpu_temp_c) AS last_cpu_temp_c,
        any_value(h.disk_free_gb) AS last_disk_free_gb, any_value(h.clock_synced) AS last_clock_synced,
        ${STATION_PLACE_COLUMNS.map((c) => `any_value(h.${c.name}) AS ${c.name}`).join(', ')}
      FROM ${parquetFiles(daily)} d LEFT JOIN ${lastHealth} h ON TRUE`;
    const rows = await publishQuery(engine, select, path);
    if (rows > 0) {
      const [span] = await engine.rows(
        `SELECT strftime(first_reading, '%Y-%m-%dT%H:%M:%S.%gZ') AS s, strftime(last_reading + INTERVAL 1 MILLISECOND, '%Y-%m-%dT%H:%M:%S.%gZ') AS e FROM read_parquet(${literal(path)})`,
      );
      await this.record(path, {
        layer: 'gold',
        table: 'stations',
        station,
        start: String(span?.s),
        end: String(span?.e),
        rows,
      });
    }
    this.summary.stations++;
  }
}
