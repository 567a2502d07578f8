import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { OpenSensorConfig, StorageSettings } from '@opensensor/config';
import { childLogger, isoTime, type Logger, silentLogger } from '@opensensor/errors';
import { HEALTH_SCHEMA, type LakeSchema } from '@opensensor/parquet-hive-writer';
import type { S3TargetOptions, SyncProgressEvent, SyncSummary, UploadStatus } from '@opensensor/s3-sync';
import type { BoardFacade } from '@opensensor/sensors-core';
import type { StationClock } from './clock.js';
import { systemClock } from './clock.js';
import { ClockSyncMonitor, systemClockSources } from './clock-sync.js';
import { type HealthSources, runCommandOutcome } from './health.js';
import { BoardError, type OpenBoardOptions, openBoard } from './open-board.js';
import { type BoardKind, schemaForBoard } from './schemas.js';
import { snowpipeClientOptions } from './snowpipe-options.js';
import {
  type JournalTask,
  type PeriodicTask,
  Station,
  type StationOptions,
  type StationPlace,
} from './station.js';
import { type PendingUpload, UploadBacklog } from './upload-backlog.js';

export interface SimulationSettings {
  seed: number;
  faults?: { dropout?: number; i2cError?: number; pmsGarbage?: number };
}

export interface StationFromConfigOptions {
  config: OpenSensorConfig;
  logger?: Logger;
  clock?: StationClock;
  /** Read simulated sensors instead of the board. */
  simulate?: SimulationSettings | false;
  /** A board of your own (overrides `simulate` and the real board); give its kind for the schema. */
  board?: { board: BoardFacade; kind: BoardKind };
  /** Overrides for tests and simulations. */
  readIntervalMs?: number;
  healthSources?: HealthSources;
  /** Trust the clock (simulations, backfills). Default: the configured policy. */
  trustClock?: boolean;
  /** Skip the S3 sync and Snowflake tasks (e.g. a backfill that syncs once at the end). */
  withoutRemote?: boolean;
  stateDir?: string;
  onWindowWritten?: StationOptions['onWindowWritten'];
  /** What this process is (`opensensor start`), named to a second writer of the same journal or lake. */
  owner?: string;
  /** Where zstd comes from (`StationOptions.zstd`); default `auto`. */
  zstd?: StationOptions['zstd'];
  /**
   * Bound of the journal in bytes instead of `OPENSENSOR_JOURNAL_MAX_MB`, also below the setting's
   * 8 MiB: a simulation reaches the bound (and its counted drops) in minutes with a few KiB.
   */
  journalMaxBytes?: number;
}

async function createStationBoard(
  o: StationFromConfigOptions,
  clock: StationClock,
  log: Logger,
): Promise<{ board: BoardFacade; kind: BoardKind }> {
  if (o.board) return o.board;
  const c = o.config;
  const simulate = o.simulate;
  let create: OpenBoardOptions['create'];
  if (simulate) {
    const sim = await import('@opensensor/simulation');
    const options = {
      seed: simulate.seed,
      now: () => clock.now(),
      ...(simulate.faults ? { faults: simulate.faults } : {}),
    };
    create = (kind) =>
      kind === 'sensehat'
        ? new sim.SimulatedSenseHat(options)
        : kind === 'breakout'
          ? new sim.SimulatedBreakout(options)
          : new sim.SimulatedEnviroplus(options);
  }
  const { board, kind, sensors } = await openBoard(c.board, {
    pms5003Device: c.pms5003Device,
    compensation: c.tempCompensationEnabled ? c.tempCompensationFactor : false,
    onWarning: (message) => log.warn(message, { component: 'sensors', board: c.board }),
    ...(create ? { create } : {}),
  });
  // A real board's sensors are worth a line each at start; a simulated one's say nothing new (and
  // must not come before a refusal, e.g. of a second writer, that is the one line a user should see).
  const sensorLine = simulate ? log.debug.bind(log) : log.info.bind(log);
  for (const s of sensors)
    sensorLine('sensor', {
      board: kind,
      sensor: s.sensor,
      chip: s.chip,
      address: s.address,
      state: s.state,
      detail: s.detail,
    });
  if (!sensors.some((s) => s.state === 'ok')) {
    log.error(
      'no sensor answers: check the board, I2C (raspi-config) and the i2c/dialout groups; readings will be null',
      { board: kind },
    );
  }
  return { board, kind };
}

