import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { renderSystemdUnit, type SystemdUnitOptions } from './systemd-unit.js';

const base: SystemdUnitOptions = {
  user: 'pi',
  group: 'pi',
  workingDirectory: '/home/pi/station',
  envFile: '/home/pi/station/.env',
  nodePath: '/usr/local/bin/node',
  cliPath: '/usr/local/lib/node_modules/opensensor/dist/cli.js',
  readWritePaths: [
    '/home/pi/station/output',
    '/home/pi/station/output-health',
    '/home/pi/station/state',
    '/home/pi/station/logs',
  ],
  supplementaryGroups: ['i2c', 'gpio', 'dialout'],
};

describe('renderSystemdUnit', () => {
  it('has the hardening of the reference and narrows writes to the data directories', () => {
    const lines = renderSystemdUnit(base).split('\n');
    for (const line of [
      '[Service]',
      'Type=simple',
      'User=pi',
      'Group=pi',
      'SupplementaryGroups=i2c gpio dialout',
      'WorkingDirectory=/home/pi/station',
      'EnvironmentFile=/home/pi/station/.env',
      'ExecStart=/usr/local/bin/node /usr/local/lib/node_modules/opensensor/dist/cli.js start',
      'Restart=always',
      'RestartSec=10',
      'KillSignal=SIGTERM',
      'TimeoutStopSec=30',
      'NoNewPrivileges=yes',
      'PrivateTmp=yes',
      'ProtectSystem=strict',
      'ProtectHome=read-only',
      'ReadWritePaths=/home/pi/station/output /home/pi/station/output-health /home/pi/station/state /home/pi/station/logs',
      'WantedBy=multi-user.target',
    ]) {
      expect(lines).toContain(line);
    }
    expect(lines.some((l) => l.startsWith('PrivateDevices'))).toBe(false);
  });

  it('quotes paths with spaces and escapes systemd specifiers and $', () => {
    const unit = renderSystemdUnit({
      ...base,
      workingDirectory: '/srv/my station',
      envFile: '/srv/my station/100%.env',
      nodePath: '/opt/node $v/bin/node',
      readWritePaths: ['/srv/my station/output', '/srv/plain'],
    });
    expect(unit).toContain('WorkingDirectory=/srv/my station\n');
    expect(unit).toContain('EnvironmentFile=/srv/my station/100%%.env\n');
    expect(unit).toContain(
      'ExecStart="/opt/node $$v/bin/node" /usr/local/lib/node_modules/opensensor/dist/cli.js start',
    );
    expect(unit).toContain('ReadWritePaths="/srv/my station/output" /srv/plain\n');
  });

  it('refuses relative paths, quotes and bad user names with the field named', () => {
    expect(() => renderSystemdUnit({ ...base, envFile: '.env' })).toThrow(
      /envFile: "\.env" must be an absolute path/,
    );
    expect(() => renderSystemdUnit({ ...base, cliPath: '/a"b' })).toThrow(/cliPath: .* quote/);
    expect(() => renderSystemdUnit({ ...base, readWritePaths: ['/ok', 'rel'] })).toThrow(
      /readWritePaths\[1\]/,
    );
    expect(() => renderSystemdUnit({ ...base, user: 'pi; rm' })).toThrow(/user: "pi; rm" is not a valid/);
  });

  it('passes `systemd-analyze verify` when it is installed', async () => {
    const run = promisify(execFile);
    const probe = await run('systemd-analyze', ['--version']).catch(() => undefined);
    if (!probe) return; // systemd tools absent: the line-by-line test above still holds
    const dir = mkdtempSync(join(tmpdir(), 'os-unit-'));
    const dirs = ['output', 'output-health', 'state', 'logs'].map((d) => join(dir, d));
    for (const d of dirs) mkdirSync(d);
    writeFileSync(join(dir, '.env'), 'OPENSENSOR_STATION_ID=01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f\n');
    const cli = join(dir, 'cli.js');
    writeFileSync(cli, '');
    const me = userInfo();
    const unitPath = join(dir, 'opensensor.service');
    writeFileSync(
      unitPath,
      renderSystemdUnit({
        ...base,
        user: me.username,
        group: me.username,
        workingDirectory: dir,
        envFile: join(dir, '.env'),
        nodePath: process.execPath,
        cliPath: cli,
        readWritePaths: dirs,
        supplementaryGroups: [],
      }),
    );
    const res = await run('systemd-analyze', ['verify', '--man=no', unitPath]).catch(
      (e: { stderr: string; code: number }) => e,
    );
    // Only problems in our unit count; the host may lack unrelated units (network-online.target on a container).
    const ours = res.stderr
      .split('\n')
      .filter((l) => l.includes('opensensor.service') && !/network-online|time-sync|multi-user/.test(l));
    expect(ours).toEqual([]);
  });
});
