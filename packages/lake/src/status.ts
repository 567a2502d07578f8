import { existsSync } from 'node:fs';
import type { BronzeRoots } from './bronze.js';
import { loadCatalog } from './catalog.js';
import { detectChanges } from './changes.js';
import { catalogFile, stateDir } from './layout.js';
import { LakehouseState } from './state.js';

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
  const [state, catalog] = await Promise.all([
    LakehouseState.load(stateDir(options.lakehouse)),
    loadCatalog(catalogFile(options.lakehouse)),
  ]);
  // Pending: files whose size or mtime differ from what was consumed (a build may find some unchanged).
  const scan = await detectChanges(roots, state, { checksum: false });
  const pending = scan.changed.length;
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
    bronze: { files: scan.bronzeFiles, consumed: scan.bronzeFiles - pending, pending },
    tables,
    stations: [...stations].sort(),
  };
}
