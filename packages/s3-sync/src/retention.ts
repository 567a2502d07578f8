import { promises as fs } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Clock, systemClock } from '@opensensor/errors';
import { S3SyncOptionsError } from './errors.js';
import { type LakeFile, lakeObjectKey, listLakeFiles, normalizeKeyPrefix } from './lake-files.js';
import { Ledger } from './ledger.js';
import type { S3Target } from './target.js';

export interface RetentionOptions {
  readonly root: string;
  /** Path of the ledger file (opened and locked for the run) or a `Ledger` you opened. */
  readonly ledger: string | Ledger;
  /** The target the files were synced to (only `id` and `prefix` are used). */
  readonly target: Pick<S3Target, 'id' | 'prefix'>;
  /** Same as the `keyPrefix` given to `syncLake` for this root; default `target.prefix`. */
  readonly keyPrefix?: string;
  /**
   * Keep files whose UTC partition day ended less than this many days ago. `1` keeps today and
   * yesterday; `0` allows deleting every verified file of a finished day.
   */
  readonly keepDays?: number;
  /** Delete verified files, oldest first, until the eligible files under `root` take at most this many bytes. */
  readonly maxBytes?: number;
  readonly clock?: Clock;
  /** Report what would be deleted without deleting. */
  readonly dryRun?: boolean;
}

export interface RetainedFile {
  readonly path: string;
  readonly key: string;
  readonly size: number;
}

export interface RetentionReport {
  readonly deleted: readonly RetainedFile[];
  readonly deletedBytes: number;
  /** Files retention would have deleted but could not, because the ledger has no verified upload of them. */
  readonly keptUnverified: number;
  /** Bytes of eligible files left under the root. */
  readonly remainingBytes: number;
  /** How far `remainingBytes` still exceeds `maxBytes` (0 when within budget). */
  readonly overBudgetBytes: number;
  readonly dryRun: boolean;
}

const DAY_MS = 86_400_000;

function order(a: LakeFile, b: LakeFile): number {
  return (
    a.year - b.year ||
    a.month - b.month ||
    a.day - b.day ||
    (a.hhmm < b.hhmm ? -1 : a.hhmm > b.hhmm ? 1 : 0) ||
    (a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0)
  );
}

/**
 * Frees local space by deleting lake files whose upload the ledger records as verified, oldest first,
 * and removes partition folders left empty. A file is a candidate only if its size and mtime still
 * match the ledger, so a file that changed after upload is never deleted.
 */
export async function applyRetention(options: RetentionOptions): Promise<RetentionReport> {
  const { keepDays, maxBytes } = options;
  if (keepDays === undefined && maxBytes === undefined)
    throw new S3SyncOptionsError(
      'keepDays',
      'give keepDays, maxBytes or both; without them retention deletes nothing',
    );
  if (keepDays !== undefined && !(Number.isFinite(keepDays) && keepDays >= 0))
    throw new S3SyncOptionsError('keepDays', `must be a number >= 0, got ${keepDays}`);
  if (maxBytes !== undefined && !(Number.isFinite(maxBytes) && maxBytes >= 0))
    throw new S3SyncOptionsError('maxBytes', `must be a number of bytes >= 0, got ${maxBytes}`);
  if (!options.target || typeof options.target.id !== 'string')
    throw new S3SyncOptionsError('target', 'is required: the target the files were synced to');
  const clock = options.clock ?? systemClock;
  const dryRun = options.dryRun ?? false;
  const prefix = normalizeKeyPrefix(options.keyPrefix ?? options.target.prefix);
  const root = resolve(options.root);

  const ownLedger = typeof options.ledger === 'string';
  const ledger =
    typeof options.ledger === 'string'
      ? await Ledger.open(options.ledger, { clock, lock: !dryRun })
      : options.ledger;
  try {
    const files = (await listLakeFiles(root)).sort(order);
    let total = files.reduce((n, f) => n + f.size, 0);
    const now = clock.now();
    const deleted: RetainedFile[] = [];
    const unverified = new Set<string>();

    const verifiedKey = (f: LakeFile): string | undefined => {
      const key = lakeObjectKey(prefix, f.relativePath);
      const e = ledger.get(options.target.id, key);
      if (e?.verified && e.size === f.size && e.mtimeMs === f.mtimeMs) return key;
      unverified.add(f.path);
      return undefined;
    };

    const remove = async (f: LakeFile, key: string) => {
      if (!dryRun) {
        await fs.rm(f.path, { force: true });
        await ledger.forget(options.target.id, key);
        await pruneEmptyDirs(dirname(f.path), root);
      }
      deleted.push({ path: f.path, key, size: f.size });
      total -= f.size;
    };

    const gone = new Set<string>();
    if (keepDays !== undefined) {
      const cutoff = now - keepDays * DAY_MS;
      for (const f of files) {
        const dayEnd = Date.UTC(f.year, f.month - 1, f.day + 1);
        if (dayEnd > cutoff) continue;
        const key = verifiedKey(f);
        if (!key) continue;
        await remove(f, key);
        gone.add(f.path);
      }
    }
    if (maxBytes !== undefined) {
      for (const f of files) {
        if (total <= maxBytes) break;
        if (gone.has(f.path)) continue;
        const key = verifiedKey(f);
        if (!key) continue;
        await remove(f, key);
        gone.add(f.path);
      }
    }
    for (const p of gone) unverified.delete(p);
    return {
      deleted,
      deletedBytes: deleted.reduce((n, d) => n + d.size, 0),
      keptUnverified: unverified.size,
      remainingBytes: total,
      overBudgetBytes: maxBytes === undefined ? 0 : Math.max(0, total - maxBytes),
      dryRun,
    };
  } finally {
    if (ownLedger) await ledger.close();
  }
}

async function pruneEmptyDirs(dir: string, root: string): Promise<void> {
  let d = dir;
  while (d.startsWith(`${root}/`)) {
    try {
      await fs.rmdir(d);
    } catch {
      // Not empty (or already gone): the folders above are not empty either.
      return;
    }
    d = dirname(d);
  }
}
