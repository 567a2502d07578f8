import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';

/** Values of one health record, named as the reference collector's health columns. */
export type HealthValues = Record<string, string | number | boolean | null>;

export interface HealthSources {
  readFile(path: string): Promise<string | null>;
  /** Runs a command with a short timeout; null when it is missing or fails. */
  run(command: string, args: string[]): Promise<string | null>;
  statfs(path: string): Promise<{ totalBytes: number; freeBytes: number } | null>;
  loadavg(): number[];
  uptimeSeconds(): number;
  networkInterfaces(): NodeJS.Dict<os.NetworkInterfaceInfo[]>;
}

/** Commands found missing once are not spawned again: on a Pi Zero every spawn costs CPU time. */
const missingCommands = new Set<string>();

export function runCommand(command: string, args: string[], timeoutMs = 2000): Promise<string | null> {
  return runCommandOutcome(command, args, timeoutMs).then((o) => ('stdout' in o ? o.stdout : null));
}

/**
 * How a command ended: its output, or why there is none. `missing` (not installed) and `exit` (it ran
 * and failed) are answers; `timeout` and `spawn` (it could not be started: no memory, too many
 * processes) only say that a busy machine did not let it answer in time.
 */
export type CommandOutcome = { stdout: string } | { failure: 'missing' | 'exit' | 'timeout' | 'spawn' };

/** {@link runCommand} that says why there is no output. */
export async function runCommandOutcome(
  command: string,
  args: string[],
  timeoutMs = 2000,
): Promise<CommandOutcome> {
  if (missingCommands.has(command)) return { failure: 'missing' };
  // node:child_process (with net and dgram) is loaded at the first command, not at the agent's start.
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout) => {
      if (!err) return resolve({ stdout });
      const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: unknown };
      if (e.code === 'ENOENT') {
        missingCommands.add(command);
        resolve({ failure: 'missing' });
      } else if (e.killed) resolve({ failure: 'timeout' });
      else resolve({ failure: typeof e.code === 'number' ? 'exit' : 'spawn' });
    });
  });
}

export const systemHealthSources: HealthSources = {
  readFile: (path) => readFile(path, 'utf8').catch(() => null),
  run: (command, args) => runCommand(command, args),
  statfs: async (path) => {
    try {
      const s = await statfs(path);
      return { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
    } catch {
      return null;
    }
  },
  loadavg: () => os.loadavg(),
  uptimeSeconds: () => os.uptime(),
  networkInterfaces: () => os.networkInterfaces(),
};

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Parses `chronyc -c tracking` (CSV; field 5 is the system time offset in seconds). */
export function parseChronyOffsetMs(out: string): number | null {
  const fields = out.trim().split(',');
  const seconds = Number(fields[4]);
  return fields.length > 5 && Number.isFinite(seconds) ? round(seconds * 1000, 3) : null;
}

/** Parses `timedatectl timesync-status` (`Offset: +1.234ms`). */
export function parseTimesyncOffsetMs(out: string): number | null {
  const m = /Offset:\s*([+-]?[\d.]+)\s*(ns|us|µs|ms|s|min)\b/.exec(out);
  if (!m) return null;
  const scale: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, min: 60_000 };
  return round(Number(m[1]) * (scale[m[2] as string] ?? 1), 3);
}

/** Parses /proc/net/wireless: link quality (of 70) and signal level in dBm of the first interface. */
export function parseProcWireless(text: string): { signalDbm: number; qualityPercent: number } | null {
  const line = text.split('\n').find((l) => /^\s*\w+:\s/.test(l));
  if (!line) return null;
  const parts = line.trim().split(/\s+/);
  const quality = Number.parseFloat(parts[2] ?? '');
  const level = Number.parseFloat(parts[3] ?? '');
  if (!Number.isFinite(quality) || !Number.isFinite(level)) return null;
  return { signalDbm: level, qualityPercent: round(Math.min(100, (quality / 70) * 100), 1) };
}

