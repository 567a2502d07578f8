import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '@opensensor/buffer';
import { OpenSensorError } from '@opensensor/errors';
import type { DayKey } from './layout.js';

/** What the jobs know of one bronze file they consumed. */
export interface ConsumedFile {
  size: number;
  mtimeMs: number;
  sha256: string;
  /** The UTC days its readings fall on (by their own timestamps, not the folder). */
  days: DayKey[];
}

/**
 * What the jobs remember of one bronze day folder (`<stream>/station=…/year=…/month=…/day=…`): the
 * folder's own mtime and inode when it was last looked into, how many bronze files it held, and whether
 * it had settled then (nothing in it written for a while). A settled folder whose mtime and inode are
 * unchanged is not looked into again: adding, removing or renaming a file changes the folder's mtime,
 * and every writer of bronze (the agent, the simulator, the bucket mirror) writes files by rename.
 */
export interface FolderMemory {
  mtimeMs: number;
  ino: number;
  files: number;
  settled: boolean;
}

/** `_state/bronze.json`: the folders, read by every build (small: one entry per station-day-stream). */
interface IndexFile {
  version: 2;
  folders: Record<string, FolderMemory>;
}

/** `_state/bronze/station=<id>.json`: every bronze file of one station consumed, by key. */
interface StationFile {
  version: 2;
  files: Record<string, ConsumedFile>;
}

/** The first layout: every file of every station in one `_state/bronze.json`. */
interface LegacyFile {
  version: 1;
  files: Record<string, ConsumedFile>;
}

export class LakehouseStateError extends OpenSensorError {
  override readonly name = 'LakehouseStateError';
  declare readonly code: 'LAKEHOUSE_STATE';

  constructor(message: string, options?: { cause?: unknown }) {
    super('LAKEHOUSE_STATE', message, options);
  }
}

/** The station a file or folder key belongs to: `<stream>/station=<id>/…`. */
export function stationOfKey(key: string): string {
  const start = key.indexOf('/station=') + '/station='.length;
  const end = key.indexOf('/', start);
  return key.slice(start, end < 0 ? undefined : end);
}

async function readJson(path: string): Promise<unknown | undefined> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

const damaged = (path: string) =>
  // Losing these files costs a rebuild, never data: the outputs are rebuilt from bronze.
  new LakehouseStateError(
    `${path} is not a lakehouse state file (damaged or from another version). Delete the folder ${dirname(path)} and build again: the next build rebuilds every station-day from bronze.`,
  );

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * The jobs' memory of bronze, in two levels so that a build with nothing to do reads only a small
 * index: the day folders (`_state/bronze.json`) and, per station, every file consumed
 * (`_state/bronze/station=<id>.json`, read only for stations with a folder to look into).
 * Saved after the outputs it describes: the stations' files first, the index last, so a build killed
 * between the two only looks into those folders again.
 */
export class LakehouseState {
  private readonly stations = new Map<string, Record<string, ConsumedFile>>();
  private readonly dirtyStations = new Set<string>();
  private indexDirty = false;

  private constructor(
    private readonly dir: string,
    readonly folders: Record<string, FolderMemory>,
  ) {}

  /** `<lakehouse>/_state`. A lakehouse without one starts empty; the first layout is converted. */
  static async load(dir: string): Promise<LakehouseState> {
    const indexPath = join(dir, 'bronze.json');
    const parsed = await readJson(indexPath);
    if (parsed === undefined) return new LakehouseState(dir, {});
    if (!isRecord(parsed) || !isRecord(parsed.folders ?? parsed.files)) throw damaged(indexPath);
    if (parsed.version === 2 && isRecord(parsed.folders))
      return new LakehouseState(dir, (parsed as unknown as IndexFile).folders);
    if (parsed.version === 1 && isRecord(parsed.files)) {
      // Converted on the next save; no folder is remembered yet, so the next build compares every
      // file with what was consumed (by size and mtime, as before) and rebuilds nothing that is unchanged.
      const state = new LakehouseState(dir, {});
      for (const [key, file] of Object.entries((parsed as unknown as LegacyFile).files)) {
        const station = stationOfKey(key);
        const files = state.stations.get(station) ?? {};
        state.stations.set(station, files);
        files[key] = file;
        state.dirtyStations.add(station);
      }
      state.indexDirty = true;
      return state;
    }
    throw damaged(indexPath);
  }

  private stationPath(station: string): string {
    return join(this.dir, 'bronze', `station=${station}.json`);
  }

  /** Every bronze file of `station` consumed, by key (read once, then kept). */
  async station(station: string): Promise<Record<string, ConsumedFile>> {
    const known = this.stations.get(station);
    if (known) return known;
    const path = this.stationPath(station);
    const parsed = await readJson(path);
    let files: Record<string, ConsumedFile>;
    if (parsed === undefined) {
      // No memory of this station's files: whatever the index says of its folders, look into them all.
      files = {};
      for (const key of Object.keys(this.folders)) if (stationOfKey(key) === station) this.forgetFolder(key);
    } else if (isRecord(parsed) && parsed.version === 2 && isRecord(parsed.files)) {
      files = (parsed as unknown as StationFile).files;
    } else {
      throw damaged(path);
    }
    this.stations.set(station, files);
    return files;
  }

  /** Whether the memory of a station's files exists (read, or on disk to be read). */
  hasStationMemory(station: string): boolean {
    return this.stations.has(station) || existsSync(this.stationPath(station));
  }

  /** Forgets the consumed files of a day folder: all of them, or those not `present` on disk any more. */
  async forgetFilesIn(folderKey: string, present?: ReadonlySet<string>): Promise<void> {
    const station = stationOfKey(folderKey);
    const consumed = await this.station(station);
    const prefix = `${folderKey}/`;
    for (const key of Object.keys(consumed))
      if (key.startsWith(prefix) && !present?.has(key)) {
        delete consumed[key];
        this.dirtyStations.add(station);
      }
  }

  /** Marks a station's files changed (saved by the next `save`). */
  touchStation(station: string): void {
    this.dirtyStations.add(station);
  }

  rememberFolder(key: string, memory: FolderMemory): void {
    const old = this.folders[key];
    if (
      old &&
      old.mtimeMs === memory.mtimeMs &&
      old.ino === memory.ino &&
      old.files === memory.files &&
      old.settled === memory.settled
    )
      return;
    this.folders[key] = memory;
    this.indexDirty = true;
  }

  forgetFolder(key: string): void {
    if (!(key in this.folders)) return;
    delete this.folders[key];
    this.indexDirty = true;
  }

  get dirty(): boolean {
    return this.indexDirty || this.dirtyStations.size > 0;
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    await mkdir(join(this.dir, 'bronze'), { recursive: true });
    for (const station of [...this.dirtyStations].sort()) {
      const files = this.stations.get(station);
      if (!files) continue;
      const body: StationFile = { version: 2, files };
      await writeFileAtomic(this.stationPath(station), JSON.stringify(body));
    }
    this.dirtyStations.clear();
    const index: IndexFile = { version: 2, folders: this.folders };
    await writeFileAtomic(join(this.dir, 'bronze.json'), JSON.stringify(index));
    this.indexDirty = false;
  }
}
