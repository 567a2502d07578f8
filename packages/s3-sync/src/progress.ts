import type { SyncProgressEvent, SyncSummary } from './sync.js';

/** Where a progress bar is drawn: a TTY stream (`process.stderr`). */
export interface ProgressStream {
  write(chunk: string): unknown;
  readonly columns?: number;
}

/** `1.5 MiB`, `512 B`. */
export function formatBytes(n: number): string {
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

/** One line saying what opening the ledger repaired, or undefined when it was intact. */
export function formatLedgerRepair(r: SyncSummary['ledgerRepair']): string | undefined {
  if (r.skippedLines === 0 && r.truncatedBytes === 0) return undefined;
  const parts: string[] = [];
  if (r.skippedLines > 0)
    parts.push(
      `dropped ${r.skippedLines} damaged line(s)${r.damagedLinesFile ? ` (kept in ${r.damagedLinesFile})` : ''}; their files are checked against the store again`,
    );
  if (r.truncatedBytes > 0)
    parts.push(`cut a torn last line of ${r.truncatedBytes} bytes (an upload interrupted by a crash)`);
  return `upload ledger repaired: ${parts.join('; ')}`;
}

/** Human-readable lines for a summary (the CLI prints them when not in `--json` mode). */
export function formatSyncSummary(s: SyncSummary): string {
  const quarantined = s.quarantined > 0 ? `, ${s.dryRun ? 'broken' : 'quarantined'} ${s.quarantined}` : '';
  const head = s.dryRun
    ? `dry run: ${s.pending} file(s) to upload (${formatBytes(s.planned.reduce((n, p) => n + p.size, 0))}), ${s.skipped} already uploaded${quarantined}`
    : `uploaded ${s.uploaded} (${formatBytes(s.bytes)}), skipped ${s.skipped}, already present ${s.alreadyPresent}, failed ${s.failed}, conflicts ${s.conflicts}, pending ${s.pending}${quarantined}`;
  const lines = [head];
  const repair = formatLedgerRepair(s.ledgerRepair);
  if (repair) lines.push(`  ${repair}`);
  for (const e of s.errors) lines.push(`  ${e.retryable ? 'will retry' : 'needs action'}: ${e.message}`);
  return lines.join('\n');
}

/** The exit status a CLI should use: 0 when every eligible file is in the store, 1 otherwise. */
export function syncExitCode(s: SyncSummary): 0 | 1 {
  if (s.dryRun) return s.conflicts > 0 || s.quarantined > 0 ? 1 : 0;
  return s.ok ? 0 : 1;
}

export interface ProgressLogOptions {
  /** Put before every line, e.g. `lake: `. */
  readonly label?: string;
  /** At most one routine line per interval, and a "still working" line after an interval of silence. Default 10 s. */
  readonly intervalMs?: number;
  /** Milliseconds; default `Date.now`. */
  readonly now?: () => number;
  /** Call `tick()` from a timer every `intervalMs`. Default true; tests turn it off and call `tick()` themselves. */
  readonly timer?: boolean;
}

/**
 * Plain progress lines for logs and pipes (no `\r`, no escape codes), for where a progress bar
 * cannot be drawn: the plan, then files done/total and bytes at most every `intervalMs`, each retry,
 * a "still working" line when nothing happened for an interval (a stalled store), and the last file.
 * Call `end()` when the sync is over.
 */
export function createProgressLog(
  stream: Pick<ProgressStream, 'write'>,
  options: ProgressLogOptions = {},
): { onProgress: (e: SyncProgressEvent) => void; tick: () => void; end: () => void } {
  const label = options.label ?? '';
  const interval = options.intervalMs ?? 10_000;
  const now = options.now ?? Date.now;
  let total = 0;
  let totalBytes = 0;
  let done = 0;
  let doneBytes = 0;
  let partial = 0;
  let started = false;
  let finished = false;
  let last = now();
  const say = (text: string) => {
    stream.write(`${label}${text}\n`);
    last = now();
  };
  const counts = () =>
    `${done}/${total} files, ${formatBytes(doneBytes + partial)} of ${formatBytes(totalBytes)}`;
  const timer =
    options.timer === false
      ? undefined
      : setInterval(() => {
          tick();
        }, interval);
  timer?.unref();
  const tick = () => {
    if (started && !finished && now() - last >= interval) say(`still working: ${counts()}`);
  };
  return {
    onProgress: (e) => {
      if (e.type === 'start') {
        total = e.toUpload;
        totalBytes = e.toUploadBytes;
        started = true;
        finished = total === 0;
        say(total > 0 ? `${total} file(s) to upload (${formatBytes(totalBytes)})` : 'nothing to upload');
      } else if (e.type === 'file') {
        done = e.done;
        doneBytes = e.doneBytes;
        partial = 0;
        if (e.done >= e.total) {
          finished = true;
          say(counts());
        } else if (now() - last >= interval) say(counts());
      } else if (e.type === 'bytes') {
        partial = e.loaded;
      } else if (e.type === 'retry') {
        say(
          `retrying ${e.key} in ${(e.delayMs / 1000).toFixed(1)} s (attempt ${e.attempt + 1}): ${e.error.message}`,
        );
      } else if (e.type === 'quarantine') {
        say(
          `not uploading ${e.file.path}: ${e.file.reason}${e.file.movedTo ? `; moved to ${e.file.movedTo}` : ''}`,
        );
      } else if (e.type === 'fallback') {
        say(`the store does not support conditional writes: ${e.reason}`);
      }
    },
    tick,
    end: () => {
      finished = true;
      if (timer) clearInterval(timer);
    },
  };
}
