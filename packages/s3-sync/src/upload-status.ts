import { type LakeFile, lakeObjectKey, listLakeFiles, normalizeKeyPrefix } from './lake-files.js';
import { Ledger, type LedgerEntry } from './ledger.js';

/** Where uploads go, as the ledger names it: `S3Target` and `resolveTargetSettings()` both have these. */
export interface UploadDestination {
  /** `S3Target.id`: the store and bucket. A file uploaded to another bucket is not uploaded here. */
  readonly id: string;
  /** Key prefix; the object key of a file is `<prefix>/<relative path>`. */
  readonly prefix: string;
}

/** A lake file as the upload ledger sees it for one destination. */
export interface FileUploadState {
  readonly file: LakeFile;
  /** Its object key at the destination. */
  readonly key: string;
  /**
   * The ledger's record of its upload to this destination (same store, bucket and key), or undefined:
   * then the file is pending. A record whose size or mtime differs from the file is checked against
   * the file's SHA-256 by the sync before it counts.
   */
  readonly entry: LedgerEntry | undefined;
}

/**
 * The one rule for "uploaded": the ledger holds the file's key under the destination's id. `syncLake`
 * uploads exactly the files this gives without an entry; `uploadStatus` counts them.
 */
export function fileUploadStates(
  files: readonly LakeFile[],
  ledger: Pick<Ledger, 'get'>,
  destination: UploadDestination,
): FileUploadState[] {
  const prefix = normalizeKeyPrefix(destination.prefix);
  return files.map((file) => {
    const key = lakeObjectKey(prefix, file.relativePath);
    return { file, key, entry: ledger.get(destination.id, key) };
  });
}

export interface UploadStatusOptions {
  /** The lake directory that holds `station=…` folders. */
  readonly root: string;
  /** Path of the ledger file (read without its lock, so a running sync is not disturbed) or a `Ledger`. */
  readonly ledger: string | Ledger;
  readonly destination: UploadDestination;
  /** Count only this station's files (the sync uploads every station under `root`). */
  readonly stationId?: string;
}

/** What is uploaded and what is pending, as the next `syncLake` to the same destination would find it. */
export interface UploadStatus {
  /** Every finished lake file (of `stationId` when given). */
  readonly files: readonly LakeFile[];
  /** Files the ledger does not hold for this destination: the next sync uploads them. */
  readonly pending: readonly LakeFile[];
  /** Files the ledger holds for this destination. */
  readonly uploaded: number;
  /** ISO time of the newest upload to this destination; null when none. */
  readonly lastUploadAt: string | null;
  /** Damage found in the ledger (the next sync repairs it); zeros for a `Ledger` you passed. */
  readonly ledgerDamage: { readonly skippedLines: number; readonly truncatedBytes: number };
}

/**
 * Lists the lake and reads the ledger to tell which files are uploaded to `destination`. Reads only:
 * takes no lock, writes nothing. Files uploaded to another bucket or under another prefix are pending
 * here, as they are for the sync.
 */
export async function uploadStatus(options: UploadStatusOptions): Promise<UploadStatus> {
  const own = typeof options.ledger === 'string';
  const ledger =
    typeof options.ledger === 'string' ? await Ledger.open(options.ledger, { lock: false }) : options.ledger;
  try {
    const listed = await listLakeFiles(options.root);
    const files =
      options.stationId === undefined ? listed : listed.filter((f) => f.stationId === options.stationId);
    const states = fileUploadStates(files, ledger, options.destination);
    let lastUploadAt: string | null = null;
    for (const e of ledger.entries())
      if (e.target === options.destination.id && (!lastUploadAt || e.uploadedAt > lastUploadAt))
        lastUploadAt = e.uploadedAt;
    const pending = states.filter((s) => !s.entry).map((s) => s.file);
    return {
      files,
      pending,
      uploaded: files.length - pending.length,
      lastUploadAt,
      ledgerDamage: own
        ? { skippedLines: ledger.report.skippedLines, truncatedBytes: ledger.report.truncatedBytes }
        : { skippedLines: 0, truncatedBytes: 0 },
    };
  } finally {
    if (own) await ledger.close();
  }
}