function parseMeminfo(text: string): { totalMb: number; availableMb: number } | null {
  const kb = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  };
  const total = kb('MemTotal');
  const available = kb('MemAvailable');
  return total === null || available === null
    ? null
    : { totalMb: total / 1024, availableMb: available / 1024 };
}

export interface CollectHealthOptions {
  /** The disk figures are for the file system holding this path (the lake). */
  dataDir: string;
  clockSynced: boolean;
  sources?: HealthSources;
}

/**
 * One health record: CPU temperature and load, memory, disk, Wi-Fi, address, clock sync and NTP
 * offset, uptime, throttling and core voltage. Every source is optional: what a machine cannot tell
 * is null, and nothing here throws.
 */
export async function collectHealth(options: CollectHealthOptions): Promise<HealthValues> {
  const src = options.sources ?? systemHealthSources;
  const [thermal, meminfo, disk, wireless, ssid, chrony, timesync, throttled, volts] = await Promise.all([
    src.readFile('/sys/class/thermal/thermal_zone0/temp'),
    src.readFile('/proc/meminfo'),
    src.statfs(options.dataDir),
    src.readFile('/proc/net/wireless'),
    src.run('iwgetid', ['-r']),
    src.run('chronyc', ['-c', 'tracking']),
    src.run('timedatectl', ['timesync-status']),
    src.run('vcgencmd', ['get_throttled']),
    src.run('vcgencmd', ['measure_volts', 'core']),
  ]);
  const cpuTemp = thermal === null ? null : Number.parseInt(thermal, 10) / 1000;
  const mem = meminfo === null ? null : parseMeminfo(meminfo);
  const wifi = wireless === null ? null : parseProcWireless(wireless);
  const throttledHex =
    throttled === null ? null : (/throttled=(0x[0-9a-fA-F]+)/.exec(throttled)?.[1] ?? null);
  const voltage = volts === null ? null : Number.parseFloat(/volt=([\d.]+)V/.exec(volts)?.[1] ?? '');
  const [l1, l5, l15] = src.loadavg();
  const address = Object.values(src.networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.family === 'IPv4');

  const GB = 1024 ** 3;
  return {
    cpu_temp_c: cpuTemp !== null && Number.isFinite(cpuTemp) ? round(cpuTemp, 1) : null,
    cpu_load_1min: l1 ?? null,
    cpu_load_5min: l5 ?? null,
    cpu_load_15min: l15 ?? null,
    memory_total_mb: mem ? round(mem.totalMb, 1) : null,
    memory_available_mb: mem ? round(mem.availableMb, 1) : null,
    memory_percent_used: mem ? round(100 * (1 - mem.availableMb / mem.totalMb), 1) : null,
    disk_total_gb: disk ? round(disk.totalBytes / GB, 2) : null,
    disk_free_gb: disk ? round(disk.freeBytes / GB, 2) : null,
    disk_percent_used:
      disk && disk.totalBytes > 0 ? round(100 * (1 - disk.freeBytes / disk.totalBytes), 1) : null,
    wifi_ssid: ssid?.trim() || null,
    wifi_signal_dbm: wifi?.signalDbm ?? null,
    wifi_quality_percent: wifi?.qualityPercent ?? null,
    ip_address: address?.address ?? null,
    clock_synced: options.clockSynced,
    ntp_offset_ms:
      (chrony && parseChronyOffsetMs(chrony)) ?? (timesync && parseTimesyncOffsetMs(timesync)) ?? null,
    uptime_seconds: Math.floor(src.uptimeSeconds()),
    power_source:
      throttledHex === null
        ? null
        : (Number.parseInt(throttledHex, 16) & 1) !== 0
          ? 'under-voltage'
          : 'mains',
    battery_percent: null,
    cpu_voltage_v: voltage !== null && Number.isFinite(voltage) ? voltage : null,
    throttled_hex: throttledHex,
  };
}
