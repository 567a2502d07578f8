/**
 * `@opensensor/lake/sql`: the lake's models as SQL text and nothing else (no DuckDB, no files). For
 * tools that print or ship the SQL, such as `opensensor snowflake sql --gold`, and must not load the
 * engine: the QC rules and flags, the gold models, AQI and NowCast, and the Snowflake dynamic tables.
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
export {
  AGGREGATES,
  AQI_INPUTS,
  aggregatedColumns,
  aqiHourlySql,
  boardOf,
  periodSql,
  stationHealthDailySql,
} from './gold.js';
export { PMS_DEAD_SIGNATURE, QC, QC_RULES, type QcFlag, type QcRule, qcFlagSql, rowQcSql } from './qc.js';
export {
  SNOWFLAKE_HEALTH_COLUMNS,
  SNOWFLAKE_READINGS_KEYS,
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
  SnowflakeGoldOptionsError,
  type SnowflakeGoldStatement,
  snowflakeGoldSql,
  snowflakeGoldStatements,
  snowflakeTargetLag,
} from './snowflake.js';
