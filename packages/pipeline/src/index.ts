// The board contract of @opensensor/sensors-core, for users of `Station.open({ board })`.
export type { BoardFacade, BoardSample, SensorSlotStatus } from '@opensensor/sensors-core';
export type { StationClock } from './clock.js';
export {
  type Clock,
  PacedClock,
  type PacedClockAnchor,
  type PacedClockStep,
  SimulatedClock,
  systemClock,
} from './clock.js';
export {
  bootTagOf,
  CLOCK_FLOOR_MS,
  type ClockPolicy,
  ClockSyncMonitor,
  type ClockSyncMonitorOptions,
  type ClockSyncSources,
  systemClockSources,
} from './clock-sync.js';
export { type ClosableOutput, type ClosedOutputOptions, endOnClosedOutput } from './closed-output.js';
export {
  ledgerPath,
  quarantinePath,
  type SimulationSettings,
  type StationFromConfigOptions,
  type SyncedStream,
  type SyncRunSummary,
  s3TargetOptions,
  scanPendingUploads,
  stationFromConfig,
  stationUploadStatus,
  storageTarget,
  syncedStreams,
  syncOnce,
} from './from-config.js';
export {
  type CollectHealthOptions,
  type CommandOutcome,
  collectHealth,
  type HealthSources,
  type HealthValues,
  parseChronyOffsetMs,
  parseProcWireless,
  parseTimesyncOffsetMs,
  runCommand,
  runCommandOutcome,
  systemHealthSources,
} from './health.js';
export { StationMismatchError } from './journal-station.js';
export {
  type JournaledRecords,
  LakeConsumer,
  type LakeConsumerOptions,
  type LakeConsumerStats,
  type WindowWritten,
} from './lake-consumer.js';
export { LAKE_LOCK_NAME, LakeLockedError, lakeLockPath, lakeWriter, lockStationLakes } from './lake-lock.js';
export {
  createLogger,
  type LogFields,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  silentLogger,
} from './logger.js';
export {
  type BuildInfo,
  collectStationMetrics,
  type MetricDefinition,
  type MetricSample,
  type MetricsInput,
  type MetricsJson,
  metricsJson,
  STATION_METRICS,
} from './metrics.js';
export {
  type MetricsServer,
  MetricsServerError,
  type MetricsServerOptions,
  serveStationMetrics,
} from './metrics-server.js';
export {
  BoardError,
  type BoardSettings,
  createBoard,
  type OpenBoardOptions,
  type OpenedBoard,
  openBoard,
} from './open-board.js';
export {
  type ClockSyncedRecord,
  decodeRecord,
  encodeClockSynced,
  encodeHealth,
  encodeReading,
  type HealthRecord,
  type PipelineRecord,
  RECORD_KIND,
  type ReadingRecord,
  RecordFormatError,
} from './records.js';
export { RESTAMP_STEP, Restamper, type RestampStats, type RestampStep, type Sequenced } from './restamp.js';
export { runSchedule, type ScheduleOptions, type ScheduleResult } from './scheduler.js';
export {
  BOARD_KINDS,
  type BoardKind,
  BREAKOUT_SCHEMA,
  ENVIROPLUS_SCHEMA,
  SENSEHAT_SCHEMA,
  schemaForBoard,
} from './schemas.js';
export { type ShutdownOptions, shutdownSignal } from './shutdown.js';
export {
  COMPAT_APPS,
  COMPAT_VIEWS,
  type CompatApp,
  type CompatColumn,
  type CompatView,
  CompatViewError,
  type CompatViewSqlOptions,
  compatViewColumns,
  compatViewSql,
  HEALTH_ROW_IDENTITY_COLUMNS,
  healthTableColumns,
  readingsTableColumns,
  type StationSnowflakeSqlOptions,
  snowflakeColumnType,
  stationSnowflakeSql,
} from './snowflake-sql.js';
export { SnowflakeKeyFileError, snowpipeClientOptions } from './snowpipe-options.js';
export {
  float32ToNumber,
  type SnowpipeRecordKind,
  type SnowpipeSinkLike,
  SnowpipeTask,
  type SnowpipeTaskOptions,
  type SnowpipeTaskStatus,
} from './snowpipe-task.js';
export {
  type BackfillResult,
  type JournalTask,
  type PeriodicTask,
  Station,
  type StationHealth,
  type StationOptions,
  type StationPlace,
  type StationStats,
  type StationStatus,
} from './station.js';
export {
  type PendingUpload,
  UploadBacklog,
  type UploadBacklogSnapshot,
} from './upload-backlog.js';
