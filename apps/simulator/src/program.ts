import { ConfigError, parseDecimal } from '@opensensor/config';
import { isOpenSensorError } from '@opensensor/errors';
import { shutdownSignal } from '@opensensor/pipeline';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { backfill, describeBackfill, run, type SimIo, type StartWorkers, UsageError } from './commands.js';

/** Numbers are read as the settings are: decimal only (`0x10` or `1e3` would silently mean 16 or 1000). */
const number = (name: string) => (v: string) => {
  const n = parseDecimal(v);
  if (n === undefined)
    throw new InvalidArgumentError(`${name} must be a decimal number such as 10 or 0.5, received "${v}"`);
  return n;
};

/** The command line as a user can paste it again (arguments with spaces or quotes quoted). */
/**
 * A fleet backfill's worker threads run the built file of `fleet-workers.ts`. From the TypeScript
 * sources (the tests that call `runSim` directly) there is no JavaScript file for a thread to run, so
 * the stations stay in one thread there; `fleet-workers.integ.test.ts` tests the threads through the
 * built bin. Imported when used: a one-station backfill and `run` never load it.
 */
const startWorkers: StartWorkers | undefined = import.meta.url.endsWith('.js')
  ? async (io, plan, n) => (await import('./fleet-workers.js')).startWorkers(io, plan, n)
  : undefined;

function commandLine(argv: readonly string[]): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['opensensor-sim', ...argv.map(quote)].join(' ');
}

export async function runSim(argv: readonly string[], io: SimIo, signal?: AbortSignal): Promise<number> {
  let code = 0;
  const program = new Command('opensensor-sim')
    .description('Simulated OpenSensor stations and fleets, through the same pipeline as the agent')
    .version(pkg.version, '-v, --version')
    .option('--env-file <path>', 'read OPENSENSOR_* settings from this file instead of ./.env')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const common = (c: Command) =>
    c
      .option('--stations <n>', 'number of simulated stations', number('--stations'), 1)
      .option('--board <kind>', 'enviroplus, sensehat or breakout (default OPENSENSOR_BOARD or enviroplus)')
      .option('--station-id <uuid>', 'station id (one station); default: derived from the seed')
      .option('--seed <seed>', 'seed of the physics, faults and station ids', 'opensensor')
      .option('--output <dir>', 'lake root (default OPENSENSOR_OUTPUT_DIR or ./output)')
      .option('--read-interval <sec>', 'seconds between readings (0.05 to 3600)', number('--read-interval'))
      .option('--batch-duration <sec>', 'seconds per Parquet file window', number('--batch-duration'))
      .option('--faults <spec>', 'fault probabilities per reading, e.g. dropout=0.01,i2c=0.005,pms=0.05');

  common(program.command('backfill'))
    .description('Generate a period of readings on a simulated clock, as fast as the machine allows')
    .option('--start <iso>', 'first instant (default: 24 h before --end)')
    .option('--end <iso>', 'end instant, exclusive (default: the current hour)')
    .option('--json', 'print a JSON summary')
    .option(
      '--parallel <n>',
      'stations backfilled at once in each thread (default 4 in one thread, 2 in each of several)',
      number('--parallel'),
    )
    .option(
      '--workers <n>',
      'threads the stations are shared among (default: one per CPU core, at most 8 and one per 2 stations; 1: none)',
      number('--workers'),
    )
    .addHelpText(
      'after',
      `
Examples:
  $ opensensor-sim backfill --stations 1 --output ./output
  $ opensensor-sim backfill --stations 100 --start 2026-11-01T00:00:00Z --end 2026-11-02T00:00:00Z --output ./fleet --json
  $ opensensor-sim backfill --board breakout --stations 5 --output ./co2-lake
  $ OPENSENSOR_SYNC_ENABLED=true OPENSENSOR_STORAGE_BUCKET=my-lake opensensor-sim backfill --stations 2

With sync or Snowflake configured (OPENSENSOR_* variables or .env), the generated data flows there too.`,
    )
    .action(async (opts) => {
      const shutdown = signal
        ? null
        : shutdownSignal({ onSignal: (sig) => io.stderr(`${sig}: stopping the backfill…\n`) });
      try {
        const s = await backfill(
          io,
          { ...opts, envFile: program.opts().envFile, commandLine: commandLine(argv) },
          signal ?? shutdown?.signal,
          startWorkers,
        );
        io.stdout(opts.json ? `${JSON.stringify(s, null, 2)}\n` : describeBackfill(s, io.cwd));
        // Lost or unwritten readings, a full disk: the job failed. Interrupted by the user: 130.
        if (s.failure !== null || s.lostReadings > 0) code = 1;
        else if (s.interrupted) code = 130;
      } finally {
        shutdown?.dispose();
      }
    });

  common(program.command('run'))
    .description('Run simulated stations in real time through the real pipeline until Ctrl-C')
    .option('--duration <sec>', 'stop after this many seconds', number('--duration'))
    .option(
      '--flush-on-exit',
      'write the open window files when stopping (the default, from OPENSENSOR_FLUSH_ON_STOP=true)',
    )
    .option('--no-flush-on-exit', 'leave the open windows in the journal for the next run')
    .option(
      '--speed <factor>',
      'run on a simulated clock this many times faster than real time (1 to 1000000); it continues across restarts',
      number('--speed'),
    )
    .option(
      '--clock-steps <spec>',
      'with --speed: steps of the simulated wall clock as NTP makes them, e.g. 36h=+2h,6d=-45m (after the first start=by)',
    )
    .option(
      '--journal-max-kib <n>',
      'bound of the journal in KiB (4 to 1048576), below the 8 MiB of OPENSENSOR_JOURNAL_MAX_MB: reach it in a simulated outage',
      number('--journal-max-kib'),
    )
    .addHelpText(
      'after',
      `
Examples:
  $ opensensor-sim run                                   # one station, every 5 s, 15-minute files
  $ opensensor-sim run --stations 10 --read-interval 0.05 --batch-duration 60 --output ./dev-lake
  $ opensensor-sim run --faults dropout=0.02,pms=0.1
  $ opensensor-sim run --speed 600 --read-interval 60      # a reading a minute, ten simulated hours a minute
  $ opensensor-sim run --speed 3600 --clock-steps 12h=+2h,2d=-45m   # the wall clock stepped as NTP would`,
    )
    .action(async (opts) => {
      await run(io, { ...opts, envFile: program.opts().envFile });
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof ConfigError || err instanceof UsageError) {
      io.stderr(`${err.message}\n`);
      return 2;
    }
    // A package's typed error says what to do: one line, exit 1. Anything else is a bug or an
    // unanticipated failure, which the bin reports with its stack.
    if (!isOpenSensorError(err)) throw err;
    io.stderr(`opensensor-sim: ${err.message}\n`);
    code = 1;
  }
  return code;
}
