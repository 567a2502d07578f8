import { existsSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '@opensensor/config';
import type { Command } from 'commander';
import { CliError, type CliIo, type CommandRunner, EXIT } from '../io.js';
import type { ConfigFlags } from '../load-config.js';
import {
  DEFAULT_UNIT_PATH,
  DEVICE_GROUPS,
  renderSystemdUnit,
  SERVICE_NAME,
  UnitPathError,
} from '../systemd-unit.js';

interface ServiceContext {
  run: CommandRunner;
  uid: number;
  unitPath: string;
  runtimeDir: string;
}

export function registerService(program: Command, io: CliIo, setExit: (code: number) => void): void {
  // The runner (node:child_process) is imported when a subcommand runs, not when `start` registers it.
  const ctx = async (): Promise<ServiceContext> => ({
    run: io.deps?.run ?? (await import('../runner.js')).processRunner(io),
    uid: io.deps?.uid ?? process.getuid?.() ?? -1,
    unitPath: io.deps?.systemdUnitPath ?? DEFAULT_UNIT_PATH,
    runtimeDir: io.deps?.systemdRuntimeDir ?? '/run/systemd/system',
  });
  const service = program
    .command('service')
    .description('Run the agent at boot as a hardened systemd service (install, uninstall, status, logs)')
    .addHelpText(
      'after',
      `
Examples:
  $ opensensor service install --print               # show the unit, change nothing
  $ sudo env PATH="$PATH" opensensor service install
  $ opensensor service status
  $ opensensor service logs -f

The service runs \`opensensor start\` as the user who ran sudo (never root), in the current
directory, with its .env, and may write only to the output, health, state and log directories.`,
    );

  service
    .command('install')
    .description(`Write ${DEFAULT_UNIT_PATH}, reload systemd, enable and (re)start the service`)
    .option('--print', 'only print the unit (no root needed)')
    .option('--user <name>', 'account to run as (default: the user who ran sudo)')
    .addHelpText(
      'after',
      `
Examples:
  $ opensensor service install --print
  $ sudo env PATH="$PATH" opensensor service install
  $ sudo env PATH="$PATH" opensensor --env-file /srv/opensensor/.env service install --user opensensor

Run it from the station's directory (the one with .env); reinstalling updates the unit and restarts.`,
    )
    .action(async (opts: { print?: boolean; user?: string }) => {
      const c = await ctx();
      const envPath = resolve(io.cwd, program.opts<ConfigFlags>().envFile ?? '.env');
      if (!existsSync(envPath)) {
        throw new CliError(
          `${envPath} does not exist; run \`opensensor setup\` in the station's directory first (the service reads its settings only from that file)`,
          EXIT.usage,
        );
      }
      // The service sees the file only, not this shell's environment: validate exactly that.
      let config: ReturnType<typeof loadConfig>['config'];
      try {
        config = loadConfig({ env: {}, cwd: io.cwd, envFile: envPath }).config;
      } catch (err) {
        if (err instanceof ConfigError) {
          throw new CliError(
            `the service would fail to start, ${envPath} is not valid:\n${err.message}`,
            EXIT.usage,
          );
        }
        throw err;
      }
      const shellOnly = Object.keys(io.env).filter((k) => k.toUpperCase().startsWith('OPENSENSOR_'));
      if (shellOnly.length > 0) {
        io.stderr(
          `warning: ${shellOnly.join(', ')} set in this shell will not reach the service; put them in ${envPath}\n`,
        );
      }

      const user =
        opts.user ?? io.env.SUDO_USER ?? (c.uid === 0 ? undefined : (io.env.USER ?? safeUserName()));
      if (!user || user === 'root') {
        throw new CliError(
          `the service would run as root; run \`sudo opensensor service install\` from the station's own account (sudo sets SUDO_USER), or pass --user NAME`,
          EXIT.usage,
        );
      }
      const hidden = [io.cwd, ...readWritePathsOf(config)].filter((p) => /^\/(var\/)?tmp(\/|$)/.test(p));
      if (hidden.length > 0) {
        io.stderr(
          `warning: ${hidden.join(', ')} under /tmp: the service gets a private /tmp (PrivateTmp=yes) and would not see ${hidden.length === 1 ? 'it' : 'them'}; keep the station on persistent storage\n`,
        );
      }
      const group = await primaryGroup(c.run, user);
      const groups = await existingGroups(c.run, io);
      const readWritePaths = readWritePathsOf(config);
      let unit: string;
      try {
        unit = renderSystemdUnit({
          user,
          group,
          workingDirectory: io.cwd,
          envFile: envPath,
          nodePath: io.deps?.nodePath ?? process.execPath,
          cliPath: io.deps?.cliPath ?? cliScriptPath(),
          readWritePaths,
          supplementaryGroups: groups,
        });
      } catch (err) {
        if (err instanceof UnitPathError) throw new CliError(err.message, EXIT.usage);
        throw err;
      }
      if (opts.print) {
        io.stdout(unit);
        return;
      }

      requireSystemd(c);
      requireRoot(c, 'service install');
      // ReadWritePaths on a missing directory makes the service fail at start with a namespace error.
      const missing = readWritePaths.filter((p) => !existsSync(p));
      if (missing.length > 0) {
        throw new CliError(
          `${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist; run \`opensensor setup\` as ${user} (or create them owned by ${user}) and install again`,
        );
      }
      const previous = existsSync(c.unitPath) ? readFileSync(c.unitPath, 'utf8') : undefined;
      writeFileSync(c.unitPath, unit, { mode: 0o644 });
      io.stdout(
        `${previous === undefined ? 'Wrote' : previous === unit ? 'Kept' : 'Updated'} ${c.unitPath}\n`,
      );
      await systemctl(c.run, ['daemon-reload']);
      await systemctl(c.run, ['enable', SERVICE_NAME]);
      // restart, not start: after an upgrade or a changed unit the running agent must pick it up.
      await systemctl(c.run, ['restart', SERVICE_NAME]);
      io.stdout(
        `${SERVICE_NAME} is enabled and running as ${user}.\n  status: opensensor service status\n  logs:   opensensor service logs -f\n`,
      );
    });

  service
    .command('uninstall')
    .description('Stop and disable the service and remove its unit (data, .env and keys stay)')
    .addHelpText('after', `\nExamples:\n  $ sudo env PATH="$PATH" opensensor service uninstall`)
    .action(async () => {
      const c = await ctx();
      requireSystemd(c);
      requireRoot(c, 'service uninstall');
      if (!existsSync(c.unitPath)) {
        io.stdout(`${c.unitPath} does not exist: the service is not installed.\n`);
        return;
      }
      const disabled = await c.run('systemctl', ['disable', '--now', SERVICE_NAME]);
      if (disabled.code !== 0) {
        io.stderr(
          `warning: systemctl disable --now ${SERVICE_NAME} failed: ${(disabled.stderr || disabled.error?.message || '').trim()}\n`,
        );
      }
      rmSync(c.unitPath);
      await systemctl(c.run, ['daemon-reload']);
      io.stdout(`Stopped, disabled and removed ${SERVICE_NAME}. The data, .env and keys are untouched.\n`);
    });

  service
    .command('status')
    .description('Show whether the service is installed, enabled and running (systemctl status)')
    .addHelpText(
      'after',
      `\nExamples:\n  $ opensensor service status\n\nExits 0 when the service is running, 1 otherwise.`,
    )
    .action(async () => {
      const c = await ctx();
      requireSystemd(c);
      const res = await c.run('systemctl', ['status', SERVICE_NAME, '--no-pager', '--lines', '10']);
      if (res.error) throw new CliError(`cannot run systemctl: ${res.error.message}`);
      io.stdout(res.stdout);
      if (res.stderr) io.stderr(res.stderr);
      // systemctl status: 0 running, 3 not running, 4 no such unit.
      if (res.code === 0) return;
      io.stderr(
        res.code === 4 || !existsSync(c.unitPath)
          ? `${SERVICE_NAME} is not installed; install it with \`sudo opensensor service install\`.\n`
          : `${SERVICE_NAME} is not running; see \`opensensor service logs\`.\n`,
      );
      setExit(EXIT.failed);
    });

  service
    .command('logs')
    .description("Show the service's log (journalctl)")
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('-n, --lines <n>', 'number of recent lines', '50')
    .addHelpText('after', `\nExamples:\n  $ opensensor service logs\n  $ opensensor service logs -f -n 200`)
    .action(async (opts: { follow?: boolean; lines: string }) => {
      if (!/^\d+$/.test(opts.lines) || Number(opts.lines) < 1) {
        throw new CliError(
          `--lines: expected a whole number of at least 1, received ${JSON.stringify(opts.lines)}`,
          EXIT.usage,
        );
      }
      const c = await ctx();
      requireSystemd(c);
      const args = ['-u', SERVICE_NAME, '-n', opts.lines, '--no-pager', ...(opts.follow ? ['-f'] : [])];
      const res = await c.run('journalctl', args, { stream: true });
      if (res.error) throw new CliError(`cannot run journalctl: ${res.error.message}`);
      if (res.code !== 0) {
        throw new CliError(
          `journalctl exited with ${res.code}; reading a system service's log may need membership in the systemd-journal or adm group (or sudo)`,
        );
      }
      if (res.stdout.trim() === '' || /^-- No entries --/m.test(res.stdout)) {
        io.stderr(
          `no log lines visible; if the service runs, add yourself to the systemd-journal group (sudo usermod -aG systemd-journal $USER) or use sudo\n`,
        );
      }
    });
}

/** Where the agent writes: the lake, the health lake, journal and ledgers, the log file. */
function readWritePathsOf(config: {
  outputDir: string;
  healthDir: string;
  stateDir: string;
  logDir: string;
}): string[] {
  return [config.outputDir, config.healthDir, config.stateDir, config.logDir];
}

function requireSystemd(c: ServiceContext): void {
  if (!existsSync(c.runtimeDir)) {
    throw new CliError(
      `systemd is not running on this machine (${c.runtimeDir} is missing); run \`opensensor start\` under your own supervisor instead (\`opensensor service install --print\` shows the unit)`,
    );
  }
}

function requireRoot(c: ServiceContext, what: string): void {
  if (c.uid !== 0) {
    throw new CliError(
      `${what} changes ${c.unitPath} and needs root: run it with sudo, e.g. sudo env PATH="$PATH" opensensor ${what}`,
    );
  }
}

async function systemctl(run: CommandRunner, args: string[]): Promise<void> {
  const res = await run('systemctl', args);
  if (res.error) throw new CliError(`cannot run systemctl: ${res.error.message}`);
  if (res.code !== 0) {
    throw new CliError(
      `systemctl ${args.join(' ')} failed (exit ${res.code}): ${res.stderr.trim() || res.stdout.trim()}`,
    );
  }
}

async function primaryGroup(run: CommandRunner, user: string): Promise<string> {
  const res = await run('id', ['-gn', user]);
  const group = res.stdout.trim();
  if (res.code !== 0 || group === '') {
    throw new CliError(
      `user ${JSON.stringify(user)} does not exist on this machine (id -gn failed); pass --user with an existing account`,
      EXIT.usage,
    );
  }
  return group;
}

/** The device groups that exist here; systemd refuses to start a unit naming a group that does not. */
async function existingGroups(run: CommandRunner, io: CliIo): Promise<string[]> {
  const res = await run('getent', ['group', ...DEVICE_GROUPS]);
  if (res.error) return [...DEVICE_GROUPS];
  const found = new Set(res.stdout.split('\n').map((line) => line.split(':')[0]));
  const missing = DEVICE_GROUPS.filter((g) => !found.has(g));
  if (missing.length > 0) {
    io.stderr(
      `warning: group${missing.length === 1 ? '' : 's'} ${missing.join(', ')} missing on this machine; left out of SupplementaryGroups (sensors needing ${missing.length === 1 ? 'it' : 'them'} will be unreadable)\n`,
    );
  }
  return DEVICE_GROUPS.filter((g) => found.has(g));
}

function safeUserName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

/** The script this process runs (`dist/cli.js`), through any npm/pnpm bin symlink. */
function cliScriptPath(): string {
  const script = process.argv[1];
  if (!script)
    throw new CliError('cannot tell which script is running; pass the path through the package bin');
  return realpathSync(script);
}
