import type { CliIo } from './io.js';

/** An in-memory CliIo for tests: captures what a command prints. */
export function memoryIo(env: Record<string, string | undefined>, cwd: string, isTty = false) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), env, cwd, isTty };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}
