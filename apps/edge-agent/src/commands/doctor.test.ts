import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DoctorCheck } from '../doctor.js';
import { runCli } from '../program.js';
import { simulatedStation } from '../testing-station.js';

type Station = ReturnType<typeof simulatedStation>;

async function doctor(s: Station, extra: Record<string, string> = {}) {
  const t = s.io(extra);
  const code = await runCli(['doctor', '--json'], t.io);
  const report = JSON.parse(t.stdout()) as { ok: boolean; checks: DoctorCheck[] };
  return { code, report, check: (id: string) => report.checks.find((c) => c.id === id) as DoctorCheck };
}

describe('opensensor doctor', () => {
  it('passes on a correctly set-up station (S3 and Snowflake not configured are skipped)', async () => {
    const s = simulatedStation();
    const { code, report } = await doctor(s);
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['i2c', 'pass'],
      ['uart', 'pass'],
      ['groups', 'pass'],
      ['clock', 'pass'],
      ['disk', 'pass'],
      ['secrets', 'pass'],
      ['dirs', 'pass'],
      ['s3', 'skip'],
      ['snowflake', 'skip'],
      ['service', 'pass'],
    ]);
    expect(report.ok).toBe(true);
    expect(code).toBe(0);

    const text = s.io();
    expect(await runCli(['doctor'], text.io)).toBe(0);
    expect(text.stdout()).toMatch(/^ok {4}I2C enabled and the board answering: enviroplus: bme280 0x76/m);
    expect(text.stdout()).toMatch(/Every check passed\.\n$/);
  });

  // Each broken station: the check that fails and the fix it names.
  const broken: [string, (s: Station) => Record<string, string> | undefined, string, RegExp][] = [
    ['I2C off', (s) => void rmSync(join(s.root, 'dev/i2c-1')), 'i2c', /raspi-config nonint do_i2c 0/],
    [
      'no sensor answers',
      (s) => {
        for (const x of s.sensors) x.state = 'absent';
        return undefined;
      },
      'i2c',
      /seat the board/,
    ],
    [
      'UART off',
      (s) =>
        void writeFileSync(join(s.root, 'boot/firmware/config.txt'), 'dtparam=i2c_arm=on\n#enable_uart=1\n'),
      'uart',
      /do_serial_hw 0 && sudo raspi-config nonint do_serial_cons 1/,
    ],
    [
      'serial console on the UART',
      (s) =>
        void writeFileSync(join(s.root, 'proc/cmdline'), 'console=serial0,115200 console=tty1 root=/dev/x\n'),
      'uart',
      /do_serial_cons 1/,
    ],
    [
      'user not in the groups',
      (s) => void writeFileSync(join(s.root, 'etc/group'), 'dialout:x:20:pi\ni2c:x:998:\ngpio:x:997:other\n'),
      'groups',
      /^sudo usermod -aG i2c,gpio pi, then log in again$/,
    ],
    [
      'NTP off',
      (s) => {
        s.answers.timedatectl = { code: 0, stdout: 'NTP=no\nNTPSynchronized=no\n', stderr: '' };
        return undefined;
      },
      'clock',
      /^sudo timedatectl set-ntp true$/,
    ],
    [
      'clock not synchronised yet',
      (s) => {
        s.answers.timedatectl = { code: 0, stdout: 'NTP=yes\nNTPSynchronized=no\n', stderr: '' };
        return undefined;
      },
      'clock',
      /timesync-status/,
    ],
    [
      'a disk too small for the journal bound',
      (s) => {
        s.system.statfs = async () => ({ freeBytes: 200 * 1024 * 1024, freeInodes: 500_000 });
        return undefined;
      },
      'disk',
      /OPENSENSOR_JOURNAL_MAX_MB=136/,
    ],
    [
      'no inodes left',
      (s) => {
        s.system.statfs = async () => ({ freeBytes: 20 * 1024 ** 3, freeInodes: 12 });
        return undefined;
      },
      'disk',
      /delete old files/,
    ],
    ['.env readable by others', (s) => void chmodSync(s.envFile, 0o644), 'secrets', /^chmod 600 .*\.env$/],
    [
      'the output directory cannot be created',
      (s) => {
        writeFileSync(join(s.dir, 'not-a-dir'), '');
        return { OPENSENSOR_OUTPUT_DIR: 'not-a-dir/lake' };
      },
      'dirs',
      /sudo chown pi/,
    ],
    [
      'the unit is not installed',
      (s) => void rmSync(join(s.root, 'etc/systemd/system/opensensor.service')),
      'service',
      /^sudo opensensor service install$/,
    ],
    [
      'the unit is installed but disabled',
      (s) => {
        s.answers.systemctl = { code: 1, stdout: 'disabled\n', stderr: '' };
        return undefined;
      },
      'service',
      /^sudo opensensor service install$/,
    ],
  ];
  for (const [what, breakIt, id, fix] of broken) {
    it(`fails on ${what}, naming the fix`, async () => {
      const s = simulatedStation();
      const extra = breakIt(s) ?? {};
      const { code, report, check } = await doctor(s, extra);
      expect(check(id).status).toBe('fail');
      expect(check(id).fix).toMatch(fix);
      expect(report.checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual([id]);
      expect(code).toBe(1);
    });
  }

  it('warns, without failing, when some of the board sensors do not answer', async () => {
    const s = simulatedStation();
    const gas = s.sensors.find((x) => x.sensor === 'gas');
    if (gas) gas.state = 'absent';
    const { code, check } = await doctor(s);
    expect(check('i2c')).toMatchObject({ status: 'warn' });
    expect(check('i2c').detail).toMatch(/gas 0x49 do not/);
    expect(code).toBe(0);
  });

  it('the text output puts the fix under each failed check', async () => {
    const s = simulatedStation();
    rmSync(join(s.root, 'dev/i2c-1'));
    const t = s.io();
    expect(await runCli(['doctor'], t.io)).toBe(1);
    expect(t.stdout()).toMatch(
      /^FAIL {2}I2C enabled and the board answering: .*\n {6}fix: sudo raspi-config nonint do_i2c 0/m,
    );
    expect(t.stdout()).toMatch(/1 check failed: run the fix lines above/);
  });
});
