import { describe, expect, it } from 'vitest';
import {
  collectHealth,
  type HealthSources,
  parseChronyOffsetMs,
  parseProcWireless,
  parseTimesyncOffsetMs,
} from './health.js';

const PI: HealthSources = {
  readFile: async (path) =>
    ({
      '/sys/class/thermal/thermal_zone0/temp': '48312\n',
      '/proc/meminfo':
        'MemTotal:         443112 kB\nMemFree:           61000 kB\nMemAvailable:     221556 kB\n',
      '/proc/net/wireless':
        'Inter-| sta-|   Quality        |   Discarded packets               | Missed | WE\n face | tus | link level noise |  nwid  crypt   frag  retry   misc | beacon | 22\n wlan0: 0000   56.  -54.  -256        0      0      0      0    121        0\n',
    })[path] ?? null,
  run: async (cmd, args) => {
    const key = `${cmd} ${args.join(' ')}`;
    return (
      {
        'iwgetid -r': 'greenhouse\n',
        'chronyc -c tracking':
          'A29FC87B,ntp.example,3,1732700000.1,-0.000123456,0.000010,0.000200,-1.2,0.01,0.1,0.02,0.001,64.5,Normal\n',
        'vcgencmd get_throttled': 'throttled=0x50005\n',
        'vcgencmd measure_volts core': 'volt=1.2000V\n',
      }[key] ?? null
    );
  },
  statfs: async () => ({ totalBytes: 32 * 1024 ** 3, freeBytes: 8 * 1024 ** 3 }),
  loadavg: () => [0.25, 0.2, 0.15],
  uptimeSeconds: () => 86400.7,
  networkInterfaces: () => ({
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '', mac: '', cidr: null }],
    wlan0: [{ address: '192.0.2.15', family: 'IPv4', internal: false, netmask: '', mac: '', cidr: null }],
  }),
};

describe('collectHealth', () => {
  it('reads a Raspberry Pi into the reference health columns', async () => {
    expect(await collectHealth({ dataDir: '/data', clockSynced: true, sources: PI })).toEqual({
      cpu_temp_c: 48.3,
      cpu_load_1min: 0.25,
      cpu_load_5min: 0.2,
      cpu_load_15min: 0.15,
      memory_total_mb: 432.7,
      memory_available_mb: 216.4,
      memory_percent_used: 50,
      disk_total_gb: 32,
      disk_free_gb: 8,
      disk_percent_used: 75,
      wifi_ssid: 'greenhouse',
      wifi_signal_dbm: -54,
      wifi_quality_percent: 80,
      ip_address: '192.0.2.15',
      clock_synced: true,
      ntp_offset_ms: -0.123,
      uptime_seconds: 86400,
      power_source: 'under-voltage',
      battery_percent: null,
      cpu_voltage_v: 1.2,
      throttled_hex: '0x50005',
    });
  });

  it('gives nulls, never an exception, on a machine that can tell nothing', async () => {
    const nothing: HealthSources = {
      readFile: async () => null,
      run: async () => null,
      statfs: async () => null,
      loadavg: () => [],
      uptimeSeconds: () => 5,
      networkInterfaces: () => ({}),
    };
    const h = await collectHealth({ dataDir: '/x', clockSynced: false, sources: nothing });
    expect(h.clock_synced).toBe(false);
    expect(h.uptime_seconds).toBe(5);
    const others = Object.entries(h).filter(([k]) => k !== 'clock_synced' && k !== 'uptime_seconds');
    expect(others.every(([, v]) => v === null)).toBe(true);
  });

  it('parses NTP offsets from chrony and systemd-timesyncd', () => {
    expect(parseChronyOffsetMs('x,y,2,1.0,0.0015,0,0,0,0,0,0,0,0,Normal')).toBe(1.5);
    expect(parseChronyOffsetMs('garbage')).toBeNull();
    expect(parseTimesyncOffsetMs('       Server: 192.0.2.1\n       Offset: -312us\n')).toBe(-0.312);
    expect(parseTimesyncOffsetMs('Offset: +1.234ms')).toBe(1.234);
    expect(parseTimesyncOffsetMs('no offset here')).toBeNull();
  });

  it('parses /proc/net/wireless and ignores a file without interfaces', () => {
    expect(parseProcWireless('Inter-| sta-|\n face | tus |\n')).toBeNull();
  });
});
