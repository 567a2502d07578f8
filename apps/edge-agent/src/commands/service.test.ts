import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CliDeps, CommandResult, CommandRunner } from '../io.js';
import { runCli } from '../program.js';
import { processRunner } from '../runner.js';
import { memoryIo } from '../testing-io.js';

const STATION = '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f';
let dir: string;
let unitPath: string;
let runtimeDir: string;

/** A recording stand-in for systemctl, journalctl, id and getent. */
function fakeRunner(answers: Record<string, Partial<CommandResult>> = {}) {
  const calls: { command: string; args: readonly string[]; stream: boolean }[] = [];
  const run: CommandRunner = async (command, args, options) => {
    calls.push({ command, args, stream: options?.stream === true });
    const key = [command, ...args].join(' ');
    const match = Object.entries(answers).find(([prefix]) => key.startsWith(prefix))?.[1];
    const defaults: Partial<CommandResult> =
      command === 'id'
        ? { stdout: 'pi\n' }
        : command === 'getent'
          ? { stdout: 'i2c:x:998:pi\ngpio:x:997:pi\ndialout:x:20:pi\n' }
          : {};
    return { code: 0, stdout: '', stderr: '', ...defaults, ...match };
  };
  return { run, calls, commands: () => calls.map((c) => [c.command, ...c.args].join(' ')) };
}

function station(): void {
  for (const d of ['output', 'output-health', 'state', 'logs']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, '.env'), `OPENSENSOR_STATION_ID=${STATION}\n`, { mode: 0o600 });
}

function io(env: Record<string, string>, deps: CliDeps) {
  const t = memoryIo(env, dir);
  t.io.deps = {
    systemdUnitPath: unitPath,
    systemdRuntimeDir: runtimeDir,
    nodePath: '/usr/bin/node',
    cliPath: '/opt/opensensor/dist/cli.js',
    ...deps,
  };
  return t;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'os-service-'));
  unitPath = join(dir, 'etc', 'opensensor.service');
  mkdirSync(join(dir, 'etc'));
  runtimeDir = join(dir, 'run-systemd');
  mkdirSync(runtimeDir);
});

