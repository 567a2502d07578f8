import { OpenSensorError } from '@opensensor/errors';
import type { BoardFacade, BoardKind, BoardSettings } from '@opensensor/pipeline';

/** Where a command writes and what it runs in; injectable so commands are tested in-process. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** True when stdout is an interactive terminal (progress bars, tables, colours). */
  isTty: boolean;
  /** Replaceable collaborators (external programs, hardware, time, randomness, prompts); real ones when absent. */
  deps?: CliDeps;
}

/** Result of running an external program. `error` is set when it could not be started at all. */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  error?: { code?: string; message: string };
}

/**
 * Runs an external program (systemctl, journalctl, id, getent). With `stream`, output is passed to
 * the CLI's stdout/stderr as it arrives (for `journalctl -f`) instead of only being collected.
 */
export type CommandRunner = (
  command: string,
  args: readonly string[],
  options?: { stream?: boolean },
) => Promise<CommandResult>;

/** Asks the user one question on the terminal and returns the line typed; `secret` hides the input. */
export type PromptInput = (question: string, options?: { secret?: boolean }) => Promise<string>;

/**
 * What commands reach outside the process through. Every field is optional; tests replace the ones
 * they need. Types of heavy packages are imported as types only, so `--help` stays fast.
 */
export interface CliDeps {
  run?: CommandRunner;
  prompt?: PromptInput;
  /** Milliseconds since the epoch. */
  now?: () => number;
  /** Fills a buffer of `size` random bytes (UUIDv7 station ids). */
  randomBytes?: (size: number) => Uint8Array;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Builds the board of a kind that `opensensor test` and `doctor` open (default: the real board). */
  createBoard?: (options: TestBoardOptions) => BoardFacade | Promise<BoardFacade>;
  /** Effective user id (0 = root); default `process.getuid()`. */
  uid?: number;
  /** Where `service install` writes the unit; default /etc/systemd/system/opensensor.service. */
  systemdUnitPath?: string;
  /** Exists when systemd is the init system; default /run/systemd/system. */
  systemdRuntimeDir?: string;
  /** Node binary and CLI script the unit runs; default this process's. */
  nodePath?: string;
  cliPath?: string;
  /** What `opensensor doctor` reads of the machine (a fake station's root in tests). */
  doctor?: DoctorSystem;
  /** SIGINT/SIGTERM handling of `start` (tests abort it themselves). */
  shutdown?: typeof import('@opensensor/pipeline').shutdownSignal;
  /**
   * The V8 flags the CLI process set before loading anything, because its command is `start`
   * (cli.ts, v8-flags.ts); `start` logs them. Undefined in tests that run `start` in their own worker.
   */
  v8Flags?: readonly string[];
}

/**
 * What the Pi-specific checks read, injectable so that tests run them against a fake station: a
 * filesystem root holding `dev/`, `boot/`, `proc/cmdline` and `etc/group`, the user, free space.
 */
export interface DoctorSystem {
  /** `/` on a station; a directory laid out like one in tests. */
  root: string;
  user: { name: string; uid: number };
  statfs(path: string): Promise<{ freeBytes: number; freeInodes: number }>;
}

/**
 * What `opensensor test` and `opensensor doctor` open a board with: its kind and the settings the
 * agent opens its board with too (@opensensor/pipeline's `openBoard`).
 */
export type TestBoardOptions = BoardSettings & { board: BoardKind };

/** The io of the real CLI process; `v8Flags`: what cli.ts set for `start` before loading the rest. */
export function processIo(v8Flags?: readonly string[]): CliIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    isTty: process.stdout.isTTY === true,
    ...(v8Flags ? { deps: { v8Flags } } : {}),
  };
}

/** Exit codes, documented in the README: 0 ok, 1 the job failed, 2 bad configuration or usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/**
 * An error that ends the command with a message for the user (no stack trace) and an exit code.
 * Code `INVALID_USAGE` for exit 2 (bad configuration or usage), `COMMAND_FAILED` otherwise.
 */
export class CliError extends OpenSensorError {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
    options?: { cause?: unknown },
  ) {
    super(exitCode === EXIT.usage ? 'INVALID_USAGE' : 'COMMAND_FAILED', message, options);
  }
}
