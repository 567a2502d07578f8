import { ConfigError } from '@opensensor/config';
import { isOpenSensorError } from '@opensensor/errors';
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands/index.js';
import { CliError, type CliIo, EXIT } from './io.js';
import { formatVersion, versionInfo } from './version.js';

/** Runs the `opensensor` CLI with the given arguments (without `node` and the script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const setExit = (code: number) => {
    exitCode = code;
  };
  const program = new Command('opensensor')
    .description('Edge agent for OpenSensor environmental stations')
    .option('-v, --version', 'print the version of the agent and of each bundled library, and the commit')
    .option('--env-file <path>', 'read settings from this file instead of ./.env')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .addHelpText(
      'after',
      `
Settings come from OPENSENSOR_* environment variables and ./.env (see docs/configuration.md).

Examples:
  $ opensensor setup --yes && opensensor start --simulate   # try it without hardware
  $ opensensor test                                         # are the sensors there?
  $ opensensor status
  $ opensensor --env-file /etc/opensensor/.env config --json

Exit codes: 0 ok, 1 the job failed, 2 invalid configuration or usage.`,
    );
  // Not commander's own --version: that prints one string fixed before parsing, and this one reads
  // files (the release's, or the workspace's package.json files) only when asked.
  program.on('option:version', () => {
    io.stdout(formatVersion(versionInfo()));
    throw new CommanderError(0, 'opensensor.version', '');
  });
  for (const register of COMMANDS) register(program, io, setExit);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof ConfigError) {
      io.stderr(`${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof CliError) {
      io.stderr(`error: ${err.message}\n`);
      return err.exitCode;
    }
    return reportPackageError(err, io);
  }
  return exitCode;
}

/**
 * The packages' typed errors (an `OpenSensorError`: UPPER_SNAKE `code`, a message that says what to
 * do) are for the user as they are: printed, exit 1. Anything else, even an Error that happens to
 * carry a `code` (a raw `ENOENT`), was not anticipated and is rethrown with its stack trace.
 */
export async function reportPackageError(err: unknown, io: Pick<CliIo, 'stderr'>): Promise<number> {
  if (!isOpenSensorError(err)) throw err;
  if (err.code === 'ENGINE_UNAVAILABLE') {
    const { duckDbUnavailableMessage } = await import('./duckdb-hint.js');
    io.stderr(`error: ${duckDbUnavailableMessage(err)}\n`);
    return EXIT.failed;
  }
  const hint =
    err.code === 'JOURNAL_LOCKED'
      ? '\nIs the agent already running? See `opensensor status` (or `opensensor service status`).'
      : '';
  io.stderr(`error: ${err.message}${hint}\n`);
  return EXIT.failed;
}
