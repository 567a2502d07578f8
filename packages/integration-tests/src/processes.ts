import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertFreshBuild } from '../../../scripts/build-freshness.mjs';

/** The repository root, from this file's place in packages/integration-tests/src. */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

/** The built command-line programs the end-to-end tests run as real processes. */
export const CLIS = {
  /** `opensensor` (apps/edge-agent). */
  agent: join(REPO_ROOT, 'apps/edge-agent/dist/cli.js'),
  /** `opensensor-sim` (apps/simulator). */
  sim: join(REPO_ROOT, 'apps/simulator/dist/cli.js'),
} as const;

export type CliName = keyof typeof CLIS;

/** A program installed outside the workspace (e.g. by `npm install -g`), run as its bin file. */
export interface InstalledCli {
  bin: string;
}

/** Thrown when a CLI has not been built: these tests run the dist files, as a user would. */
export class NotBuiltError extends Error {
  override readonly name = 'NotBuiltError';
}

const APP_DIRS: Record<CliName, string> = {
  agent: join(REPO_ROOT, 'apps/edge-agent'),
  sim: join(REPO_ROOT, 'apps/simulator'),
};
const fresh = new Set<CliName>();

/**
 * The built CLI's path, once its build is known to be newer than every source of the app and of the
 * workspace packages it loads: a stale build would test old code (checked once per test file).
 */
export function assertBuilt(cli: CliName): string {
  if (!fresh.has(cli)) {
    try {
      assertFreshBuild(APP_DIRS[cli]);
    } catch (err) {
      throw new NotBuiltError(err instanceof Error ? err.message : String(err));
    }
    fresh.add(cli);
  }
  return CLIS[cli];
}

/**
 * The environment for a child: this process's, without any OPENSENSOR_* variable (a developer's
 * own settings must not leak into a test), plus `extra`.
 */
export function childEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.toUpperCase().startsWith('OPENSENSOR_') && v !== undefined) env[k] = v;
  return { ...env, NO_COLOR: '1', ...extra };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CliResult extends Exit {
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  cwd: string;
  env?: Readonly<Record<string, string>>;
  /** Run with `env` alone, inheriting no variable of this process (a clean machine). */
  bareEnv?: boolean;
}

/** A running CLI: its output so far, a way to wait for a line, to signal it and to await its exit. */
export class CliProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  readonly startedAt = Date.now();
  private out = '';
  private err = '';
  private exit: Exit | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(cli: CliName | InstalledCli, args: readonly string[], options: SpawnOptions) {
    const [command, argv] =
      typeof cli === 'string' ? [process.execPath, [assertBuilt(cli), ...args]] : [cli.bin, [...args]];
    this.child = spawn(command, argv, {
      cwd: options.cwd,
      env: options.bareEnv ? { ...options.env } : childEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.setEncoding('utf8');
    this.child.stderr?.setEncoding('utf8');
    this.child.stdout?.on('data', (d: string) => {
      this.out += d;
      this.notify();
    });
    this.child.stderr?.on('data', (d: string) => {
      this.err += d;
      this.notify();
    });
    this.exited = new Promise((done, fail) => {
      this.child.on('error', fail);
      // 'close' (not 'exit') so that all output has been read.
      this.child.on('close', (code, signal) => {
        this.exit = { code, signal };
        this.notify();
        done(this.exit);
      });
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  get running(): boolean {
    return this.exit === null;
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  /** Resolves when stdout or stderr matches; rejects if the process exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
    return new Promise((done, fail) => {
      const check = () => {
        if (pattern.test(this.out) || pattern.test(this.err)) finish();
        else if (this.exit)
          finish(new Error(`exited (${describeExit(this.exit)}) before printing ${pattern}`));
      };
      const timer = setTimeout(() => finish(new Error(`no ${pattern} within ${timeoutMs} ms`)), timeoutMs);
      const finish = (err?: Error) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        if (err) fail(new Error(`${err.message}\nstdout:\n${this.out}\nstderr:\n${this.err}`));
        else done();
      };
      this.listeners.add(check);
      check();
    });
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) this.child.kill(sig);
  }

  /** SIGKILL, then waits for the exit. */
  async kill(): Promise<Exit> {
    this.signal('SIGKILL');
    return this.exited;
  }
}

export function describeExit(e: Exit): string {
  return e.signal ? `signal ${e.signal}` : `code ${e.code}`;
}

/** Runs a CLI to completion; kills it and rejects after `timeoutMs`. */
export async function runCli(
  cli: CliName | InstalledCli,
  args: readonly string[],
  options: SpawnOptions & { timeoutMs?: number },
): Promise<CliResult> {
  const p = new CliProcess(cli, args, options);
  const timer = setTimeout(() => p.signal('SIGKILL'), options.timeoutMs ?? 60_000);
  try {
    const exit = await p.exited;
    return { ...exit, stdout: p.stdout, stderr: p.stderr };
  } finally {
    clearTimeout(timer);
  }
}

export interface TempDir {
  readonly path: string;
  remove(): void;
}

/** A fresh directory under the system temp dir; `remove()` deletes it. */
export function tempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `opensensor-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The JSON log lines (one object per line) a CLI wrote to stderr. */
export function logLines(p: CliProcess): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of p.stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // A line cut short by a kill.
    }
  }
  return out;
}

/** When (the child's clock, epoch ms) it logged `msg`, or null if it has not. */
export function loggedAt(p: CliProcess, msg: string): number | null {
  const line = logLines(p).find((l) => l.msg === msg);
  return line && typeof line.time === 'string' ? Date.parse(line.time) : null;
}

/** Waits until the child logs `msg`; returns when (its clock). */
export async function waitForLog(p: CliProcess, msg: string, timeoutMs = 30_000): Promise<number> {
  await p.waitFor(new RegExp(`"msg":"${msg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`), timeoutMs);
  return loggedAt(p, msg) as number;
}

/** SIGKILLs every process still running (after a failed test) and waits for them to go. */
export async function killAll(processes: readonly CliProcess[]): Promise<void> {
  await Promise.all(processes.filter((p) => p.running).map((p) => p.kill()));
}
