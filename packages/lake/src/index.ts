/**
 * @opensensor/lake: the lake jobs. Raw station files (bronze) become one deduplicated, quality-flagged
 * silver file per station and UTC day, and small gold tables (hourly, daily, AQI, station health,
 * stations) per station and month, with a catalog of every file. DuckDB is the engine, loaded lazily.
 */
export {
  AQI_BREAKPOINTS,
  AQI_CATEGORIES,
  aqi,
  aqiCategory,
  aqiCategorySql,
  aqiSql,
  nowcast,
  nowcastSql,
  pm25Corrected,
  pm25CorrectedSql,
  type SqlDialect,
} from './aqi.js';
export { type BronzeFile, type BronzeRoots, scanBronze } from './bronze.js';
export { type BuildOptions, type BuildSummary, buildLakehouse, LakehouseLockedError } from './build.js';
export { type Catalog, type CatalogEntry, loadCatalog } from './catalog.js';
export { type Engine, type EngineOptions, EngineUnavailableError, openEngine } from './engine.js';
export {
  AGGREGATES,
  aggregatedColumns,
  aqiHourlySql,
  boardOf,
  periodSql,
  stationHealthDailySql,
} from './gold.js';
export {
  catalogFile,
  GOLD_TABLES,
  type GoldTable,
  goldFile,
  type SilverTable,
  silverFile,
} from './layout.js';
export {
  type BronzeObject,
  type BronzeObjectStore,
  type BronzeSource,
  bronzeCacheDir,
  isBronzeObjectPath,
  type MirrorBronzeOptions,
  type MirrorProgress,
  type MirrorSummary,
  mirrorBronze,
} from './mirror.js';
export {
  PMS_DEAD_SIGNATURE,
  QC,
  QC_RULES,
  type QcFlag,
  type QcRule,
  qcFlagSql,
  qcRulesMarkdown,
} from './qc.js';
export {
  LAKEHOUSE_VIEWS,
  LakehouseQueryError,
  lakehouseQuery,
  openLakehouse,
  type QueryOptions,
  type QueryResult,
} from './query.js';
export {
  measurementColumns,
  SNOWFLAKE_HEALTH_COLUMNS,
  SNOWFLAKE_READINGS_KEYS,
  silverHealthSql,
  silverReadingsSql,
  snowflakeSilverSql,
} from './silver.js';
export {
  SNOWFLAKE_DEFAULT_TARGET_LAG,
  SNOWFLAKE_GOLD_OBJECTS,
  SNOWFLAKE_WAREHOUSE_PLACEHOLDER,
  type SnowflakeGoldObject,
  SnowflakeGoldOptionError,
  type SnowflakeGoldOptions,
  type SnowflakeGoldStatement,
  snowflakeGoldSql,
  snowflakeGoldStatements,
  snowflakeTargetLag,
} from './snowflake.js';
export { LakehouseStateError } from './state.js';
export { type LakehouseStatus, lakehouseStatus } from './status.js';
