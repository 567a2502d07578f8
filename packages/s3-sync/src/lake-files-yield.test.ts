import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

// A slow card: every stat of a lake file takes 2 ms of the thread that calls it.
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    statSync: (...args: Parameters<typeof fs.statSync>) => {
      const until = performance.now() + 2;
      while (performance.now() < until) {
        // busy: a synchronous stat waiting for the card
      }
      return fs.statSync(...args);
    },
  };
});

const { listLakeFiles } = await import('./lake-files.js');

describe('listLakeFiles on a slow card', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('lets the event loop run while it stats one folder of many files', async () => {
    root = mkdtempSync(join(tmpdir(), 'lake-files-yield-'));
    const day = join(root, 'station=s1', 'year=2026', 'month=01', 'day=01');
    mkdirSync(day, { recursive: true });
    for (let i = 0; i < 95; i++) {
      const m = (i + 1) * 15;
      writeFileSync(
        join(
          day,
          `data_${String(Math.floor(m / 60)).padStart(2, '0')}${String(m % 60).padStart(2, '0')}.parquet`,
        ),
        'x',
      );
    }
    // The longest time the event loop waited between two of its turns while the folder was listed.
    let longest = 0;
    let last = performance.now();
    let listing = true;
    const tick = () => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      if (listing) setImmediate(tick);
    };
    setImmediate(tick);
    const files = await listLakeFiles(root);
    // The turn the loop gets once the listing is done: it measures the wait since the one before.
    await new Promise((resolve) => setImmediate(resolve));
    listing = false;
    expect(files).toHaveLength(95);
    // 95 stats of 2 ms are 190 ms in one folder; the loop gets a turn after every ~10 ms of them. The
    // bound leaves a busy machine room to schedule this process late, and still fails if the folder is
    // stat'ed in one go.
    expect(longest).toBeLessThan(100);
  });
});
