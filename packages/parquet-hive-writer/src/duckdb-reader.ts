/** DuckDB as an independent reader of a lake, for tests (ours and users'). Loaded lazily. */
export interface LakeReader {
  rows(sql: string): Promise<Record<string, unknown>[]>;
  close(): void;
}

/**
 * Opens an in-memory DuckDB. Needs the optional peer dependency `@duckdb/node-api` (a native
 * package: install it as a dev dependency; it is never needed on a station).
 */
export async function openLakeReader(): Promise<LakeReader> {
  let duckdb: typeof import('@duckdb/node-api');
  try {
    duckdb = await import('@duckdb/node-api');
  } catch (err) {
    throw new Error('openLakeReader needs @duckdb/node-api: install it as a dev dependency', { cause: err });
  }
  const instance = await duckdb.DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  return {
    async rows(sql) {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjects() as Record<string, unknown>[];
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** `read_parquet` over a whole lake root, as the docs tell users to query it. */
export const lakeGlob = (root: string) => `read_parquet('${root}/**/*.parquet', hive_partitioning=true)`;
