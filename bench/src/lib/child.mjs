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
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, JSON.stringify(params)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      if (stderr.length < 16_384) stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 240_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const line = stdout.trim().split('\n').filter(Boolean).pop();
      if (code !== 0 || !line) {
        reject(
          new WorkerError(
            `worker ${name} ${signal ? `was killed by ${signal}` : `exited with code ${code}`}: ${stderr.trim().slice(-2000) || '(no output)'}`,
          ),
        );
        return;
      }
      try {
        resolve({ ...JSON.parse(line), processWallMs: wallMs });
      } catch {
        reject(new WorkerError(`worker ${name} printed something that is not JSON: ${line.slice(0, 200)}`));
      }
    });
  });
}
