import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';
import { type ConfigFlags, loadCommandConfig } from '../load-config.js';

export function registerDoctor(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('doctor')
    .description(
      'Check what goes wrong on real Pis: I2C, UART, groups, clock, disk, secrets, S3, Snowflake, service',
    )
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Every check says what it found and, when something is wrong, the one line that fixes it. The S3
check writes a tiny object under <prefix>/_doctor/ (conditionally, as uploads do) and deletes it;
the Snowflake check authenticates and reads the channel's status without opening it.

Exit codes: 0 every check passed (warnings and skipped checks included), 1 a check failed.

Examples:
  $ opensensor doctor
  $ opensensor doctor --json | jq '.checks[] | select(.status == "fail")'`,
    )
    .action(async (opts: { json?: boolean }) => {
      const loaded = loadCommandConfig(io, { envFile: program.opts<ConfigFlags>().envFile });
      const { realDoctorSystem, runDoctor } = await import('../doctor.js');
      const { DEFAULT_UNIT_PATH } = await import('../systemd-unit.js');
      const deps = io.deps ?? {};
      const result = await runDoctor({
        config: loaded.config,
        envFile: loaded.envFile,
        system: deps.doctor ?? realDoctorSystem(deps),
        run: deps.run ?? (await import('../runner.js')).processRunner(io),
        createBoard: deps.createBoard ?? (await import('./test.js')).realBoard,
        unitPath: deps.systemdUnitPath ?? DEFAULT_UNIT_PATH,
        now: deps.now ?? Date.now,
      });
      if (opts.json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      else {
        const mark = { pass: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' } as const;
        const lines = result.checks.flatMap((c) => [
          `${mark[c.status]}  ${c.title}: ${c.detail}`,
          ...(c.fix && c.status !== 'pass' ? [`      fix: ${c.fix}`] : []),
        ]);
        const failed = result.checks.filter((c) => c.status === 'fail').length;
        lines.push(
          '',
          failed === 0
            ? 'Every check passed.'
            : `${failed} check${failed === 1 ? '' : 's'} failed: run the fix lines above, then opensensor doctor again.`,
        );
        io.stdout(`${lines.join('\n')}\n`);
      }
      setExit(result.ok ? EXIT.ok : EXIT.failed);
    });
}