describe('opensensor service install', () => {
  it('--print shows the unit for the sudo user without root or systemd', async () => {
    station();
    const r = fakeRunner({ 'id -gn pi': { stdout: 'pi\n' } });
    const t = io({ SUDO_USER: 'pi' }, { run: r.run, uid: 1000, systemdRuntimeDir: join(dir, 'none') });
    expect(await runCli(['service', 'install', '--print'], t.io)).toBe(0);
    const unit = t.stdout();
    expect(unit).toContain('User=pi\nGroup=pi\n');
    expect(unit).toContain(`WorkingDirectory=${dir}\n`);
    expect(unit).toContain(`EnvironmentFile=${join(dir, '.env')}\n`);
    expect(unit).toContain('ExecStart=/usr/bin/node /opt/opensensor/dist/cli.js start\n');
    expect(unit).toContain(
      `ReadWritePaths=${join(dir, 'output')} ${join(dir, 'output-health')} ${join(dir, 'state')} ${join(dir, 'logs')}\n`,
    );
    expect(unit).toContain('SupplementaryGroups=i2c gpio dialout\n');
    expect(r.commands()).toEqual(['id -gn pi', 'getent group i2c gpio dialout']);
  });

  it('installs as root: writes the unit (0644), reloads, enables and restarts', async () => {
    station();
    const r = fakeRunner();
    const t = io({ SUDO_USER: 'pi' }, { run: r.run, uid: 0 });
    expect(await runCli(['service', 'install'], t.io)).toBe(0);
    const unit = readFileSync(unitPath, 'utf8');
    expect(unit).toContain('User=pi\n');
    expect(unit).toContain('ProtectSystem=strict\n');
    expect(statSync(unitPath).mode & 0o777).toBe(0o644);
    expect(r.commands().slice(2)).toEqual([
      'systemctl daemon-reload',
      'systemctl enable opensensor.service',
      'systemctl restart opensensor.service',
    ]);
    expect(t.stdout()).toContain(`Wrote ${unitPath}`);

    const again = io({ SUDO_USER: 'pi' }, { run: fakeRunner().run, uid: 0 });
    expect(await runCli(['service', 'install'], again.io)).toBe(0);
    expect(again.stdout()).toContain(`Kept ${unitPath}`);
  });

  it('refuses to run the agent as root', async () => {
    station();
    const asRoot = io({ USER: 'root' }, { run: fakeRunner().run, uid: 0 });
    expect(await runCli(['service', 'install'], asRoot.io)).toBe(2);
    expect(asRoot.stderr()).toMatch(/would run as root.*--user NAME/);
    const explicit = io({ SUDO_USER: 'pi' }, { run: fakeRunner().run, uid: 0 });
    expect(await runCli(['service', 'install', '--user', 'root'], explicit.io)).toBe(2);
    expect(() => readFileSync(unitPath)).toThrow();
  });

  it('says clearly when it is not root, when systemd is absent, and when setup has not run', async () => {
    const noEnv = io({ SUDO_USER: 'pi' }, { run: fakeRunner().run, uid: 0 });
    expect(await runCli(['service', 'install'], noEnv.io)).toBe(2);
    expect(noEnv.stderr()).toMatch(/\.env does not exist; run `opensensor setup`/);

    station();
    const user = io({ USER: 'pi' }, { run: fakeRunner().run, uid: 1000 });
    expect(await runCli(['service', 'install'], user.io)).toBe(1);
    expect(user.stderr()).toMatch(/needs root: run it with sudo/);

    const noSystemd = io(
      { SUDO_USER: 'pi' },
      { run: fakeRunner().run, uid: 0, systemdRuntimeDir: join(dir, 'nope') },
    );
    expect(await runCli(['service', 'install'], noSystemd.io)).toBe(1);
    expect(noSystemd.stderr()).toMatch(/systemd is not running on this machine/);
    expect(() => readFileSync(unitPath)).toThrow();
  });

  it('drops device groups this machine lacks, with a warning, and reports an unknown user', async () => {
    station();
    const r = fakeRunner({ getent: { code: 2, stdout: 'dialout:x:20:pi\n' } });
    const t = io({ SUDO_USER: 'pi' }, { run: r.run, uid: 0 });
    expect(await runCli(['service', 'install', '--print'], t.io)).toBe(0);
    expect(t.stdout()).toContain('SupplementaryGroups=dialout\n');
    expect(t.stderr()).toMatch(/groups i2c, gpio missing on this machine/);

    const unknown = io(
      { SUDO_USER: 'ghost' },
      { run: fakeRunner({ 'id -gn ghost': { code: 1, stdout: '' } }).run, uid: 0 },
    );
    expect(await runCli(['service', 'install'], unknown.io)).toBe(2);
    expect(unknown.stderr()).toMatch(/user "ghost" does not exist/);
  });

  it('validates the .env the service will read, not this shell, and needs the data directories', async () => {
    writeFileSync(join(dir, '.env'), 'OPENSENSOR_READ_INTERVAL=5\n');
    const t = io({ SUDO_USER: 'pi', OPENSENSOR_STATION_ID: STATION }, { run: fakeRunner().run, uid: 0 });
    expect(await runCli(['service', 'install'], t.io)).toBe(2);
    expect(t.stderr()).toMatch(/service would fail to start[\s\S]*OPENSENSOR_STATION_ID/);

    writeFileSync(join(dir, '.env'), `OPENSENSOR_STATION_ID=${STATION}\n`);
    const missingDirs = io({ SUDO_USER: 'pi' }, { run: fakeRunner().run, uid: 0 });
    expect(await runCli(['service', 'install'], missingDirs.io)).toBe(1);
    expect(missingDirs.stderr()).toMatch(/output.*do not exist; run `opensensor setup` as pi/);
  });

  it('warns when the station lives under /tmp, which PrivateTmp hides from the service', async () => {
    station();
    const t = io({ SUDO_USER: 'pi' }, { run: fakeRunner().run, uid: 1000 });
    expect(await runCli(['service', 'install', '--print'], t.io)).toBe(0);
    const underTmp = dir.startsWith('/tmp/');
    expect(t.stderr().includes('PrivateTmp=yes')).toBe(underTmp);
  });

  it('reports a failing systemctl with its message', async () => {
    station();
    const r = fakeRunner({
      'systemctl restart': { code: 1, stderr: 'Job for opensensor.service failed.\n' },
    });
    const t = io({ SUDO_USER: 'pi' }, { run: r.run, uid: 0 });
    expect(await runCli(['service', 'install'], t.io)).toBe(1);
    expect(t.stderr()).toContain(
      'systemctl restart opensensor.service failed (exit 1): Job for opensensor.service failed.',
    );
  });
});

