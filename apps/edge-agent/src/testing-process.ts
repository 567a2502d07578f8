import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { assertFreshBuild } from '../../../scripts/build-freshness.mjs';

/** The built `opensensor` bin (a POSIX sh launcher, see tsup.config.ts), as the tests run it. */
export const BUILT_BIN = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/**
 * Fails, saying to run `pnpm build`, when the built bin is missing or older than a source of the app
 * or of a workspace package it loads: a stale build would test old code.
 */
export function assertBuiltBinIsFresh(): void {
  assertFreshBuild(fileURLToPath(new URL('..', import.meta.url)));
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  cwd: string;
  /** The whole environment of the child (nothing is inherited but what is passed). */
  env: Record<string, string | undefined>;
}

/** A child process whose output is collected as it arrives. */
export class RunningProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<ProcessResult>;

  constructor(command: string, args: readonly string[], options: SpawnOptions) {
    this.child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.setEncoding('utf8').on('data', (t: string) => {
      this.stdout += t;
    });
    this.child.stderr?.setEncoding('utf8').on('data', (t: string) => {
      this.stderr += t;
    });
    this.exited = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code, signal) =>
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }),
      );
    });
  }

  /** Resolves once stderr matches, or rejects when the process ends first or `timeoutMs` passes. */
  async waitForStderr(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    void this.exited.then(() => {
      ended = true;
    });
    while (!pattern.test(this.stderr)) {
      if (ended) throw new Error(`the process ended before ${pattern} appeared:\n${this.stderr}`);
      if (Date.now() > deadline)
        throw new Error(`${pattern} did not appear in ${timeoutMs} ms:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Runs a command to its end. */
export function runProcess(
  command: string,
  args: readonly string[],
  options: SpawnOptions,
): Promise<ProcessResult> {
  return new RunningProcess(command, args, options).exited;
}
