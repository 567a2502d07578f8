#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import pkg from '../package.json' with { type: 'json' };

// The simulated stations and the backfill/run commands arrive with the pipeline; until then the
// CLI answers --help and --version so that scripts and the README's commands already run it.
const program = new Command('opensensor-sim')
  .description('Simulated OpenSensor stations and fleets, in real time or backfilled on a simulated clock')
  .version(pkg.version, '-v, --version')
  .exitOverride();

program.parseAsync(process.argv).catch((err: unknown) => {
  process.exitCode = err instanceof CommanderError ? err.exitCode : 1;
  if (!(err instanceof CommanderError)) process.stderr.write(`${String(err)}\n`);
});