/**
 * A station keeps one board: its files must never mix schemas. The first start records the board in
 * the state directory; a later start with another board is refused with what to do.
 */
async function checkBoardOfStation(stateDir: string, stationId: string, kind: BoardKind): Promise<void> {
  const path = join(stateDir, 'board.json');
  let recorded: { station?: string; board?: string } | null = null;
  try {
    recorded = JSON.parse(readFileSync(path, 'utf8')) as { station?: string; board?: string };
  } catch {}
  if (recorded?.station === stationId && recorded.board && recorded.board !== kind) {
    throw new BoardError(
      `station ${stationId} has written ${recorded.board} files; a ${kind} board would mix two schemas in its partition. ` +
        'Give this board its own station id (opensensor setup --force, or OPENSENSOR_STATION_ID) and state directory, ' +
        `or, if the ${recorded.board} is really gone for good, delete ${path}`,
    );
  }
  if (recorded?.station !== stationId || recorded.board !== kind) {
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(
      path,
      `${JSON.stringify({ station: stationId, board: kind, since: isoTime(Date.now()) })}\n`,
    );
  }
}

/** Ledger files of the uploads (one per lake root). */
export function ledgerPath(config: Pick<OpenSensorConfig, 'stateDir'>, stream: 'data' | 'health'): string {
  return join(config.stateDir, 'ledger', `${stream}.jsonl`);
}

/** One lake a sync uploads: its stream, its directory and where it goes. */
export interface SyncedStream {
  stream: 'data' | 'health';
  root: string;
  storage: StorageSettings;
}

/**
 * The lakes a sync uploads: the data lake, and the health lake when its sync is on. The periodic sync
 * follows OPENSENSOR_HEALTH_SYNC_ENABLED (default: the main sync); a manual sync (`opensensor sync`)
 * uploads the health lake too unless that is explicitly false.
 */
export function syncedStreams(config: OpenSensorConfig, options: { manual?: boolean } = {}): SyncedStream[] {
  const health = options.manual ? config.healthSyncSetting !== false : config.healthSyncEnabled;
  return [
    { stream: 'data', root: config.outputDir, storage: config.storage },
    ...(config.healthEnabled && health
      ? [{ stream: 'health' as const, root: config.healthDir, storage: config.healthStorage }]
      : []),
  ];
}

/**
 * The S3 target options of one storage (data or health), as the sync builds its target; also the
 * lake jobs' bucket reader (`opensensor lake build --from s3://…`), so both reach a store alike.
 */
export function s3TargetOptions(
  storage: StorageSettings,
  config: Pick<OpenSensorConfig, 'storageChecksum'>,
): S3TargetOptions {
  if (!storage.bucket) throw new Error('OPENSENSOR_STORAGE_BUCKET is not set: nothing to sync to');
  return {
    provider: storage.provider,
    bucket: storage.bucket,
    prefix: storage.prefix,
    ...(storage.region ? { region: storage.region } : {}),
    ...(storage.endpoint ? { endpoint: storage.endpoint } : {}),
    ...(storage.accessKeyId && storage.secretAccessKey
      ? { credentials: { accessKeyId: storage.accessKeyId, secretAccessKey: storage.secretAccessKey } }
      : {}),
    ...(config.storageChecksum ? { checksum: config.storageChecksum } : {}),
  };
}

/**
 * What is uploaded and what is pending in each lake the sync uploads, decided as `syncLake` decides it
 * (the ledger's record for this store, bucket and prefix): `opensensor status` and the agent's upload
 * backlog both read this. Only this station's files count. Empty without a bucket.
 */
