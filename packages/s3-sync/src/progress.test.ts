import { describe, expect, it } from 'vitest';
import { createProgressBar, createProgressLog, formatSyncSummary, syncExitCode } from './progress.js';
import type { SyncSummary } from './sync.js';

const summary = (over: Partial<SyncSummary> = {}): SyncSummary => ({
  files: 10,
  uploaded: 3,
  alreadyPresent: 0,
  skipped: 7,
  failed: 0,
  conflicts: 0,
  pending: 0,
  bytes: 3 * 1024 * 1024,
  quarantined: 0,
  quarantine: [],
  ledgerRepair: { skippedLines: 0, truncatedBytes: 0 },
  errors: [],
  conditionalWrites: 'if-none-match',
  dryRun: false,
  planned: [],
  durationMs: 10,
  ok: true,
  ...over,
});

describe('progress and summary', () => {
  it('draws a bar that fills with bytes and ends with a newline', () => {
    let out = '';
    const bar = createProgressBar({ write: (s: string) => (out += s), columns: 80 });
    bar.onProgress({ type: 'start', files: 4, toUpload: 2, toUploadBytes: 2048 });
    bar.onProgress({
      type: 'file',
      key: 'k',
      outcome: 'uploaded',
      bytes: 1024,
      done: 1,
      total: 2,
      doneBytes: 1024,
      totalBytes: 2048,
    });
    expect(out).toContain('1/2 files 1.0 KiB/2.0 KiB');
    expect(out.split('\r').at(-1)).toMatch(/^\[#{15}-{15}\]/);
    bar.end();
    expect(out.endsWith('\n')).toBe(true);
  });

  it('summarises and picks the exit code', () => {
    expect(formatSyncSummary(summary())).toBe(
      'uploaded 3 (3.0 MiB), skipped 7, already present 0, failed 0, conflicts 0, pending 0',
    );
    expect(syncExitCode(summary())).toBe(0);
    const bad = summary({
      ok: false,
      failed: 1,
      errors: [{ key: 'k', path: '/p', code: 'NETWORK', message: 'PUT k: ECONNREFUSED', retryable: true }],
    });
    expect(formatSyncSummary(bad)).toContain('will retry: PUT k: ECONNREFUSED');
    expect(syncExitCode(bad)).toBe(1);
    expect(syncExitCode(summary({ dryRun: true, ok: false, pending: 3 }))).toBe(0);
  });

  it('writes plain lines for logs: the plan, at most one routine line per interval, retries, a stall, the end', () => {
    const lines: string[] = [];
    let now = 0;
    const log = createProgressLog(
      { write: (s: string) => void lines.push(s) },
      { label: 'lake: ', intervalMs: 10_000, now: () => now, timer: false },
    );
    const file = (done: number) =>
      log.onProgress({
        type: 'file',
        key: `k${done}`,
        outcome: 'uploaded',
        bytes: 1024,
        done,
        total: 4,
        doneBytes: done * 1024,
        totalBytes: 4096,
      });
    log.onProgress({ type: 'start', files: 9, toUpload: 4, toUploadBytes: 4096 });
    now = 1_000;
    file(1); // within the interval: quiet
    now = 10_500;
    file(2);
    now = 12_000;
    log.onProgress({
      type: 'retry',
      key: 'k3',
      attempt: 1,
      delayMs: 1500,
      error: { key: 'k3', path: '/p', code: 'TIMEOUT', message: 'PUT k3: timed out', retryable: true },
    });
    log.tick(); // 0 s since the last line
    now = 22_000;
    log.tick(); // 10 s of silence: the store stalls
    now = 23_000;
    file(3);
    file(4); // the last file is always reported
    log.end();
    now = 60_000;
    log.tick();
    expect(lines).toEqual([
      'lake: 4 file(s) to upload (4.0 KiB)\n',
      'lake: 2/4 files, 2.0 KiB of 4.0 KiB\n',
      'lake: retrying k3 in 1.5 s (attempt 2): PUT k3: timed out\n',
      'lake: still working: 2/4 files, 2.0 KiB of 4.0 KiB\n',
      'lake: 4/4 files, 4.0 KiB of 4.0 KiB\n',
    ]);
    expect(lines.join('')).not.toContain('\r');
    expect(lines.join('')).not.toContain('\u001b');
  });
});
