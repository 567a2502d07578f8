import { access, mkdir, readFile, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import type { OpenSensorConfig } from '@opensensor/config';
import type { BoardFacade, SensorSlotStatus } from '@opensensor/pipeline';
import type { CliDeps, CommandRunner, DoctorSystem, TestBoardOptions } from './io.js';

export type { DoctorSystem };

/** One check of `opensensor doctor`: what was found and, when it is not right, the one line that fixes it. */
export interface DoctorCheck {
  id: string;
  title: string;
  /** `warn` and `skip` do not fail the doctor; `fail` does. */
  status: 'pass' | 'warn' | 'fail' | 'skip';
  detail: string;
  fix?: string;
}

export interface DoctorContext {
  config: OpenSensorConfig;
  /** The `.env` file the settings came from, if any. */
  envFile: string | undefined;
  system: DoctorSystem;
  run: CommandRunner;
  createBoard: (options: TestBoardOptions) => Promise<BoardFacade> | BoardFacade;
  unitPath: string;
  now: () => number;
}

export function realDoctorSystem(deps: CliDeps | undefined): DoctorSystem {
  const info = userInfo();
  return {
    root: '/',
    user: { name: info.username, uid: deps?.uid ?? info.uid },
    async statfs(path) {
      const s = await statfs(path);
      return { freeBytes: s.bavail * s.bsize, freeInodes: s.ffree };
    },
  };
}

const MiB = 1024 * 1024;
/** Beyond the journal's bound: lake files of some weeks, the ledger, the logs. */
const DISK_HEADROOM_BYTES = 64 * MiB;
/** Journal segments, lake files and their directories of some months. */
const MIN_FREE_INODES = 10_000;

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );
const readText = (path: string) => readFile(path, 'utf8').catch(() => null);

const pass = (id: string, title: string, detail: string): DoctorCheck => ({
  id,
  title,
  status: 'pass',
  detail,
});
const fail = (id: string, title: string, detail: string, fix: string): DoctorCheck => ({
  id,
  title,
  status: 'fail',
  detail,
  fix,
});

/** The I2C bus, and the board's sensors answering on it. */
async function checkI2c(c: DoctorContext): Promise<DoctorCheck> {
  const title = 'I2C enabled and the board answering';
  const dev = join(c.system.root, 'dev/i2c-1');
  if (!(await exists(dev)))
    return fail(
      'i2c',
      title,
      '/dev/i2c-1 does not exist: I2C is off',
      'sudo raspi-config nonint do_i2c 0 && sudo reboot',
    );
  // The board the agent would open, by the agent's rule (@opensensor/pipeline's openBoard).
  const { BoardError, openBoard } = await import('@opensensor/pipeline');
  const settings = {
    pms5003Device: c.config.pms5003Device,
    compensation: false as const,
    onWarning: () => {},
  };
  let best: { kind: string; sensors: SensorSlotStatus[] } | null = null;
  try {
    const opened = await openBoard(c.config.board, {
      ...settings,
      create: (board) => c.createBoard({ ...settings, board }),
    });
    await opened.board.close();
    best = opened;
  } catch (error) {
    if (!(error instanceof BoardError)) throw error;
  }
  const sensors = (best?.sensors ?? []).filter((s) => s.address.startsWith('0x'));
  const answering = sensors.filter((s) => s.state === 'ok');
  const list = (xs: typeof sensors) => xs.map((s) => `${s.sensor} ${s.address}`).join(', ');
  if (answering.length === 0)
    return fail(
      'i2c',
      title,
      `no sensor of the ${best?.kind ?? c.config.board} board answers on I2C bus 1 (${list(sensors) || 'none probed'})`,
      'seat the board firmly on the GPIO header (power off first), then run `opensensor test`',
    );
  const silent = sensors.filter((s) => s.state !== 'ok');
  if (silent.length > 0)
    return {
      id: 'i2c',
      title,
      status: 'warn',
      detail: `${best?.kind}: ${list(answering)} answer; ${list(silent)} do not (their columns stay null)`,
      fix: 'if the board should have them, reseat it and run `opensensor test`',
    };
  return pass('i2c', title, `${best?.kind}: ${list(answering)} answer`);
}

