/** @opensensor/parquet-hive-writer — filled in by its own issue. */
export const PACKAGE_NAME = '@opensensor/parquet-hive-writer';