export async function stationUploadStatus(
  config: OpenSensorConfig,
  options: { manual?: boolean } = {},
): Promise<{ stream: 'data' | 'health'; status: UploadStatus }[]> {
  if (!config.storage.bucket) return [];
  const { resolveTargetSettings, uploadStatus } = await import('@opensensor/s3-sync');
  const out: { stream: 'data' | 'health'; status: UploadStatus }[] = [];
  for (const s of syncedStreams(config, options)) {
    const destination = resolveTargetSettings(s3TargetOptions(s.storage, config));
    out.push({
      stream: s.stream,
      status: await uploadStatus({
        root: s.root,
        ledger: ledgerPath(config, s.stream),
        destination,
        stationId: config.stationId,
      }),
    });
  }
  return out;
}

/**
 * The lake files of this station (data, and health when the periodic sync uploads it) not uploaded
 * yet: what the agent's upload backlog starts from and returns to after each sync.
 */
export async function scanPendingUploads(config: OpenSensorConfig): Promise<PendingUpload[]> {
  return (await stationUploadStatus(config)).flatMap(({ status }) =>
    status.pending.map((f) => ({ path: f.path, bytes: f.size, writtenAt: f.mtimeMs })),
  );
}

/**
 * Where the broken files of a lake go (`<root>-quarantine`, next to the lake, outside it): what
 * `syncOnce` moves there and `opensensor status` counts.
 */
export function quarantinePath(
  config: Pick<OpenSensorConfig, 'outputDir' | 'healthDir'>,
  stream: 'data' | 'health',
): string {
  return `${stream === 'data' ? config.outputDir : config.healthDir}-quarantine`;
}

export interface SyncRunSummary {
  data: SyncSummary;
  health: SyncSummary | null;
  retention: { deleted: number; bytes: number } | null;
}

/** The S3 target of one storage (data or health) as the sync builds it; `destroy()` it when done. */
export async function storageTarget(storage: StorageSettings, config: OpenSensorConfig) {
  const { createS3Target } = await import('@opensensor/s3-sync');
  return createS3Target(s3TargetOptions(storage, config));
}

/**
 * Uploads everything pending once: the lake, then the health lake (when its sync is on), then
 * applies local retention to files whose upload the ledger has verified.
 */
export async function syncOnce(
  config: OpenSensorConfig,
  options: {
    signal?: AbortSignal;
    dryRun?: boolean;
    /** A sync the user asked for (`opensensor sync`) rather than the agent's periodic one. */
    manual?: boolean;
    onProgress?: (event: SyncProgressEvent, stream: 'data' | 'health') => void;
    logger?: Logger;
    /**
     * Time budget of the whole run (lake, then health lake); when it runs out, uploads in flight are
     * aborted and the rest is reported pending. Default: none.
     */
    timeBudgetMs?: number;
  } = {},
): Promise<SyncRunSummary> {
  const { syncLake, applyRetention, formatLedgerRepair } = await import('@opensensor/s3-sync');
  const log = options.logger ?? silentLogger;
  const started = Date.now();
  const budget = options.timeBudgetMs;
  const streams = syncedStreams(config, { manual: options.manual === true });
  const summaries: Record<string, SyncSummary> = {};
  let retention: SyncRunSummary['retention'] = null;
  for (const s of streams) {
    // Plain http to another machine is warned about once, when the configuration is loaded.
    const target = await storageTarget(s.storage, config);
    try {
      const onProgress = options.onProgress;
      const summary = await syncLake({
        root: s.root,
        target,
        ledger: ledgerPath(config, s.stream),
        quarantineDir: quarantinePath(config, s.stream),
        concurrency: config.syncConcurrency,
        // What the lake used of the budget is gone for the health lake; a spent budget leaves it pending.
        ...(budget === undefined ? {} : { timeBudgetMs: Math.max(1, started + budget - Date.now()) }),
        ...(options.signal ? { signal: options.signal } : {}),
        onProgress: (e) => {
          if (e.type === 'quarantine')
            log.warn('a broken lake file is not uploaded', {
              stream: s.stream,
              path: e.file.path,
              movedTo: e.file.movedTo,
              reason: e.file.reason,
            });
          onProgress?.(e, s.stream);
        },
        dryRun: options.dryRun === true,
      });
      summaries[s.stream] = summary;
      const repair = formatLedgerRepair(summary.ledgerRepair);
      if (repair) log.warn(repair, { stream: s.stream, ...summary.ledgerRepair });
      const stoppedEarly =
        options.signal?.aborted === true || (budget !== undefined && Date.now() >= started + budget);
      if (
        !options.dryRun &&
        !stoppedEarly &&
        (config.retentionDays !== undefined || config.retentionMaxMb !== undefined)
      ) {
        const report = await applyRetention({
          root: s.root,
          ledger: ledgerPath(config, s.stream),
          target,
          ...(config.retentionDays !== undefined ? { keepDays: config.retentionDays } : {}),
          ...(config.retentionMaxMb !== undefined ? { maxBytes: config.retentionMaxMb * 1024 * 1024 } : {}),
        });
        const before: { deleted: number; bytes: number } = retention ?? { deleted: 0, bytes: 0 };
        retention = {
          deleted: before.deleted + report.deleted.length,
          bytes: before.bytes + report.deletedBytes,
        };
        if (report.keptUnverified > 0) {
          log.info('retention kept files whose upload is not verified yet', { files: report.keptUnverified });
        }
      }
    } finally {
      target.destroy();
    }
  }
  return { data: summaries.data as SyncSummary, health: summaries.health ?? null, retention };
}

