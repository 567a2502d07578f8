import { existsSync } from 'node:fs';
import { type BronzeRoots, scanBronze } from './bronze.js';
import { loadCatalog } from './catalog.js';
import { catalogFile, stateFile } from './layout.js';
import { loadState } from './state.js';

export interface LakehouseStatus {
  lakehouse: string;
  /** When the catalog last changed (the last build that wrote something), or null before the first. */
  lastBuild: string | null;
  bronze: { files: number; consumed: number; pending: number };
  /** Files per silver/gold table, and their rows. */
  tables: Record<string, { files: number; rows: number; bytes: number }>;
  stations: string[];
}

/** What is built and what is pending, without opening DuckDB (a scan of the bronze files' sizes). */
export async function lakehouseStatus(options: {
  from: string;
  health?: string | null;
  lakehouse: string;
}): Promise<LakehouseStatus> {
  const roots: BronzeRoots = {
    data: options.from,
    health:
      options.health === undefined
        ? existsSync(`${options.from}-health`)
          ? `${options.from}-health`
          : null
        : options.health,
  };
  const [state, bronze, catalog] = await Promise.all([
    loadState(stateFile(options.lakehouse)),
    scanBronze(roots),
    loadCatalog(catalogFile(options.lakehouse)),
  ]);
  let pending = 0;
  for (const f of bronze) {
    const c = state.files[f.key];
    if (!c || c.size !== f.size || c.mtimeMs !== f.mtimeMs) pending++;
  }
  const tables: LakehouseStatus['tables'] = {};
  const stations = new Set<string>();
  for (const e of catalog.files) {
    const key = e.layer === 'silver' ? `silver ${e.table}` : e.table;
    const t = tables[key] ?? { files: 0, rows: 0, bytes: 0 };
    tables[key] = t;
    t.files++;
    t.rows += e.rows;
    t.bytes += e.bytes;
    stations.add(e.station);
  }
  return {
    lakehouse: options.lakehouse,
    lastBuild: catalog.files.length > 0 ? catalog.updated : null,
    bronze: { files: bronze.length, consumed: bronze.length - pending, pending },
    tables,
    stations: [...stations].sort(),
  };
}
