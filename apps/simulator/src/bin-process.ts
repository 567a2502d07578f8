import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built bin, as users run it (tests only: a worker thread needs it, and so does `--env-file`). */
export const BIN = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

export interface BinResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `command` to its end with a bare environment (PATH, warnings-only logs, and `env`). */
export function runBin(
  command: string,
  args: string[],
  options: { cwd: string; path?: string; env?: Record<string, string> },
): Promise<BinResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { PATH: options.path ?? process.env.PATH, OPENSENSOR_LOG_LEVEL: 'warn', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => {
      stdout += t;
    });
    child.stderr.setEncoding('utf8').on('data', (t: string) => {
      stderr += t;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