describe('opensensor service uninstall / status / logs', () => {
  it('uninstall disables, removes the unit and reloads; a second run says it is not installed', async () => {
    writeFileSync(unitPath, '[Service]\n');
    const r = fakeRunner();
    const t = io({}, { run: r.run, uid: 0 });
    expect(await runCli(['service', 'uninstall'], t.io)).toBe(0);
    expect(r.commands()).toEqual(['systemctl disable --now opensensor.service', 'systemctl daemon-reload']);
    expect(() => readFileSync(unitPath)).toThrow();
    const again = io({}, { run: fakeRunner().run, uid: 0 });
    expect(await runCli(['service', 'uninstall'], again.io)).toBe(0);
    expect(again.stdout()).toMatch(/not installed/);
    const notRoot = io({}, { run: fakeRunner().run, uid: 1000 });
    expect(await runCli(['service', 'uninstall'], notRoot.io)).toBe(1);
  });

  it('status passes systemctl through and exits 1 unless the service runs', async () => {
    const running = io(
      {},
      {
        run: fakeRunner({
          'systemctl status': { stdout: '● opensensor.service\n   Active: active (running)\n' },
        }).run,
      },
    );
    expect(await runCli(['service', 'status'], running.io)).toBe(0);
    expect(running.stdout()).toContain('Active: active (running)');

    writeFileSync(unitPath, '[Service]\n');
    const stopped = io(
      {},
      { run: fakeRunner({ 'systemctl status': { code: 3, stdout: '   Active: failed\n' } }).run },
    );
    expect(await runCli(['service', 'status'], stopped.io)).toBe(1);
    expect(stopped.stderr()).toMatch(/is not running; see `opensensor service logs`/);

    const absent = io(
      {},
      {
        run: fakeRunner({
          'systemctl status': { code: 4, stderr: 'Unit opensensor.service could not be found.\n' },
        }).run,
      },
    );
    expect(await runCli(['service', 'status'], absent.io)).toBe(1);
    expect(absent.stderr()).toMatch(/is not installed/);
  });

  it('logs streams journalctl with -n and -f, and validates -n', async () => {
    const r = fakeRunner({ journalctl: { stdout: 'line 1\n' } });
    const t = io({}, { run: r.run });
    expect(await runCli(['service', 'logs', '-f', '-n', '20'], t.io)).toBe(0);
    expect(r.calls).toEqual([
      {
        command: 'journalctl',
        args: ['-u', 'opensensor.service', '-n', '20', '--no-pager', '-f'],
        stream: true,
      },
    ]);
    const bad = io({}, { run: fakeRunner().run });
    expect(await runCli(['service', 'logs', '-n', 'lots'], bad.io)).toBe(2);
    expect(bad.stderr()).toMatch(/--lines: expected a whole number/);
    const denied = io({}, { run: fakeRunner({ journalctl: { code: 1 } }).run });
    expect(await runCli(['service', 'logs'], denied.io)).toBe(1);
    expect(denied.stderr()).toMatch(/systemd-journal or adm group/);
  });

  it('--help of every service command shows examples', async () => {
    for (const sub of ['install', 'uninstall', 'status', 'logs']) {
      const t = io({}, {});
      expect(await runCli(['service', sub, '--help'], t.io)).toBe(0);
      expect(t.stdout()).toMatch(/Examples:\n\s+\$ /);
    }
  });
});

describe('processRunner', () => {
  it('runs a real child, collects and streams its output, and reports a missing program', async () => {
    const out: string[] = [];
    const run = processRunner({ stdout: (t) => void out.push(t), stderr: () => {} });
    const res = await run(
      process.execPath,
      ['-e', 'process.stdout.write("hello"); process.stderr.write("warn"); process.exit(3)'],
      {
        stream: true,
      },
    );
    expect(res).toMatchObject({ code: 3, stdout: 'hello', stderr: 'warn' });
    expect(out.join('')).toBe('hello');
    const missing = await run('opensensor-no-such-program', []);
    expect(missing.error?.code).toBe('ENOENT');
  });
});
