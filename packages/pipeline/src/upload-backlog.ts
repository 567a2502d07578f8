/** A lake file that is on disk and not in the store yet. */
export interface PendingUpload {
  /** Absolute path: the key of the backlog, as the lake writer and the lake listing both name it. */
  path: string;
  bytes: number;
  /** When it was written (ms since the epoch): the file's mtime, or the time the writer reported it. */
  writtenAt: number;
}

/** What `UploadBacklog` knows, as numbers (the metrics and the status file show these). */
export interface UploadBacklogSnapshot {
  /** False until the first scan of the lake and the upload ledger has finished. */
  known: boolean;
  files: number;
  bytes: number;
  /** When the oldest file not uploaded was written; null when none is pending. */
  oldestWrittenAt: number | null;
  /** End of the newest sync run in which nothing failed and nothing stayed pending; null before one. */
  lastSuccessAt: number | null;
  /** Files whose upload failed, and sync runs that failed as a whole, since the agent started. */
  failures: number;
}

/**
 * The files a station has written and not uploaded, kept without a scan per question: a scan of the
 * lake against the upload ledger after each sync run (which lists the lake anyway) and at start, plus
 * every window written since. Reading it costs nothing, so metrics and status can ask at any time.
 */
export class UploadBacklog {
  private pending = new Map<string, PendingUpload>();
  /** Windows written while a scan runs: the scan may have listed the directory before them. */
  private writtenDuringScan: PendingUpload[] | null = null;
  private known = false;
  private lastSuccessAt: number | null = null;
  private failures = 0;

  /** `scan` lists the files of the lake(s) that the upload ledger does not hold. */
  constructor(private readonly scan: () => Promise<readonly PendingUpload[]>) {}

  /** Replaces what is known by a fresh scan. A failed scan keeps the previous state and rethrows. */
  async refresh(): Promise<void> {
    this.writtenDuringScan = [];
    try {
      const found = await this.scan();
      const next = new Map(found.map((f) => [f.path, f]));
      for (const f of this.writtenDuringScan) next.set(f.path, f);
      this.pending = next;
      this.known = true;
    } finally {
      this.writtenDuringScan = null;
    }
  }

  /** A window file was written (a rewrite of an already identical file is not a new upload). */
  written(file: PendingUpload): void {
    this.pending.set(file.path, file);
    this.writtenDuringScan?.push(file);
  }

  /** A sync run ended: `failed` files failed; `complete` when nothing failed or stayed pending. */
  syncFinished(result: { failed: number; complete: boolean; at: number }): void {
    this.failures += result.failed;
    if (result.complete) this.lastSuccessAt = result.at;
  }

  /** A sync run failed as a whole (the store unreachable before any file, a bad setting). */
  syncFailed(): void {
    this.failures++;
  }

  snapshot(): UploadBacklogSnapshot {
    let bytes = 0;
    let oldest: number | null = null;
    for (const f of this.pending.values()) {
      bytes += f.bytes;
      if (oldest === null || f.writtenAt < oldest) oldest = f.writtenAt;
    }
    return {
      known: this.known,
      files: this.pending.size,
      bytes,
      oldestWrittenAt: oldest,
      lastSuccessAt: this.lastSuccessAt,
      failures: this.failures,
    };
  }
}
