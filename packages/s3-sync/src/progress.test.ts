import { describe, expect, it } from 'vitest';
import { createProgressBar, formatSyncSummary, syncExitCode } from './progress.js';
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
      errors: [{ key: 'k', path: '/p', code: 'network', message: 'PUT k: ECONNREFUSED', retryable: true }],
    });
    expect(formatSyncSummary(bad)).toContain('will retry: PUT k: ECONNREFUSED');
    expect(syncExitCode(bad)).toBe(1);
    expect(syncExitCode(summary({ dryRun: true, ok: false, pending: 3 }))).toBe(0);
  });
});
