import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { OpenSensorError } from '@opensensor/errors';
import { type Engine, type EngineOptions, openEngine } from './engine.js';
import { GOLD_TABLES } from './layout.js';
import { literal } from './sql.js';

/** The views `lakehouseQuery` defines: the raw lake and every silver and gold table. */
export const LAKEHOUSE_VIEWS = ['bronze', 'silver', 'silver_health', ...GOLD_TABLES] as const;

export interface QueryOptions {
  lakehouse: string;
  /** The raw lake for the `bronze` view; the view is missing without it. */
  from?: string;
  engine?: EngineOptions;
}

export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
}

export class LakehouseQueryError extends OpenSensorError {
  override readonly name = 'LakehouseQueryError';
  declare readonly code: 'LAKEHOUSE_QUERY';

  constructor(message: string, options?: { cause?: unknown }) {
    super('LAKEHOUSE_QUERY', message, options);
  }
}

const glob = (dir: string) =>
  `read_parquet(${literal(join(dir, '**', '*.parquet'))}, hive_partitioning = true, union_by_name = true)`;

/** An engine with a view per layer and gold table whose files exist (DuckDB cannot glob nothing). */
export async function openLakehouse(options: QueryOptions): Promise<{ engine: Engine; views: string[] }> {
  const engine = await openEngine(options.engine);
  const views: string[] = [];
  const define = async (name: string, dir: string | undefined) => {
    if (!dir || !existsSync(dir)) return;
    try {
      await engine.run(`CREATE VIEW ${name} AS SELECT * FROM ${glob(dir)}`);
      views.push(name);
    } catch {
      // A directory without Parquet files yet.
    }
  };
  await define('bronze', options.from);
  await define('silver', join(options.lakehouse, 'silver', 'readings'));
  await define('silver_health', join(options.lakehouse, 'silver', 'health'));
  for (const t of GOLD_TABLES) await define(t, join(options.lakehouse, 'gold', t));
  return { engine, views };
}

/** Runs one SQL statement over the lakehouse views. */
export async function lakehouseQuery(sql: string, options: QueryOptions): Promise<QueryResult> {
  const { engine, views } = await openLakehouse(options);
  try {
    const rows = await engine.rows(sql);
    return { columns: rows[0] ? Object.keys(rows[0]) : [], rows };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const missing = LAKEHOUSE_VIEWS.filter(
      (v) => !views.includes(v) && new RegExp(`\\b${v}\\b`, 'i').test(sql),
    );
    throw new LakehouseQueryError(
      missing.length > 0
        ? `${message}\n${missing.join(', ')} ${missing.length === 1 ? 'has' : 'have'} no files in ${options.lakehouse} yet: run opensensor lake build first.`
        : message,
      { cause: err },
    );
  } finally {
    engine.close();
  }
}
