import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WORKERS = fileURLToPath(new URL('../workers/', import.meta.url));

/** Thrown when a worker process fails: carries its stderr so the cause is visible in the report. */
export class WorkerError extends Error {
  name = 'WorkerError';
}

/**
 * Runs `src/workers/<name>.mjs` in a fresh Node process with `params` (JSON in argv) and resolves with
 * the JSON object it prints last, plus the wall time from spawn to exit as the parent saw it. Whole-process
 * figures (peak RSS, CPU) therefore belong to one repetition alone, never to the benchmark runner.
 * @param {string} name
 * @param {Record<string, unknown>} params
 * @param {{ timeoutMs?: number, nodeArgs?: string[] }} [options]
 */
export function runWorker(name, params, options = {}) {
  const script = `${WORKERS}${name}.mjs`;
  return runToExit(process.execPath, [...(options.nodeArgs ?? []), script, JSON.stringify(params)], {
    timeoutMs: options.timeoutMs ?? 240_000,
    stderrLimit: 16_384,
  }).then(({ code, signal, stdout, stderr, wallMs }) => {
    const line = stdout.trim().split('\n').filter(Boolean).pop();
    if (code !== 0 || !line)
      throw new WorkerError(
        `worker ${name} ${signal ? `was killed by ${signal}` : `exited with code ${code}`}: ${stderr.trim().slice(-2000) || '(no output)'}`,
      );
    try {
      return { ...JSON.parse(line), processWallMs: wallMs };
    } catch {
      throw new WorkerError(`worker ${name} printed something that is not JSON: ${line.slice(0, 200)}`);
    }
  });
}

/**
 * Runs `command args` to its exit (SIGKILL after `timeoutMs`), collecting stdout and the first
 * `stderrLimit` characters of stderr, with the wall time from spawn to exit as the parent saw it.
 * Rejects only when the process cannot be started; the caller judges the exit.
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, timeoutMs?: number, stderrLimit?: number }} [options]
 * @returns {Promise<{ code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string, wallMs: number }>}
 */
export function runToExit(command, args, options = {}) {
  const { cwd, env, timeoutMs = 240_000, stderrLimit = 16_384 } = options;
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(cwd ? { cwd } : {}),
      ...(env ? { env } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      if (stderr.length < stderrLimit) stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, wallMs: Number(process.hrtime.bigint() - started) / 1e6 });
    });
  });
}

/** The built simulator CLI (`opensensor-sim`): the app is not a dependency of the bench package. */
export const SIM_CLI = fileURLToPath(new URL('../../../apps/simulator/dist/cli.js', import.meta.url));
const PROBE = fileURLToPath(new URL('../workers/probe.mjs', import.meta.url));

/**
 * The Node options a built bin starts Node with: the words between `exec node` and `--` on its
 * launcher line (tsup.config.ts), e.g. `['--v8-pool-size=0']` for `opensensor-sim`. The bench runs a
 * bin's script with `node` directly (to preload its probe), so it passes these as the bin would.
 */
export function binNodeOptions(script) {
  const launcher = readFileSync(script, 'utf8').split('\n', 2)[1] ?? '';
  const m = /^':' \/\/; exec node (.*?)-- "\$0" "\$@"$/.exec(launcher);
  if (!m) throw new Error(`${script} does not start with the bins' launcher: rebuild it (pnpm build)`);
  return m[1].split(' ').filter(Boolean);
}

/**
 * `node <args>` in `cwd` with a clean environment (no OPENSENSOR_* of the caller: no sync, no .env),
 * its JSON summary from stdout, wall from spawn to exit, and the child's own peak RSS and CPU (the
 * probe, preloaded with --import, writes them at exit). `args[0]` is a built bin's script: it runs with
 * the Node options of its launcher (`binNodeOptions`). Rejects on a non-zero exit.
 */
export async function runCli(args, { cwd, timeoutMs = 3 * 3_600_000 }) {
  const probeFile = join(cwd, `.probe-${process.pid}-${Date.now()}.json`);
  const { code, signal, stdout, stderr, wallMs } = await runToExit(
    process.execPath,
    ['--import', PROBE, ...binNodeOptions(args[0]), ...args],
    {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, OPENSENSOR_BENCH_PROBE: probeFile },
      timeoutMs,
    },
  );
  const command = args.slice(1, 3).join(' ');
  if (code !== 0)
    throw new Error(
      `${command} ${signal ? `was killed by ${signal}` : `exited with code ${code}`}: ${(stderr || stdout).trim().slice(-2000)}`,
    );
  let summary;
  try {
    summary = JSON.parse(stdout);
  } catch {
    throw new Error(`${command} printed something that is not JSON: ${stdout.slice(0, 200)}`);
  }
  let usage = {};
  try {
    usage = JSON.parse(readFileSync(probeFile, 'utf8'));
    rmSync(probeFile, { force: true });
  } catch {
    // No probe figures: wall alone.
  }
  return { wallMs, summary, ...usage };
}
