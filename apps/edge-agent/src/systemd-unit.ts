import { OpenSensorError } from '@opensensor/errors';
/** What the `opensensor.service` unit is built from. Every path must be absolute. */
export interface SystemdUnitOptions {
  /** Unprivileged account the agent runs as. */
  user: string;
  group: string;
  workingDirectory: string;
  envFile: string;
  nodePath: string;
  cliPath: string;
  /** The only places the agent may write: lake, health lake, state, logs. */
  readWritePaths: readonly string[];
  /** Device access: i2c (/dev/i2c-1), gpio (/dev/gpiochip*), dialout (/dev/serial0). */
  supplementaryGroups: readonly string[];
}

export const SERVICE_NAME = 'opensensor.service';
export const DEFAULT_UNIT_PATH = '/etc/systemd/system/opensensor.service';
export const DEVICE_GROUPS = ['i2c', 'gpio', 'dialout'] as const;

export class UnitPathError extends OpenSensorError {
  override readonly name = 'UnitPathError';
  constructor(message: string) {
    super('INVALID_UNIT_SETTING', message);
  }
}

/**
 * Renders the unit. Hardening follows the reference collector (NoNewPrivileges, PrivateTmp,
 * ProtectSystem=strict, ProtectHome=read-only) and narrows writes to the data and state directories.
 * Devices stay visible (no PrivateDevices): the sensors live in /dev.
 */
export function renderSystemdUnit(o: SystemdUnitOptions): string {
  for (const [name, value] of Object.entries({
    workingDirectory: o.workingDirectory,
    envFile: o.envFile,
    nodePath: o.nodePath,
    cliPath: o.cliPath,
  })) {
    checkPath(name, value);
  }
  for (const [i, p] of o.readWritePaths.entries()) checkPath(`readWritePaths[${i}]`, p);
  for (const [name, value] of [
    ['user', o.user],
    ['group', o.group],
    ...o.supplementaryGroups.map((g) => ['supplementaryGroups', g]),
  ] as const) {
    if (!/^[a-z_][a-z0-9_.-]*\$?$/i.test(value)) {
      throw new UnitPathError(`${name}: ${JSON.stringify(value)} is not a valid user or group name`);
    }
  }
  const lines = [
    '# Written by `opensensor service install`; reinstall to update it, do not edit by hand.',
    '[Unit]',
    'Description=OpenSensor edge agent (environmental sensor station)',
    'Documentation=https://github.com/opensensor-space/opensensor-ts/blob/main/docs/deployment.md',
    // Readings are journaled locally, so the agent need not wait for the network; uploads retry on their own.
    'After=network-online.target time-sync.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `User=${o.user}`,
    `Group=${o.group}`,
    ...(o.supplementaryGroups.length > 0 ? [`SupplementaryGroups=${o.supplementaryGroups.join(' ')}`] : []),
    `WorkingDirectory=${escapeSpecifiers(o.workingDirectory)}`,
    `EnvironmentFile=${escapeSpecifiers(o.envFile)}`,
    `ExecStart=${quoteExecArg(o.nodePath)} ${quoteExecArg(o.cliPath)} start`,
    'Restart=always',
    'RestartSec=10',
    // The agent finishes the current batch and closes the journal on SIGTERM; 30 s bounds a stuck upload.
    'KillSignal=SIGTERM',
    'TimeoutStopSec=30',
    'NoNewPrivileges=yes',
    'PrivateTmp=yes',
    'ProtectSystem=strict',
    'ProtectHome=read-only',
    `ReadWritePaths=${o.readWritePaths.map(quoteWord).join(' ')}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ];
  return lines.join('\n');
}

function checkPath(name: string, value: string): void {
  if (!value.startsWith('/'))
    throw new UnitPathError(`${name}: ${JSON.stringify(value)} must be an absolute path`);
  // systemd has no escape for these inside a unit line; refusing is clearer than a unit that fails to load.
  if (/[\n\r"\\]/.test(value)) {
    throw new UnitPathError(
      `${name}: ${JSON.stringify(value)} contains a newline, quote or backslash; move it to a plain path`,
    );
  }
}

/** `%` starts a specifier in unit files. */
function escapeSpecifiers(value: string): string {
  return value.replace(/%/g, '%%');
}

/** Quotes one word of a space-separated list (ReadWritePaths) when it has spaces. */
function quoteWord(value: string): string {
  const escaped = escapeSpecifiers(value);
  return /[\s']/.test(escaped) ? `"${escaped}"` : escaped;
}

/** An ExecStart word: `$` would also expand an environment variable there. */
function quoteExecArg(value: string): string {
  return quoteWord(value.replace(/\$/g, '$$$$'));
}
