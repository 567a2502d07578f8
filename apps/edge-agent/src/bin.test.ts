import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { loadConfig } from '@opensensor/config';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuiltBinIsFresh, BUILT_BIN as BIN, runProcess } from './testing-process.js';

/**
 * The built bin as users run it (executed directly, and through a symlink on PATH as npm and pnpm
 * install it). Node.js reads `--env-file` even after the script name unless `--` ends its options, so
 * these need real processes: an in-process runCli never meets Node's own option scan.
 */
const STATION = '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f';
const MARKER = 'NODE_OPTIONS FROM THE ENV FILE REACHED NODE';

function run(command: string, args: string[], options: { cwd: string; path?: string }) {
  return runProcess(command, args, { cwd: options.cwd, env: { PATH: options.path ?? process.env.PATH } });
}

let dir: string;
let nodeOptionsEnv: string;
beforeAll(() => {
  assertBuiltBinIsFresh();
  dir = mkdtempSync(join(tmpdir(), 'os-bin-'));
  // If Node applied NODE_OPTIONS from the file, the marker would print and a 5 MB heap would abort it.
  const marker = join(dir, 'marker.cjs');
  writeFileSync(marker, `process.stderr.write(${JSON.stringify(`${MARKER}\n`)});\n`);
  nodeOptionsEnv = join(dir, 'node-options.env');
  writeFileSync(
    nodeOptionsEnv,
    `OPENSENSOR_STATION_ID=${STATION}\nNODE_OPTIONS="--require=${marker} --max-old-space-size=5"\n`,
  );
});

describe.skipIf(process.platform === 'win32')('the opensensor bin owns --env-file', () => {
  it.each([
    [['--env-file', 'missing.env', 'config']],
    [['--env-file=missing.env', 'config']],
    [['config', '--env-file', 'missing.env']],
  ])('%j: a missing file exits 2 naming it (not Node’s exit 9)', async (args) => {
    const r = await run(BIN, args, { cwd: dir });
    expect(r.stderr).not.toMatch(/^node:/m);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`received ${JSON.stringify(join(dir, 'missing.env'))} (ENOENT: no such file)`);
  });

  it('NODE_OPTIONS inside the file does not reach the runtime, and a warning says it is ignored', async () => {
    const r = await run(BIN, ['--env-file', nodeOptionsEnv, 'config', '--json'], { cwd: dir });
    expect(r.stderr).not.toContain(MARKER);
    expect(r.signal).toBeNull();
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).settings.OPENSENSOR_STATION_ID).toBe(STATION);
    expect(r.stderr).toContain(`warning: NODE_OPTIONS in ${nodeOptionsEnv} is ignored`);
  });

  it('the same through a symlink on PATH, as npm and pnpm install the bin', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'os-bin-path-'));
    symlinkSync(BIN, join(bin, 'opensensor'));
    const path = `${bin}${delimiter}${process.env.PATH}`;
    const missing = await run('opensensor', ['--env-file', 'missing.env', 'config'], { cwd: dir, path });
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toContain('missing.env');
    const options = await run('opensensor', ['--env-file', nodeOptionsEnv, 'config'], { cwd: dir, path });
    expect(options.stderr).not.toContain(MARKER);
    expect(options.code, options.stderr).toBe(0);
  });
});

/**
 * Runs the bin with its stdout read by nobody: the read end of the pipe is closed as soon as the
 * child starts (as `opensensor --help | head -3` does once head has its lines), so the first write
 * fails with EPIPE on any machine, however fast.
 */
function runIntoClosedPipe(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(BIN, args, { cwd: dir, env: { PATH: process.env.PATH, ...env } });
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

describe.skipIf(process.platform === 'win32')('the opensensor bin when its reader closes the pipe', () => {
  it.each([[['--help']], [['config']], [['config', '--json']], [['status', '--json']]])(
    '%j ends quietly with exit code 0 (it died with an EPIPE stack trace)',
    async (args) => {
      const r = await runIntoClosedPipe(args, { OPENSENSOR_STATION_ID: STATION });
      expect(r.stderr).not.toMatch(/EPIPE|Error|at /);
      expect(r.signal).toBeNull();
      expect(r.code, r.stderr).toBe(0);
    },
  );

  it('start --simulate whose log reader goes away (`opensensor start 2>&1 | head -1`) stops cleanly, as on SIGTERM', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'os-bin-start-pipe-'));
    const child = spawn(BIN, ['start', '--simulate'], {
      cwd,
      env: { PATH: process.env.PATH, OPENSENSOR_STATION_ID: STATION, OPENSENSOR_LOG_JSON: 'true' },
    });
    // Its first log line ("started") is written to a pipe nobody reads any more.
    child.stdout.destroy();
    child.stderr.destroy();
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    // The log file says what stderr could not: it stopped cleanly and wrote its window.
    const log = readFileSync(join(cwd, 'logs', 'opensensor.log'), 'utf8');
    expect(exit, log).toEqual({ code: 0, signal: null });
    expect(log).toMatch(/"msg":"stopped cleanly"/);
    const status = await runProcess(BIN, ['status', '--json'], {
      cwd,
      env: { PATH: process.env.PATH, OPENSENSOR_STATION_ID: STATION },
    });
    expect(JSON.parse(status.stdout).agent.running).toBe(false);
  }, 60_000);
});

describe('the first commands a new user runs, as real processes of the built bin', () => {
  it('`--help`, and `config` with secrets hidden and every bad setting named (exit 2)', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'os-bin-config-'));
    const help = await run(BIN, ['--help'], { cwd });
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/Usage: opensensor/);
    const res = await runProcess(BIN, ['config', '--json'], {
      cwd,
      env: {
        PATH: process.env.PATH,
        OPENSENSOR_STATION_ID: STATION,
        OPENSENSOR_AWS_SECRET_ACCESS_KEY: 's3cr3t-value',
        OPENSENSOR_AWS_ACCESS_KEY_ID: 'x',
      },
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).not.toContain('s3cr3t-value');
    expect(JSON.parse(res.stdout).settings.OPENSENSOR_STATION_ID).toBe(STATION);
    const bad = await runProcess(BIN, ['config'], {
      cwd,
      env: { PATH: process.env.PATH, OPENSENSOR_READ_INTERVAL: 'abc', OPENSENSOR_STATION_ID: 'nope' },
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('OPENSENSOR_READ_INTERVAL: expected');
    expect(bad.stderr).toContain('OPENSENSOR_STATION_ID: expected');
  });

  it('`setup --yes` writes an owner-only .env with a UUIDv7 station id', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'os-bin-setup-'));
    const res = await run(BIN, ['setup', '--yes'], { cwd });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('Next steps:');
    expect(statSync(join(cwd, '.env')).mode & 0o777).toBe(0o600);
    const { config } = loadConfig({ env: {}, cwd, envFile: join(cwd, '.env') });
    expect(config.stationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
