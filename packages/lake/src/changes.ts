import {
  type BronzeFile,
  type BronzeFolder,
  type BronzeRoots,
  listBronzeFolders,
  listFolderFiles,
  sha256File,
} from './bronze.js';
import type { DayKey } from './layout.js';
import { type LakehouseState, stationOfKey } from './state.js';

/**
 * How long a folder must have been left alone (its own mtime and every file's) before the jobs trust
 * its mtime alone. A writer that rewrites a file in place (the reference collector does, for two
 * flushes in the same minute) changes that file's mtime and not the folder's; within this margin the
 * files are compared one by one. Coarse file-system clocks (2 s on FAT) are far inside it.
 */
export const SETTLE_MS = 5 * 60_000;

export interface ChangedFile {
  file: BronzeFile;
  /** Null when `checksum` was off. */
  sha256: string | null;
  /** The days the previous version of the file covered (empty for a new file). */
  oldDays: DayKey[];
  isNew: boolean;
}

export interface BronzeChanges {
  /** Bronze files on disk (settled folders counted from memory). */
  bronzeFiles: number;
  /** New or changed files, by key. */
  changed: ChangedFile[];
  /** Folders looked into, with what to remember of them once their changes are consumed. */
  lookedInto: number;
}

export interface DetectOptions {
  /** Look into every folder, whatever its mtime says (a file replaced in place by hand). */
  rescan?: boolean;
  /** Hash files whose size or mtime changed, and count only those whose content changed. */
  checksum: boolean;
  now?: number;
}

const unchangedFolder = (folder: BronzeFolder, state: LakehouseState): boolean => {
  const m = state.folders[folder.key];
  return m?.settled === true && m.mtimeMs === folder.mtimeMs && m.ino === folder.ino;
};

/**
 * What is new or changed in bronze since the state was saved. A settled, unchanged folder costs one
 * stat; any other folder is listed and its files compared with what was consumed by size and mtime
 * (then by checksum when `checksum`). Files consumed that are gone from a listed folder are forgotten.
 * Updates `state` in memory (folder memories, mtimes of files whose content is unchanged); the caller
 * saves it only after the outputs of the changes exist.
 */
export async function detectChanges(
  roots: BronzeRoots,
  state: LakehouseState,
  options: DetectOptions,
): Promise<BronzeChanges> {
  const now = options.now ?? Date.now();
  const folders = await listBronzeFolders(roots);
  const result: BronzeChanges = { bronzeFiles: 0, changed: [], lookedInto: 0 };
  // Stations with a folder to look into: their memory of files is read first, which may forget
  // folders of theirs (a station whose files' memory is missing is looked into whole).
  const toRead = new Set<string>();
  for (const station of new Set(folders.map((f) => f.station)))
    if (!state.hasStationMemory(station)) toRead.add(station);
  for (const f of folders) if (options.rescan || !unchangedFolder(f, state)) toRead.add(f.station);
  // Folders remembered that are gone (a station's retention, a folder removed by hand): their files are
  // forgotten, so no rebuild looks for them. Silver keeps their readings.
  const listed = new Set(folders.map((f) => f.key));
  const scanned = (key: string) =>
    key.startsWith('data/') || (key.startsWith('health/') && roots.health !== null);
  const gone = Object.keys(state.folders).filter((key) => scanned(key) && !listed.has(key));
  for (const key of gone) toRead.add(stationOfKey(key));
  for (const station of toRead) await state.station(station);
  for (const key of gone) {
    await state.forgetFilesIn(key);
    state.forgetFolder(key);
  }

  for (const folder of folders) {
    if (!options.rescan && unchangedFolder(folder, state)) {
      result.bronzeFiles += state.folders[folder.key]?.files ?? 0;
      continue;
    }
    result.lookedInto++;
    const consumed = await state.station(folder.station);
    const files = await listFolderFiles(folder);
    result.bronzeFiles += files.length;
    const present = new Set<string>();
    let settled = folder.mtimeMs < now - SETTLE_MS;
    for (const f of files) {
      present.add(f.key);
      if (f.mtimeMs >= now - SETTLE_MS) settled = false;
      const old = consumed[f.key];
      if (old && old.size === f.size && old.mtimeMs === f.mtimeMs) continue;
      if (!options.checksum) {
        result.changed.push({ file: f, sha256: null, oldDays: old?.days ?? [], isNew: !old });
        continue;
      }
      const sha256 = await sha256File(f.path);
      if (old && old.sha256 === sha256) {
        old.mtimeMs = f.mtimeMs;
        state.touchStation(folder.station);
        continue;
      }
      result.changed.push({ file: f, sha256, oldDays: old?.days ?? [], isNew: !old });
    }
    await state.forgetFilesIn(folder.key, present);
    state.rememberFolder(folder.key, {
      mtimeMs: folder.mtimeMs,
      ino: folder.ino,
      files: files.length,
      settled,
    });
  }
  return result;
}