/** What the agent's periodic sync puts in its status (`opensensor status --json`: `uploads.lastSync`). */
export function periodicSyncStatus(r: SyncRunSummary): Record<string, number> {
  const both = (f: (s: SyncSummary) => number) => f(r.data) + (r.health ? f(r.health) : 0);
  return {
    uploaded: both((s) => s.uploaded),
    failed: both((s) => s.failed),
    pending: both((s) => s.pending),
    conflicts: both((s) => s.conflicts),
    bytes: both((s) => s.bytes),
    /** Broken files moved to `<lake>-quarantine` by this run. */
    quarantined: both((s) => s.quarantined),
    /** Damaged upload-ledger lines this run dropped (kept in `<ledger>.damaged`). */
    ledgerLinesDropped: both((s) => s.ledgerRepair.skippedLines),
    retentionDeleted: r.retention?.deleted ?? 0,
  };
}

/**
 * The Snowpipe task of one record kind: readings into the readings pipe and channel, health records
 * into the health pipe and channel (same account, user and auth; one client each, as a client is
 * bound to its pipe).
 */
async function snowpipeTask(
  config: OpenSensorConfig,
  kind: 'reading' | 'health',
  schema: LakeSchema,
  clock: StationClock,
  log: Logger,
): Promise<JournalTask> {
  const { SnowpipeClient, SnowpipeSink } = await import('@opensensor/snowpipe-client');
  const { SnowpipeTask } = await import('./snowpipe-task.js');
  const client = new SnowpipeClient({
    ...(await snowpipeClientOptions(config, kind)),
    logger: childLogger(log, { component: 'snowpipe', stream: kind }),
  });
  const sink = new SnowpipeSink({
    client,
    channel: kind === 'health' ? config.snowflakeHealthChannel : config.snowflakeChannel,
    onRowErrors: (e) =>
      log.error('Snowflake refused rows after accepting the request', { ...e, stream: kind }),
  });
  return new SnowpipeTask({
    sink,
    kind,
    stationId: config.stationId,
    columns: schema.columns.map((c) => c.name),
    ...(kind === 'health' ? { constants: healthRowConstants() } : {}),
    clock,
    logger: log,
    batchIntervalMs: config.snowflakeBatchInterval * 1000,
    maxBatchRows: config.snowflakeBatchRows,
  });
}

/**
 * What every Snowflake health row carries besides the health lake's columns: the machine that sent
 * it, for fleet queries. (The station's name and place are health lake columns: see `healthPlace`.)
 */
export function healthRowConstants(): { hostname: string } {
  return { hostname: hostname() };
}

