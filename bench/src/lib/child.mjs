import { spawn } from 'node:child_process';
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
