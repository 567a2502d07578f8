/** Where a command writes and what it runs in; injectable so commands are tested in-process. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** True when stdout is an interactive terminal (progress bars, tables, colours). */
  isTty: boolean;
}

export function processIo(): CliIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    isTty: process.stdout.isTTY === true,
  };
}

/** Exit codes, documented in the README: 0 ok, 1 the job failed, 2 bad configuration or usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** An error that ends the command with a message for the user (no stack trace) and an exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}