/** The station's configured name and place, recorded in every health record. */
export function healthPlace(
  config: Pick<OpenSensorConfig, 'stationName' | 'stationLatitude' | 'stationLongitude'>,
): StationPlace {
  return {
    name: config.stationName ?? null,
    latitude: config.stationLatitude ?? null,
    longitude: config.stationLongitude ?? null,
  };
}

/** Builds the station the configuration describes: board, journal, lake, health, S3 sync, Snowflake. */
export async function stationFromConfig(o: StationFromConfigOptions): Promise<Station> {
  const c = o.config;
  const log = o.logger ?? silentLogger;
  const clock = o.clock ?? systemClock;
  const stateDir = o.stateDir ?? c.stateDir;
  const { board, kind } = await createStationBoard(o, clock, log);
  const schema = schemaForBoard(kind);
  await checkBoardOfStation(stateDir, c.stationId, kind);
  const tasks: JournalTask[] = [];
  const periodic: PeriodicTask[] = [];
  if (!o.withoutRemote && c.snowflakeEnabled)
    tasks.push(await snowpipeTask(c, 'reading', schema, clock, log));
  if (!o.withoutRemote && c.snowflakeHealthEnabled) {
    tasks.push(await snowpipeTask(c, 'health', HEALTH_SCHEMA, clock, log));
  }
  const uploads = !o.withoutRemote && c.syncEnabled ? new UploadBacklog(() => scanPendingUploads(c)) : null;
  const refreshUploads = () =>
    uploads
      ?.refresh()
      .catch((err: unknown) => log.warn('could not count the files not uploaded yet', { err }));
  if (uploads) {
    periodic.push({
      name: 'sync',
      intervalMs: c.syncIntervalMinutes * 60_000,
      run: async (signal) => {
        let summary: Record<string, number>;
        try {
          summary = periodicSyncStatus(await syncOnce(c, { signal, logger: log }));
        } catch (err) {
          uploads.syncFailed();
          throw err;
        }
        uploads.syncFinished({
          failed: summary.failed ?? 0,
          complete: summary.failed === 0 && summary.pending === 0 && summary.conflicts === 0,
          at: clock.now(),
        });
        await refreshUploads();
        log.info('sync', summary);
        return summary;
      },
    });
  }
  const trust = o.trustClock === true || c.clockPolicy === 'trust-system-clock';
  const uploadedStreams = new Set<string>(syncedStreams(c).map((s) => s.stream));
  const station = await Station.open({
    stationId: c.stationId,
    board,
    schema,
    clock,
    stateDir,
    outputDir: c.outputDir,
    healthDir: c.healthDir,
    readIntervalMs: o.readIntervalMs ?? c.readInterval * 1000,
    batchDurationSec: c.batchDuration,
    compression: c.compression,
    encodings: c.parquetEncodings,
    fsync: c.journalFsync,
    journalMaxBytes: o.journalMaxBytes ?? c.journalMaxMb * 1024 * 1024,
    clockSync: trust
      ? null
      : new ClockSyncMonitor({
          policy: c.clockPolicy,
          stateFile: join(stateDir, 'clock-sync.json'),
          sources: systemClockSources((cmd, args) => runCommandOutcome(cmd, args)),
        }),
    health: c.healthEnabled
      ? { place: healthPlace(c), ...(o.healthSources ? { sources: o.healthSources } : {}) }
      : null,
    tasks,
    periodic,
    logger: log,
    ...(uploads || o.onWindowWritten
      ? {
          onWindowWritten: (w: Parameters<NonNullable<StationOptions['onWindowWritten']>>[0]) => {
            if (uploads && w.status === 'written' && uploadedStreams.has(w.stream))
              uploads.written({ path: w.path, bytes: w.bytes, writtenAt: clock.now() });
            o.onWindowWritten?.(w);
          },
        }
      : {}),
    uploads,
    ...(o.owner ? { owner: o.owner } : {}),
    ...(o.zstd ? { zstd: o.zstd } : {}),
  });
  void refreshUploads();
  return station;
}
