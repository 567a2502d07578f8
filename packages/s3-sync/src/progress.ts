import type { SyncProgressEvent, SyncSummary } from './sync.js';

/** Where a progress bar is drawn: a TTY stream (`process.stderr`). */
export interface ProgressStream {
  write(chunk: string): unknown;
  readonly columns?: number;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/**
 * A one-line progress bar for `onProgress`, redrawn in place with `\r`. Use it only on a TTY; for logs
 * and `--json`, consume the events yourself. Call the returned `end()` before printing the summary.
 */
export function createProgressBar(stream: ProgressStream): {
  onProgress: (e: SyncProgressEvent) => void;
  end: () => void;
} {
  let total = 0;
  let totalBytes = 0;
  let done = 0;
  let doneBytes = 0;
  let partial = 0;
  let drawn = false;
  const draw = () => {
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 50));
    const frac =
      totalBytes > 0 ? Math.min(1, (doneBytes + partial) / totalBytes) : total > 0 ? done / total : 1;
    const fill = Math.round(frac * width);
    const bar = `${'#'.repeat(fill)}${'-'.repeat(width - fill)}`;
    stream.write(
      `\r[${bar}] ${done}/${total} files ${formatBytes(doneBytes + partial)}/${formatBytes(totalBytes)}\u001b[K`,
    );
    drawn = true;
  };
  return {
    onProgress: (e) => {
      if (e.type === 'start') {
        total = e.toUpload;
        totalBytes = e.toUploadBytes;
        if (total > 0) draw();
      } else if (e.type === 'file') {
        done = e.done;
        doneBytes = e.doneBytes;
        partial = 0;
        draw();
      } else if (e.type === 'bytes') {
        partial = e.loaded;
        draw();
      }
    },
    end: () => {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

/** Human-readable lines for a summary (the CLI prints them when not in `--json` mode). */
export function formatSyncSummary(s: SyncSummary): string {
  const head = s.dryRun
    ? `dry run: ${s.pending} file(s) to upload (${formatBytes(s.planned.reduce((n, p) => n + p.size, 0))}), ${s.skipped} already uploaded`
    : `uploaded ${s.uploaded} (${formatBytes(s.bytes)}), skipped ${s.skipped}, already present ${s.alreadyPresent}, failed ${s.failed}, conflicts ${s.conflicts}, pending ${s.pending}`;
  const lines = [head];
  for (const e of s.errors) lines.push(`  ${e.retryable ? 'will retry' : 'needs action'}: ${e.message}`);
  return lines.join('\n');
}

/** The exit status a CLI should use: 0 when every eligible file is in the store, 1 otherwise. */
export function syncExitCode(s: SyncSummary): 0 | 1 {
  if (s.dryRun) return s.conflicts > 0 ? 1 : 0;
  return s.ok ? 0 : 1;
}