/** The PMS5003 is on the UART: enabled, and not taken by the serial console. */
async function checkUart(c: DoctorContext): Promise<DoctorCheck> {
  const title = 'UART enabled, serial console off (PMS5003)';
  if (c.config.board !== 'enviroplus' && c.config.board !== 'auto')
    return { id: 'uart', title, status: 'skip', detail: `the ${c.config.board} board has no PMS5003` };
  const fix =
    'sudo raspi-config nonint do_serial_hw 0 && sudo raspi-config nonint do_serial_cons 1 && sudo reboot';
  const configTxt =
    (await readText(join(c.system.root, 'boot/firmware/config.txt'))) ??
    (await readText(join(c.system.root, 'boot/config.txt')));
  const enabled =
    configTxt
      ?.split('\n')
      .map((l) => l.trim())
      .some((l) => /^enable_uart\s*=\s*1\b/.test(l)) === true;
  if (!enabled)
    return fail(
      'uart',
      title,
      configTxt === null
        ? 'no /boot/firmware/config.txt (or /boot/config.txt) found'
        : 'enable_uart=1 is not set in config.txt',
      fix,
    );
  const cmdline = (await readText(join(c.system.root, 'proc/cmdline'))) ?? '';
  const console = /(?:^|\s)console=(serial0|serial1|ttyAMA0|ttyS0)\b/.exec(cmdline)?.[1];
  if (console)
    return fail(
      'uart',
      title,
      `the serial console uses the UART (console=${console} in the kernel command line)`,
      fix,
    );
  if (!(await exists(join(c.system.root, c.config.pms5003Device.replace(/^\//, '')))))
    return fail(
      'uart',
      title,
      `${c.config.pms5003Device} does not exist`,
      `${fix} (or set OPENSENSOR_PMS5003_DEVICE to the UART's device)`,
    );
  return pass('uart', title, `enable_uart=1, no serial console, ${c.config.pms5003Device} present`);
}

/** The user the agent runs as reaches the devices through the i2c, dialout and gpio groups. */
async function checkGroups(c: DoctorContext): Promise<DoctorCheck> {
  const title = 'user in the i2c, dialout and gpio groups';
  const user = c.system.user.name;
  if (c.system.user.uid === 0)
    return pass('groups', title, 'running as root (the service itself runs as an unprivileged user)');
  const needed =
    c.config.board === 'enviroplus' || c.config.board === 'auto' ? ['i2c', 'dialout', 'gpio'] : ['i2c'];
  const groupFile = (await readText(join(c.system.root, 'etc/group'))) ?? '';
  const passwd = (await readText(join(c.system.root, 'etc/passwd'))) ?? '';
  const primaryGid = passwd
    .split('\n')
    .map((l) => l.split(':'))
    .find((f) => f[0] === user)?.[3];
  const groups = new Map(
    groupFile
      .split('\n')
      .filter((l) => l.includes(':'))
      .map((l) => {
        const [name, , gid, members] = l.split(':');
        return [name as string, { gid, members: (members ?? '').split(',').map((m) => m.trim()) }];
      }),
  );
  const missing = needed.filter((g) => {
    const entry = groups.get(g);
    return (
      !entry || !(entry.members.includes(user) || (primaryGid !== undefined && entry.gid === primaryGid))
    );
  });
  if (missing.length > 0)
    return fail(
      'groups',
      title,
      `${user} is not in ${missing.join(', ')}${missing.some((g) => !groups.has(g)) ? ' (a group that does not exist here: is this Raspberry Pi OS?)' : ''}`,
      `sudo usermod -aG ${missing.join(',')} ${user}, then log in again`,
    );
  return pass('groups', title, `${user} is in ${needed.join(', ')}`);
}

/** NTP configured and the clock synchronised (a Pi has no RTC). */
async function checkClock(c: DoctorContext): Promise<DoctorCheck> {
  const title = 'clock synchronised by NTP';
  const res = await c.run('timedatectl', ['show', '-p', 'NTP', '-p', 'NTPSynchronized']);
  if (res.error || res.code !== 0)
    return {
      id: 'clock',
      title,
      status: 'warn',
      detail: 'timedatectl cannot tell (no systemd here?)',
      fix: 'make sure an NTP client (systemd-timesyncd or chrony) runs',
    };
  const value = (name: string) => new RegExp(`^${name}=(\\w+)`, 'm').exec(res.stdout)?.[1];
  if (value('NTP') !== 'yes')
    return fail('clock', title, 'NTP is not configured', 'sudo timedatectl set-ntp true');
  if (value('NTPSynchronized') !== 'yes')
    return fail(
      'clock',
      title,
      'NTP is on but the clock is not synchronised yet (readings wait to be dated)',
      'check the network and `timedatectl timesync-status`; it synchronises within minutes once online',
    );
  return pass('clock', title, 'NTP on and synchronised');
}

/** Room for the journal to reach its bound, plus headroom, in bytes and inodes. */
async function checkDisk(c: DoctorContext): Promise<DoctorCheck> {
  const title = 'free disk and inodes for the journal bound';
  const where = await nearestExisting(c.config.stateDir);
  const fs = await c.system.statfs(where);
  const bound = c.config.journalMaxMb * MiB;
  const journalBytes = await dirBytes(join(c.config.stateDir, 'journal'));
  const needed = Math.max(0, bound - journalBytes) + DISK_HEADROOM_BYTES;
  const mb = (b: number) => `${Math.floor(b / MiB)} MiB`;
  if (fs.freeBytes < needed) {
    const fits = Math.floor((fs.freeBytes + journalBytes - DISK_HEADROOM_BYTES) / MiB);
    return fail(
      'disk',
      title,
      `${mb(fs.freeBytes)} free at ${where}; the journal may grow to ${mb(bound)} (it holds ${mb(journalBytes)}) and needs ${mb(DISK_HEADROOM_BYTES)} more headroom`,
      fits >= 8
        ? `free space on that filesystem, or set OPENSENSOR_JOURNAL_MAX_MB=${fits}`
        : 'free space on that filesystem (or move OPENSENSOR_STATE_DIR to a larger one)',
    );
  }
  if (fs.freeInodes < MIN_FREE_INODES)
    return fail(
      'disk',
      title,
      `only ${fs.freeInodes} free inodes at ${where} (at least ${MIN_FREE_INODES} wanted)`,
      'delete old files on that filesystem (many small ones), e.g. with OPENSENSOR_RETENTION_DAYS for the lake',
    );
  return pass(
    'disk',
    title,
    `${mb(fs.freeBytes)} and ${fs.freeInodes} inodes free at ${where}; bound ${mb(bound)}`,
  );
}

/** `.env` and key files readable by their owner only. */
async function checkSecrets(c: DoctorContext): Promise<DoctorCheck> {
  const title = '.env and key files not readable by others';
  const files = [c.envFile, c.config.snowflakePrivateKeyFile, c.config.snowflakeConfigFile].filter(
    (f): f is string => typeof f === 'string',
  );
  if (files.length === 0)
    return { id: 'secrets', title, status: 'skip', detail: 'no .env or key file is in use' };
  const open: string[] = [];
  const missing: string[] = [];
  for (const f of files) {
    const s = await stat(f).catch(() => null);
    if (!s) missing.push(f);
    else if ((s.mode & 0o077) !== 0) open.push(`${f} (mode ${(s.mode & 0o777).toString(8)})`);
  }
  if (missing.length > 0)
    return fail(
      'secrets',
      title,
      `missing: ${missing.join(', ')}`,
      'create it (`opensensor setup`, `opensensor snowflake keygen`) or fix the setting that names it',
    );
  if (open.length > 0)
    return fail(
      'secrets',
      title,
      `group or others can read ${open.join(', ')}`,
      `chmod 600 ${open.map((o) => o.replace(/ \(mode \d+\)$/, '')).join(' ')}`,
    );
  return pass('secrets', title, `${files.join(', ')}: owner only`);
}

/** The lake, health lake and state directories can be written (by creating and deleting a file). */
async function checkDirs(c: DoctorContext): Promise<DoctorCheck> {
  const title = 'output and state directories writable';
  const dirs = [
    c.config.outputDir,
    ...(c.config.healthEnabled ? [c.config.healthDir] : []),
    c.config.stateDir,
  ];
  const bad: string[] = [];
  for (const dir of dirs) {
    const probe = join(dir, `.opensensor-doctor-${process.pid}`);
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(probe, '');
      await rm(probe);
    } catch (err) {
      bad.push(`${dir} (${(err as NodeJS.ErrnoException).code ?? 'unwritable'})`);
    }
  }
  if (bad.length > 0)
    return fail(
      'dirs',
      title,
      `cannot write ${bad.join(', ')}`,
      `sudo mkdir -p <dir> && sudo chown ${c.system.user.name} <dir> for each, or point OPENSENSOR_OUTPUT_DIR / OPENSENSOR_STATE_DIR elsewhere`,
    );
  return pass('dirs', title, dirs.join(', '));
}

/** A real conditional PUT of a tiny object under `_doctor/`, then its delete. */
async function checkStorage(c: DoctorContext): Promise<DoctorCheck> {
  const title = 'S3 credentials valid and the bucket writable';
  const storage = c.config.storage;
  if (!storage.bucket) return { id: 's3', title, status: 'skip', detail: 'no bucket configured' };
  const { storageTarget } = await import('@opensensor/pipeline');
  const { probeWrite, S3SyncError } = await import('@opensensor/s3-sync');
  const target = await storageTarget(storage, c.config);
  const where = `${storage.bucket}${target.prefix ? `/${target.prefix}` : ''}`;
  try {
    const r = await probeWrite(target, `_doctor/${c.config.stationId}-${c.now()}.txt`);
    const how = r.conditional ? 'a conditional PUT (If-None-Match)' : 'a PUT';
    if (!r.deleted)
      return {
        id: 's3',
        title,
        status: 'warn',
        detail: `${how} to ${where}/_doctor/ worked; deleting it was refused (${r.deleteError?.code})`,
        fix: `delete ${r.key} by hand, or allow s3:DeleteObject on ${storage.bucket}/${target.prefix ? `${target.prefix}/` : ''}_doctor/*`,
      };
    return pass('s3', title, `${how} to ${where}/_doctor/ and its delete worked`);
  } catch (err) {
    const code = err instanceof S3SyncError ? err.code : 'error';
    const fixes: Record<string, string> = {
      BAD_CREDENTIALS: 'check OPENSENSOR_AWS_ACCESS_KEY_ID and OPENSENSOR_AWS_SECRET_ACCESS_KEY',
      NO_SUCH_BUCKET: `create the bucket ${storage.bucket}, or fix OPENSENSOR_STORAGE_BUCKET`,
      ACCESS_DENIED: `grant s3:PutObject on ${storage.bucket}/${target.prefix ? `${target.prefix}/` : ''}* (docs/s3-sync.md has the policy)`,
      CLOCK_SKEW: 'synchronise the clock (sudo timedatectl set-ntp true)',
    };
    return fail(
      's3',
      title,
      target.redact(err instanceof Error ? err.message : String(err)),
      fixes[code] ?? 'check OPENSENSOR_STORAGE_ENDPOINT / OPENSENSOR_STORAGE_REGION and the network',
    );
  } finally {
    target.destroy();
  }
}

/** Authenticates to Snowflake with the configured key and reads the channel's status (never opens it). */
async function checkSnowflake(c: DoctorContext): Promise<DoctorCheck> {
  const title = 'Snowflake reachable with the configured key';
  const cfg = c.config;
  if (!cfg.snowflakeEnabled) return { id: 'snowflake', title, status: 'skip', detail: 'Snowflake is off' };
  const { SnowflakeKeyFileError, snowpipeClientOptions } = await import('@opensensor/pipeline');
  let options: Awaited<ReturnType<typeof snowpipeClientOptions>>;
  try {
    options = await snowpipeClientOptions(cfg);
  } catch (err) {
    if (!(err instanceof SnowflakeKeyFileError)) throw err;
    return fail(
      'snowflake',
      title,
      `cannot read ${err.path}`,
      'opensensor snowflake keygen, then set the public key on the Snowflake user (docs/snowflake.md)',
    );
  }
  const { SnowpipeClient } = await import('@opensensor/snowpipe-client');
  try {
    const client = new SnowpipeClient({
      ...options,
      maxRetries: 1,
      requestTimeoutMs: 15_000,
    });
    const host = await client.ingestHostname();
    const status = (await client.channelStatuses([cfg.snowflakeChannel])).get(cfg.snowflakeChannel);
    return pass(
      'snowflake',
      title,
      `authenticated (ingest host ${host}); channel ${cfg.snowflakeChannel} ${status ? `is ${status.channelStatusCode}` : 'not opened yet'}`,
    );
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return fail(
      'snowflake',
      title,
      message,
      /390144|JWT|key/i.test(message)
        ? "the key does not match the user's: ALTER USER … SET RSA_PUBLIC_KEY with the key `opensensor snowflake keygen` printed"
        : 'check OPENSENSOR_SNOWFLAKE_ACCOUNT / OPENSENSOR_SNOWFLAKE_URL, the pipe and the network; `opensensor snowflake check` says more',
    );
  }
}

/** The systemd unit installed and enabled, so the agent starts at boot. */
async function checkService(c: DoctorContext): Promise<DoctorCheck> {
  const title = 'systemd unit installed and enabled';
  const fix = 'sudo opensensor service install';
  if (!(await exists(c.unitPath))) return fail('service', title, `${c.unitPath} does not exist`, fix);
  const res = await c.run('systemctl', ['is-enabled', 'opensensor.service']);
  const state = res.stdout.trim() || res.error?.message || `exit ${res.code}`;
  if (state !== 'enabled') return fail('service', title, `the unit is installed but ${state}`, fix);
  return pass('service', title, `${c.unitPath}, enabled`);
}

/** Every check, in the order a person would fix them. */
export const DOCTOR_CHECKS: readonly ((c: DoctorContext) => Promise<DoctorCheck>)[] = [
  checkI2c,
  checkUart,
  checkGroups,
  checkClock,
  checkDisk,
  checkSecrets,
  checkDirs,
  checkStorage,
  checkSnowflake,
  checkService,
];

export async function runDoctor(c: DoctorContext): Promise<{ ok: boolean; checks: DoctorCheck[] }> {
  const checks: DoctorCheck[] = [];
  for (const check of DOCTOR_CHECKS) checks.push(await check(c));
  return { ok: checks.every((x) => x.status !== 'fail'), checks };
}

async function nearestExisting(path: string): Promise<string> {
  let at = path;
  while (!(await exists(at)) && dirname(at) !== at) at = dirname(at);
  return at;
}

async function dirBytes(dir: string): Promise<number> {
  const { readdir } = await import('node:fs/promises');
  let total = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const s = await stat(join(dir, name)).catch(() => null);
    if (s?.isFile()) total += s.size;
  }
  return total;
}
