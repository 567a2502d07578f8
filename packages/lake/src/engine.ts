import { OpenSensorError } from '@opensensor/errors';
/**
 * DuckDB, embedded and loaded on first use: importing this package costs nothing until a job runs.
 * DuckDB ships native builds for 64-bit Linux (x64, arm64), macOS and Windows only; on a 32-bit
 * Raspberry Pi OS (armv6, armv7) it cannot load, and the error says where to run the jobs instead.
 */

export interface Engine {
  /** Runs a statement and returns its rows as plain objects. */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  run(sql: string): Promise<void>;
  close(): void;
}

export class EngineUnavailableError extends OpenSensorError {
  override readonly name = 'EngineUnavailableError';
  declare readonly code: 'ENGINE_UNAVAILABLE';

  constructor(message: string, options?: { cause?: unknown }) {
    super('ENGINE_UNAVAILABLE', message, options);
  }
}

export interface EngineOptions {
  /** DuckDB worker threads; default: DuckDB's own (all cores). */
  threads?: number;
  /** DuckDB's memory limit; default `1GB`. */
  memoryLimit?: string;
}

export async function openEngine(options: EngineOptions = {}): Promise<Engine> {
  let duckdb: typeof import('@duckdb/node-api');
  try {
    duckdb = await import('@duckdb/node-api');
  } catch (err) {
    throw new EngineUnavailableError(
      `DuckDB (@duckdb/node-api) cannot be loaded on ${process.platform}-${process.arch}: the lake jobs need a 64-bit machine ` +
        '(x64 or arm64: a laptop, a server, a CI job, or a Pi with a 64-bit OS). Run them there against the bucket or a copy of the lake.',
      { cause: err },
    );
  }
  const config: Record<string, string> = {};
  if (options.threads !== undefined) config.threads = String(options.threads);
  // DuckDB's default keeps buffers up to 80 % of RAM (8 GB peak RSS measured on a 10-station month);
  // a lake build reads one station-day or station-month at a time and needs far less.
  config.memory_limit = options.memoryLimit ?? '1GB';
  const instance = await duckdb.DuckDBInstance.create(':memory:', config);
  const connection = await instance.connect();
  // Periods (hours, days, months) are UTC whatever the machine's time zone.
  await connection.run("SET TimeZone = 'UTC'");
  return {
    async rows(sql) {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjects() as Record<string, unknown>[];
    },
    async run(sql) {
      await connection.run(sql);
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
