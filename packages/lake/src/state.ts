import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@opensensor/buffer';
import type { DayKey } from './layout.js';

/** What the jobs know of one bronze file they consumed. */
export interface ConsumedFile {
  size: number;
  mtimeMs: number;
  sha256: string;
  /** The UTC days its readings fall on (by their own timestamps, not the folder). */
  days: DayKey[];
}

/** The jobs' memory: every bronze file consumed, by key. Written only after the outputs it describes. */
export interface LakehouseState {
  version: 1;
  files: Record<string, ConsumedFile>;
}

export class LakehouseStateError extends Error {
  override readonly name = 'LakehouseStateError';
  readonly code = 'LAKEHOUSE_STATE';
}

export async function loadState(path: string): Promise<LakehouseState> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, files: {} };
    throw err;
  }
  try {
    const parsed = JSON.parse(raw) as LakehouseState;
    if (parsed.version !== 1 || typeof parsed.files !== 'object' || parsed.files === null)
      throw new Error('shape');
    return parsed;
  } catch {
    // Losing this file costs one full rebuild, never data: the outputs are rebuilt from bronze.
    throw new LakehouseStateError(
      `${path} is not a lakehouse state file (damaged or from another version). Delete it and build again: the next build rebuilds every station-day from bronze.`,
    );
  }
}

export async function saveState(path: string, state: LakehouseState): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, JSON.stringify(state));
}
