import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BoardFacade, SensorSlotStatus } from '@opensensor/pipeline';
import type { DoctorSystem } from './doctor.js';
import type { CliDeps, CommandResult } from './io.js';
import { memoryIo } from './testing-io.js';

export const STATION = '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f';

const ENVIRO_SENSORS: SensorSlotStatus[] = [
  { sensor: 'bme280', chip: 'BME280', address: '0x76', state: 'ok' },
  { sensor: 'ltr559', chip: 'LTR-559', address: '0x23', state: 'ok' },
  { sensor: 'gas', chip: 'ADS1015', address: '0x49', state: 'ok' },
  { sensor: 'pms5003', chip: 'PMS5003', address: '/dev/ttyAMA0', state: 'ok' },
];

/**
 * A Raspberry Pi set up as the docs say, as files and fakes for `opensensor doctor`: a root with
 * /dev/i2c-1, /dev/ttyAMA0, config.txt with I2C and the UART on, a kernel command line without a
 * serial console, the user `pi` in i2c/dialout/gpio; timedatectl and systemctl that report NTP
 * synchronised and the unit enabled; an Enviro+ whose sensors answer; a .env of mode 0600. Tests
 * break one thing at a time.
 */
export function simulatedStation(env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'os-doctor-'));
  const root = join(dir, 'root');
  const files: Record<string, string> = {
    'dev/i2c-1': '',
    'dev/ttyAMA0': '',
    'boot/firmware/config.txt': '[all]\ndtparam=i2c_arm=on\nenable_uart=1\n',
    'proc/cmdline':
      'coherent_pool=1M 8250.nr_uarts=1 console=tty1 root=PARTUUID=1234-02 rootfstype=ext4 rootwait\n',
    'etc/group': 'root:x:0:\ndialout:x:20:pi\ni2c:x:998:pi\ngpio:x:997:pi\npi:x:1000:\n',
    'etc/passwd': 'root:x:0:0:root:/root:/bin/bash\npi:x:1000:1000:,,,:/home/pi:/bin/bash\n',
    'etc/systemd/system/opensensor.service': '[Service]\n',
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const envFile = join(dir, '.env');
  writeFileSync(envFile, `OPENSENSOR_STATION_ID=${STATION}\n`);
  chmodSync(envFile, 0o600);

  const sensors = ENVIRO_SENSORS.map((s) => ({ ...s }));
  const answers: Record<string, CommandResult> = {
    timedatectl: { code: 0, stdout: 'NTP=yes\nNTPSynchronized=yes\n', stderr: '' },
    systemctl: { code: 0, stdout: 'enabled\n', stderr: '' },
  };
  const system: DoctorSystem = {
    root,
    user: { name: 'pi', uid: 1000 },
    statfs: async () => ({ freeBytes: 20 * 1024 ** 3, freeInodes: 1_000_000 }),
  };
  const board: BoardFacade = {
    kind: 'enviroplus',
    name: 'enviroplus',
    sensors: ENVIRO_SENSORS.map((s) => s.sensor),
    columns: [],
    columnInfo: {},
    signature: ['bme280', 'ltr559'],
    detect: async () => sensors.map((s) => ({ ...s })),
    status: () => sensors.map((s) => ({ ...s })),
    read: async () => {
      throw new Error('doctor only detects');
    },
    close: async () => {},
  };
  const deps: CliDeps = {
    doctor: system,
    run: async (command) =>
      answers[command] ?? { code: null, stdout: '', stderr: '', error: { message: 'not found' } },
    createBoard: () => board,
    systemdUnitPath: join(root, 'etc/systemd/system/opensensor.service'),
    now: () => Date.UTC(2026, 11, 6, 12, 0, 0),
  };
  const io = (extra: Record<string, string> = {}) => {
    const t = memoryIo(
      {
        OPENSENSOR_PMS5003_DEVICE: '/dev/ttyAMA0',
        ...env,
        ...extra,
      },
      dir,
    );
    t.io.deps = deps;
    return t;
  };
  return { dir, root, envFile, system, sensors, answers, deps, io };
}
