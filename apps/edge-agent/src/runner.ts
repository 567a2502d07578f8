import { spawn } from 'node:child_process';
import type { CliIo, CommandResult, CommandRunner } from './io.js';

/** Runs programs as child processes; with `stream`, their output goes to the CLI's streams as it arrives. */
export function processRunner(io: Pick<CliIo, 'stdout' | 'stderr'>): CommandRunner {
  return (command, args, options = {}) =>
    new Promise<CommandResult>((resolve) => {
      const out: string[] = [];
      const err: string[] = [];
      let child: ReturnType<typeof spawn>;
      try {
        child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (cause) {
        resolve({ code: null, stdout: '', stderr: '', error: describe(cause) });
        return;
      }
      child.stdout?.setEncoding('utf8').on('data', (t: string) => {
        out.push(t);
        if (options.stream) io.stdout(t);
      });
      child.stderr?.setEncoding('utf8').on('data', (t: string) => {
        err.push(t);
        if (options.stream) io.stderr(t);
      });
      let failed: CommandResult['error'];
      child.on('error', (cause) => {
        failed = describe(cause);
      });
      child.on('close', (code) => {
        resolve({ code, stdout: out.join(''), stderr: err.join(''), ...(failed ? { error: failed } : {}) });
      });
    });
}

function describe(cause: unknown): { code?: string; message: string } {
  const e = cause as NodeJS.ErrnoException;
  return { code: e?.code, message: e instanceof Error ? e.message : String(cause) };
}
