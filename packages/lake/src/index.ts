/**
 * @opensensor/lake: the lake jobs. Raw station files (bronze) become one deduplicated, quality-flagged
 * silver file per station and UTC day, and small gold tables (hourly, daily, AQI, station health,
 * stations) per station and month, with a catalog of every file. DuckDB is the engine, loaded lazily.
 */
// The models as SQL text (also on `@opensensor/lake/sql`, for tools that must not load DuckDB).

export { type BronzeFile, type BronzeRoots, scanBronze } from './bronze.js';
export { type BuildOptions, type BuildSummary, buildLakehouse, LakehouseLockedError } from './build.js';
export { type Catalog, type CatalogEntry, loadCatalog } from './catalog.js';
export { type Engine, type EngineOptions, EngineUnavailableError, openEngine } from './engine.js';
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
export { qcRulesMarkdown } from './qc.js';
export {
  LAKEHOUSE_VIEWS,
  LakehouseQueryError,
  lakehouseQuery,
  openLakehouse,
  type QueryOptions,
  type QueryResult,
} from './query.js';
export { measurementColumns, silverHealthSql } from './silver.js';
export * from './sql-builders.js';
export { LakehouseStateError } from './state.js';
export { type LakehouseStatus, lakehouseStatus } from './status.js';
