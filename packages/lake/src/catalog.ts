import { readFile, stat } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { writeFileAtomic } from '@opensensor/buffer';
import { sha256File } from './bronze.js';
import type { GoldTable, SilverTable } from './layout.js';

/** One silver or gold file, so that a client (the dashboard, a script) never needs to list a bucket. */
export interface CatalogEntry {
  /** Relative to the lakehouse directory, with `/` separators: also the object key under a prefix. */
  path: string;
  layer: 'silver' | 'gold';
  /** `readings` or `health` for silver; the gold table's name. */
  table: SilverTable | GoldTable;
  station: string;
  /** The period the file covers: `[start, end)`, ISO 8601 UTC. */
  start: string;
  end: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface Catalog {
  version: 1;
  /** When the catalog last changed. */
  updated: string;
  files: CatalogEntry[];
}

export async function loadCatalog(path: string): Promise<Catalog> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Catalog;
    if (parsed.version === 1 && Array.isArray(parsed.files)) return parsed;
  } catch {
    // Missing or damaged: rebuilt from the entries of this build and the files on disk.
  }
  return { version: 1, updated: new Date(0).toISOString(), files: [] };
}

export async function catalogEntry(
  root: string,
  path: string,
  fields: Omit<CatalogEntry, 'path' | 'bytes' | 'sha256'>,
): Promise<CatalogEntry> {
  const [st, sha256] = await Promise.all([stat(path), sha256File(path)]);
  return { path: relative(root, path).split(sep).join('/'), ...fields, bytes: st.size, sha256 };
}

/** The catalog with `updates` applied (by path), sorted by path. */
export function mergeCatalog(old: Catalog, updates: readonly CatalogEntry[], now: Date): Catalog {
  const byPath = new Map(old.files.map((e) => [e.path, e]));
  for (const e of updates) byPath.set(e.path, e);
  const files = [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { version: 1, updated: now.toISOString(), files };
}

export async function saveCatalog(path: string, catalog: Catalog): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(catalog, null, 1)}\n`);
}
