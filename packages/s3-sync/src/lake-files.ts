import { type Dirent, promises as fs, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  type LakeFilePrefix,
  parseLakeFileName,
  parseLakePath,
  parsePartitionDirName,
} from '@opensensor/parquet-hive-writer';
import { S3SyncOptionsError } from './errors.js';

/** Which stream a lake file belongs to, from its name (`data_…` or `health_…`). */
export type LakeStream = LakeFilePrefix;

/** A finished lake file that is eligible for upload. */
export interface LakeFile {
  /** Absolute path on disk. */
  readonly path: string;
  /** Path relative to the lake root, with `/` separators: `station=…/year=…/month=…/day=…/data_HHMM.parquet`. */
  readonly relativePath: string;
  readonly stationId: string;
  readonly stream: LakeStream;
  /** UTC partition date. */
  readonly year: number;
  readonly month: number;
  readonly day: number;
  /** `HHMM` from the file name, as written (`0915`). */
  readonly hhmm: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/**
 * Whether a relative path (with `/` separators) names a finished lake file: the grammar of
 * `@opensensor/parquet-hive-writer`'s `parseLakePath`. Temp files (`.…tmp`), other names and anything
 * outside the Hive pattern are not eligible.
 */
export function isEligibleLakePath(relativePath: string): boolean {
  return parseLakePath(relativePath) !== undefined;
}

/** The longest run of synchronous `stat` calls between two turns of the event loop. */
const MAX_SYNC_STAT_MS = 10;

async function readDirs(dir: string): Promise<Dirent[]> {
  try {
    return await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    // A partition removed by retention (or never created) between listing and reading is not an error.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Lists the eligible files under a lake root, sorted by key (oldest partition first). Only directories
 * that match the Hive pattern are entered, so a root with unrelated content costs one `readdir`.
 * Symbolic links are not followed.
 */
export async function listLakeFiles(root: string): Promise<LakeFile[]> {
  const out: LakeFile[] = [];
  let lastYield = performance.now();
  for (const s of await readDirs(root)) {
    const station = s.isDirectory() ? parsePartitionDirName('station', s.name) : undefined;
    if (station === undefined) continue;
    const stationDir = join(root, s.name);
    for (const y of await readDirs(stationDir)) {
      const year = y.isDirectory() ? parsePartitionDirName('year', y.name) : undefined;
      if (year === undefined) continue;
      const yearDir = join(stationDir, y.name);
      for (const m of await readDirs(yearDir)) {
        const month = m.isDirectory() ? parsePartitionDirName('month', m.name) : undefined;
        if (month === undefined) continue;
        const monthDir = join(yearDir, m.name);
        for (const d of await readDirs(monthDir)) {
          const day = d.isDirectory() ? parsePartitionDirName('day', d.name) : undefined;
          if (day === undefined) continue;
          const dayDir = join(monthDir, d.name);
          // Files are stat'ed synchronously (a few microseconds each with warm caches, against tens
          // through the thread pool: a year's lake took 1.6 s of CPU per sync). The event loop gets its
          // turn at each directory read, and within a folder every few milliseconds, so a cold SD card
          // does not hold up the agent's readings.
          for (const f of await readDirs(dayDir)) {
            const name = f.isFile() ? parseLakeFileName(f.name) : undefined;
            if (!name) continue;
            if (performance.now() - lastYield > MAX_SYNC_STAT_MS) {
              await new Promise((resolve) => setImmediate(resolve));
              lastYield = performance.now();
            }
            const path = join(dayDir, f.name);
            // Removed by retention since the listing: not an error.
            const st = statSync(path, { throwIfNoEntry: false });
            if (st === undefined) continue;
            out.push({
              path,
              relativePath: `${s.name}/${y.name}/${m.name}/${d.name}/${f.name}`,
              stationId: station,
              stream: name.prefix,
              year: Number(year),
              month: Number(month),
              day: Number(day),
              hhmm: name.hhmm,
              size: st.size,
              mtimeMs: Math.trunc(st.mtimeMs),
            });
          }
        }
      }
    }
  }
  out.sort((a, b) => (a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0));
  return out;
}

/**
 * Normalises a key prefix: no leading or trailing slash, no empty segment. `''`, `'/'` and `undefined`
 * mean "the bucket root". `.` and `..` segments are refused because stores treat them inconsistently.
 */
export function normalizeKeyPrefix(prefix: string | undefined): string {
  if (prefix === undefined) return '';
  const segments = prefix.split('/').filter((s) => s.length > 0);
  for (const s of segments) {
    if (s === '.' || s === '..')
      throw new S3SyncOptionsError(
        'prefix',
        `"${prefix}" contains a "${s}" segment; use a plain path like "lake/v1"`,
      );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we refuse
    if (/[\u0000-\u001f\u007f\\]/.test(s))
      throw new S3SyncOptionsError('prefix', `"${prefix}" contains a control character or backslash`);
  }
  return segments.join('/');
}

/** The object key of a lake file: `<prefix>/<relative path>`, or the relative path alone for an empty prefix. */
export function lakeObjectKey(prefix: string, relativePath: string): string {
  const p = normalizeKeyPrefix(prefix);
  return p === '' ? relativePath : `${p}/${relativePath}`;
}

/**
 * The default prefix of the health stream, as the reference collector derives it: `<prefix>-health`.
 * With an empty main prefix the health files go under `health/` (a bare `-health` would be a surprising key).
 */
export function defaultHealthPrefix(prefix: string | undefined): string {
  const p = normalizeKeyPrefix(prefix);
  return p === '' ? 'health' : `${p}-health`;
}
