import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../src/main.mjs', import.meta.url));

function runBench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
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
    expect(results.map((r) => r.params.codec)).toEqual(['zstd', 'snappy', 'gzip']);
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

  it('rejects an unknown benchmark with exit code 2 and names the known ones', async () => {
    const { code, stderr } = await runBench(['--only', 'nope']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown benchmark "nope"');
    expect(stderr).toContain('cold-start');
  });
});
