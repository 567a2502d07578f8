import { type Dirent, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { S3SyncOptionsError } from './errors.js';

/** Which stream a lake file belongs to, from its name (`data_…` or `health_…`). */
export type LakeStream = 'data' | 'health';

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

const STATION_DIR = /^station=([^/\\\s.][^/\\\s]*)$/;
const YEAR_DIR = /^year=(\d{4})$/;
const MONTH_DIR = /^month=(0[1-9]|1[0-2])$/;
const DAY_DIR = /^day=(0[1-9]|[12]\d|3[01])$/;
// `data_HHMM_<firstSeq>.parquet` is what the Parquet writer names a second batch in a window whose file exists.
const FILE_NAME = /^(data|health)_([01]\d|2[0-3])([0-5]\d)(?:_\d+)?\.parquet$/;

/**
 * Whether a relative path (with `/` separators) names a finished lake file. Temp files (`.…tmp`),
 * other names and anything outside the Hive pattern are not eligible.
 */
export function isEligibleLakePath(relativePath: string): boolean {
  const parts = relativePath.split('/');
  if (parts.length !== 5) return false;
  const [station, year, month, day, file] = parts as [string, string, string, string, string];
  return (
    STATION_DIR.test(station) &&
    YEAR_DIR.test(year) &&
    MONTH_DIR.test(month) &&
    DAY_DIR.test(day) &&
    FILE_NAME.test(file)
  );
}

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
  for (const s of await readDirs(root)) {
    const sm = s.isDirectory() ? STATION_DIR.exec(s.name) : null;
    if (!sm) continue;
    const stationDir = join(root, s.name);
    for (const y of await readDirs(stationDir)) {
      const ym = y.isDirectory() ? YEAR_DIR.exec(y.name) : null;
      if (!ym) continue;
      const yearDir = join(stationDir, y.name);
      for (const m of await readDirs(yearDir)) {
        const mm = m.isDirectory() ? MONTH_DIR.exec(m.name) : null;
        if (!mm) continue;
        const monthDir = join(yearDir, m.name);
        for (const d of await readDirs(monthDir)) {
          const dm = d.isDirectory() ? DAY_DIR.exec(d.name) : null;
          if (!dm) continue;
          const dayDir = join(monthDir, d.name);
          for (const f of await readDirs(dayDir)) {
            const fm = f.isFile() ? FILE_NAME.exec(f.name) : null;
            if (!fm) continue;
            const path = join(dayDir, f.name);
            let st: import('node:fs').Stats;
            try {
              st = await fs.stat(path);
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
              throw err;
            }
            out.push({
              path,
              relativePath: `${s.name}/${y.name}/${m.name}/${d.name}/${f.name}`,
              stationId: sm[1] as string,
              stream: fm[1] as LakeStream,
              year: Number(ym[1]),
              month: Number(mm[1]),
              day: Number(dm[1]),
              hhmm: `${fm[2]}${fm[3]}`,
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
