import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../src/main.mjs', import.meta.url));
const AB = fileURLToPath(new URL('../src/ab.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function runBench(
  args: string[],
  timeout = 60_000,
  script = MAIN,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { timeout }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

// The benchmark entry runs against the built packages; this checks it runs and what it prints is
// data, never how fast anything is.
describe('pnpm bench', () => {
  it('runs the encode benchmark at quick sizes and prints one JSON object per codec', async () => {
    const { code, stdout, stderr } = await runBench(['--profile', 'quick', '--only', 'encode']);
    expect(stderr).not.toMatch(/error/i);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    const results = lines.map((l) => JSON.parse(l));
    expect(results.map((r) => r.params.codec)).toEqual(['zstd', 'zstd', 'snappy', 'gzip']);
    expect(results.map((r) => r.params.encoder.split(' ')[0])).toEqual([
      'opensensor-parquet',
      'hyparquet-writer',
      'hyparquet-writer',
      'opensensor-parquet',
    ]);
    for (const r of results) {
      expect(r.name).toBe('batch-encode');
      expect(r.machine).toMatchObject({ cores: expect.any(Number), node: process.version });
      expect(r.machine.cpuModel).toEqual(expect.any(String));
      for (const field of ['usPerBatch', 'rowsPerSec', 'bytesPerFile']) {
        const f = r.figures[field];
        expect(f.n).toBeGreaterThan(0);
        expect(f.min).toBeLessThanOrEqual(f.median);
        expect(f.median).toBeLessThanOrEqual(f.max);
        expect(f.unit).toEqual(expect.any(String));
      }
      // A 180-row window of 20 columns cannot fit in less than a kilobyte, nor need 100.
      expect(r.figures.bytesPerFile.median).toBeGreaterThan(1000);
      expect(r.figures.bytesPerFile.median).toBeLessThan(100_000);
    }
  }, 30_000);

  it('runs the lake benchmark at quick sizes: builds, files, and the same answer from bronze and gold', async () => {
    const { code, stdout, stderr } = await runBench(['--profile', 'quick', '--only', 'lake'], 90_000);
    expect(stderr).not.toMatch(/error/i);
    expect(code).toBe(0);
    const results = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(results.map((r) => r.params.kind ?? r.name)).toEqual([
      'full',
      'no-op',
      'late-file',
      'no-op-fresh',
      'lake-files',
      'lake-query',
    ]);
    const [full, noop, late, fresh, files, query] = results;
    expect(full.figures.stationDays.median).toBe(4);
    for (const field of ['backfillS', 'buildS', 'msPerStationDay', 'backfillOverBuild'])
      expect(full.figures[field].median).toBeGreaterThan(0);
    expect(noop.upToDate).toBe(true);
    expect(noop.figures.wallS.n).toBe(2);
    // The aged lake is known by its folders' mtimes; after the late file, its folder is compared again.
    expect(noop.figures.foldersLookedInto.max).toBe(0);
    expect(fresh.upToDate).toBe(true);
    expect(fresh.figures.foldersLookedInto.min).toBeGreaterThanOrEqual(1);
    // Exactly the late file's station-day is rebuilt.
    expect(late.figures.stationDaysRebuilt.median).toBe(1);
    expect(late.figures.newFiles.median).toBe(1);
    // 2 streams × 24 one-hour files a day; silver 2 files a day, gold 4 a month and 1 a station.
    expect(files.figures.bronzeFilesPerStationYear.median).toBe(2 * 24 * 365);
    expect(files.figures.silverGoldFilesPerStationYear.median).toBe(2 * 365 + 4 * 12 + 1);
    expect(query.check.agree).toBe(true);
    expect(query.check.goldRows).toBe(2 * 2 * 24);
    expect(query.figures.bronzeMs.n).toBe(3);
  }, 120_000);

  it('runs the reference peer side by side at quick sizes, or says why it cannot', async () => {
    const { code, stdout, stderr } = await runBench(['--profile', 'quick', '--only', 'peer'], 90_000);
    expect(stderr).not.toMatch(/error/i);
    expect(code).toBe(0);
    const [r] = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(r.name).toBe('peer-write-path');
    if (r.skipped) {
      // Optional: without the peer scripts or Polars the case says what is missing.
      expect(r.skipped).toMatch(/polars_batch_writer\.py not found|no polars|cannot run/);
      return;
    }
    expect(r.params.peer).toMatch(/^Python \S+, Polars \S+, PyArrow \S+$/);
    for (const f of ['oursProcessWallS', 'peerProcessWallS', 'peerOverOursWall', 'peerPeakRssMB'])
      expect(r.figures[f].median).toBeGreaterThan(0);
    // The same rows re-encoded: 15-minute files of 180 rows of 20 columns hold kilobytes, not bytes.
    expect(r.figures.oursBytesPerFile.median).toBeGreaterThan(1000);
    expect(r.figures.peerBytesPerFileSameRows.median).toBeGreaterThan(1000);
  }, 120_000);

  it('rejects an unknown benchmark with exit code 2 and names the known ones', async () => {
    const { code, stderr } = await runBench(['--only', 'nope']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown benchmark "nope"');
    expect(stderr).toContain('cold-start');
  });
});

describe('bench/src/ab.mjs', () => {
  it('alternates two checkouts over station-hours and reports both sides and the paired differences', async () => {
    // This checkout against itself: the tool's output, never which side is faster.
    const args = ['--base', ROOT, '--case', 'pipeline', '--hours', '1', '--pairs', '2'];
    const { code, stdout, stderr } = await runBench(args, 60_000, AB);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/pair 2\/2: before \d+ ms, after \d+ ms/);
    const report = JSON.parse(stdout.trim().split('\n').pop() as string);
    expect(report).toMatchObject({ case: 'pipeline', hours: 1, pairs: 2 });
    for (const name of ['wallMs', 'runMs', 'cpuMs']) {
      const f = report.figures[name];
      for (const side of ['before', 'after', 'difference']) expect(f[side].n).toBe(2);
      expect(f.before.median).toBeGreaterThan(0);
      expect(f.afterLowerInPairs).toBeGreaterThanOrEqual(0);
      expect(f.afterLowerInPairs).toBeLessThanOrEqual(2);
    }
  }, 60_000);

  it('says what is missing when it has no checkout to compare with', async () => {
    const { code, stderr } = await runBench(['--case', 'cli'], 30_000, AB);
    expect(code).not.toBe(0);
    expect(stderr).toContain('--base <dir> is required');
  });
});
