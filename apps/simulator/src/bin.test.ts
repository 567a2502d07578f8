import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspectJournal } from '@opensensor/buffer';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertFreshBuild } from '../../../scripts/build-freshness.mjs';
import pkg from '../package.json' with { type: 'json' };
import { BIN, runBin } from './bin-process.js';
import { simulatedStationId } from './station-ids.js';

/**
 * The built bin as users run it: executed directly and through a symlink on PATH (npm and pnpm
 * install it so). Node.js reads `--env-file` even after the script name unless `--` ends its options,
 * which only a real process shows.
 */
const MARKER = 'NODE_OPTIONS FROM THE ENV FILE REACHED NODE';
const run = runBin;

let dir: string;
beforeAll(() => {
  // A stale build would test old code: missing or older than a source, the tests say to run `pnpm build`.
  assertFreshBuild(fileURLToPath(new URL('..', import.meta.url)));
  dir = mkdtempSync(join(tmpdir(), 'os-sim-bin-'));
});

describe.skipIf(process.platform === 'win32')('the opensensor-sim bin', () => {
  it('owns --env-file: a missing file exits 2 naming it (not Node’s exit 9)', async () => {
    for (const args of [
      ['--env-file', 'missing.env', 'backfill'],
      ['backfill', '--env-file=missing.env'],
    ]) {
      const r = await run(BIN, args, { cwd: dir });
      expect(r.stderr).not.toMatch(/^node:/m);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`${JSON.stringify(join(dir, 'missing.env'))} (ENOENT: no such file)`);
    }
  });

  it('NODE_OPTIONS inside the file does not reach the runtime, and a warning says it is ignored', async () => {
    const marker = join(dir, 'marker.cjs');
    writeFileSync(marker, `process.stderr.write(${JSON.stringify(`${MARKER}\n`)});\n`);
    const envFile = join(dir, 'sim.env');
    writeFileSync(envFile, `NODE_OPTIONS="--require=${marker} --max-old-space-size=5"\n`);
    const r = await run(
      BIN,
      [
        '--env-file',
        envFile,
        'backfill',
        '--start',
        '2026-11-01T00:00:00Z',
        '--end',
        '2026-11-01T00:02:00Z',
        '--batch-duration',
        '60',
        '--output',
        'lake',
        '--json',
      ],
      { cwd: dir },
    );
    expect(r.stderr).not.toContain(MARKER);
    expect(r.signal).toBeNull();
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ completed: true, files: 2 });
    expect(r.stderr).toContain(`NODE_OPTIONS in ${envFile} is ignored`);
  });

  it('runs when installed as a symlink on PATH (it used to exit 0 without doing anything)', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'os-sim-path-'));
    symlinkSync(BIN, join(bin, 'opensensor-sim'));
    const path = `${bin}${delimiter}${process.env.PATH}`;
    const version = await run('opensensor-sim', ['--version'], { cwd: dir, path });
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(pkg.version);
    const missing = await run('opensensor-sim', ['--env-file', 'missing.env', 'run'], { cwd: dir, path });
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toContain('missing.env');
  });

  it('starts Node with its binNodeOptions (V8’s thread pool sized from the cores), before the script', async () => {
    // A preload from the caller's NODE_OPTIONS reports the options Node was started with.
    const report = join(dir, 'exec-argv.cjs');
    writeFileSync(report, 'process.stderr.write("EXEC_ARGV " + JSON.stringify(process.execArgv) + "\\n");\n');
    const r = await run(BIN, ['--version'], { cwd: dir, env: { NODE_OPTIONS: `--require=${report}` } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
    const m = /EXEC_ARGV (\[.*\])/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(pkg.opensensor.binNodeOptions).toEqual(['--v8-pool-size=0']);
    expect(JSON.parse(m?.[1] ?? '[]')).toEqual(pkg.opensensor.binNodeOptions);
  });

  it('run honours an explicit OPENSENSOR_CLOCK_POLICY=wait-for-sync: readings wait in the journal until NTP synchronises', async () => {
    // A stand-in timedatectl on PATH plays a machine whose NTP has not synchronised.
    const cwd = mkdtempSync(join(tmpdir(), 'os-sim-clock-'));
    const fake = join(cwd, 'fake-bin');
    mkdirSync(fake);
    writeFileSync(join(fake, 'timedatectl'), '#!/bin/sh\necho no\n');
    chmodSync(join(fake, 'timedatectl'), 0o755);
    const path = `${fake}${delimiter}${process.env.PATH}`;
    const args = ['run', '--duration', '2', '--read-interval', '0.05', '--batch-duration', '60'];
    const id = simulatedStationId('opensensor', 0);

    const waiting = await run(BIN, [...args, '--output', 'held'], {
      cwd,
      path,
      env: { OPENSENSOR_CLOCK_POLICY: 'wait-for-sync', OPENSENSOR_STATE_DIR: 'state-held' },
    });
    expect(waiting.code, waiting.stderr).toBe(0);
    const journal = await inspectJournal(join(cwd, 'state-held', 'sim', id, 'journal'));
    expect(journal.lastSeq).toBeGreaterThan(0);
    expect(listParquet(join(cwd, 'held'))).toEqual([]);

    // Unset, a real-time simulation trusts the clock: the same run writes its window.
    const trusted = await run(BIN, [...args, '--output', 'trusted'], {
      cwd,
      path,
      env: { OPENSENSOR_STATE_DIR: 'state-trusted' },
    });
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(listParquet(join(cwd, 'trusted')).length).toBeGreaterThan(0);
  }, 60_000);
});

function listParquet(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.parquet'));
}

/**
 * Runs the bin with its stdout read by nobody: the read end of the pipe is closed as soon as the
 * child starts (as `opensensor-sim --help | head -3` does once head has its lines), so the first
 * write fails with EPIPE on any machine, however fast.
 */
function runIntoClosedPipe(args: string[], cwd: string) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(BIN, args, { cwd, env: { PATH: process.env.PATH, OPENSENSOR_LOG_LEVEL: 'warn' } });
      child.stdout.destroy();
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (t: string) => {
        stderr += t;
      });
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stderr }));
    },
  );
}

describe.skipIf(process.platform === 'win32')(
  'the opensensor-sim bin when its reader closes the pipe',
  () => {
    it.each([
      [['--help']],
      [['backfill', '--help']],
      [
        [
          'backfill',
          '--start',
          '2026-11-01T00:00:00Z',
          '--end',
          '2026-11-01T00:02:00Z',
          '--batch-duration',
          '60',
          '--output',
          'closed-pipe-lake',
          '--json',
        ],
      ],
    ])('%j ends quietly with exit code 0 (it died with an EPIPE stack trace)', async (args) => {
      const r = await runIntoClosedPipe(args, mkdtempSync(join(tmpdir(), 'os-sim-pipe-')));
      expect(r.stderr).not.toMatch(/EPIPE|Error|at /);
      expect(r.signal).toBeNull();
      expect(r.code, r.stderr).toBe(0);
    });
  },
);
