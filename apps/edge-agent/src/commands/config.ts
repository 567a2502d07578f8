import { ConfigError, describeConfig, settings } from '@opensensor/config';
import type { Command } from 'commander';
import { type CliIo, EXIT } from '../io.js';
import { type ConfigFlags, loadCommandConfig } from '../load-config.js';

export function registerConfig(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('config')
    .description('Print the effective configuration (secrets shown as ***) or every problem with it')
    .option('--json', 'print JSON instead of a table')
    .addHelpText(
      'after',
      `
Examples:
  $ opensensor config                       # table of every setting, its value and where it came from
  $ opensensor config --json | jq .settings
  $ OPENSENSOR_READ_INTERVAL=10 opensensor config

Exits 2 and lists every invalid variable when the configuration is not valid.`,
    )
    .action((opts: ConfigFlags & { json?: boolean }) => {
      try {
        const loaded = loadCommandConfig(io, { envFile: program.opts<ConfigFlags>().envFile });
        const rows = describeConfig(loaded);
        if (opts.json) {
          io.stdout(
            `${JSON.stringify(
              {
                valid: true,
                envFile: loaded.envFile ?? null,
                settings: Object.fromEntries(rows.map((r) => [r.env, r.value])),
                sources: Object.fromEntries(rows.map((r) => [r.env, r.source])),
                warnings: loaded.warnings,
              },
              null,
              2,
            )}\n`,
          );
          return;
        }
        const width = Math.max(...rows.map((r) => r.env.length));
        io.stdout(`Configuration${loaded.envFile ? ` (with ${loaded.envFile})` : ''}:\n`);
        for (const r of rows) {
          const value = r.value === null ? '(unset)' : r.value;
          io.stdout(
            `  ${r.env.padEnd(width)}  ${value}${r.source && r.source !== 'default' ? `  [${r.source}]` : ''}\n`,
          );
        }
        io.stdout(`  ${'(derived) health dir'.padEnd(width)}  ${loaded.config.healthDir}\n`);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        if (opts.json) {
          io.stdout(`${JSON.stringify({ valid: false, errors: err.issues }, null, 2)}\n`);
        }
        io.stderr(`${err.message}\n`);
        io.stderr(`See docs/configuration.md for every setting (${Object.keys(settings).length} in all).\n`);
        setExit(EXIT.usage);
      }
    });
}
