import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/** DuckDB as the independent reader of what the writer produced (tests only; never shipped). */
export interface LakeReader {
  rows(sql: string): Promise<Record<string, unknown>[]>;
  close(): void;
}

export async function openReader(): Promise<LakeReader> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection: DuckDBConnection = await instance.connect();
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
