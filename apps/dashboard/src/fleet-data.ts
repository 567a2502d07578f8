import type { Lakehouse } from './data.js';
import { ms, num } from './data.js';

export interface FleetRow {
  station: string;
  board: string | null;
  lastReading: number | null;
  aqi: number | null;
  category: string | null;
  aqiHour: number | null;
  /** Mean uptime over the last 7 days with data (0–100). */
  uptime7d: number | null;
  warnings: string[];
}

const DAY = 86_400_000;

/** One row per station in the catalog, from the gold `stations`, `aqi_hourly` and `station_health_daily`. */
export async function fleetRows(lake: Lakehouse): Promise<FleetRow[]> {
  const updated = Date.parse(lake.catalog.updated);
  return Promise.all(
    lake.stations().map(async (station): Promise<FleetRow> => {
      const row: FleetRow = {
        station,
        board: null,
        lastReading: null,
        aqi: null,
        category: null,
        aqiHour: null,
        uptime7d: null,
        warnings: [],
      };
      const stationsFile = lake.latest('stations', station);
      if (stationsFile) {
        const [s] = await lake.read(stationsFile, ['board', 'last_reading', 'last_clock_synced']);
        row.board = typeof s?.board === 'string' ? s.board : null;
        row.lastReading = ms(s?.last_reading);
        if (s?.last_clock_synced === false)
          row.warnings.push('clock not synchronised at the last health record');
      }
      const aqiFile = lake.latest('aqi_hourly', station);
      if (aqiFile) {
        const rows = await lake.read(aqiFile, ['hour', 'aqi', 'category']);
        const last = rows.filter((r) => num(r.aqi) !== null).at(-1);
        if (last) {
          row.aqi = num(last.aqi);
          row.category = typeof last.category === 'string' ? last.category : null;
          row.aqiHour = ms(last.hour);
        }
      }
      if (row.lastReading !== null) {
        const end = row.lastReading + 1;
        const start = Date.UTC(
          new Date(row.lastReading).getUTCFullYear(),
          new Date(row.lastReading).getUTCMonth(),
          new Date(row.lastReading).getUTCDate() - 6,
        );
        const health = await lake.rows('station_health_daily', station, 'day', start, end, [
          'uptime_pct',
          'failed',
          'unsynced_readings',
          'longest_gap_s',
        ]);
        const uptimes = health.map((h) => num(h.uptime_pct)).filter((v): v is number => v !== null);
        if (uptimes.length) row.uptime7d = uptimes.reduce((a, b) => a + b, 0) / uptimes.length;
        const failed = health.reduce((a, h) => a + (num(h.failed) ?? 0), 0);
        const unsynced = health.reduce((a, h) => a + (num(h.unsynced_readings) ?? 0), 0);
        const gap = Math.max(0, ...health.map((h) => num(h.longest_gap_s) ?? 0));
        if (failed > 0) row.warnings.push(`${failed} readings failed QC (7 days)`);
        if (unsynced > 0) row.warnings.push(`${unsynced} readings with an unsynchronised clock (7 days)`);
        if (gap > 3600) row.warnings.push(`gap of ${(gap / 3600).toFixed(1)} h (7 days)`);
        if (row.uptime7d !== null && row.uptime7d < 95)
          row.warnings.push(`uptime ${row.uptime7d.toFixed(0)} %`);
        if (Number.isFinite(updated) && updated - row.lastReading > DAY)
          row.warnings.push('no reading in the day before the last lake build');
      }
      return row;
    }),
  );
}

export type SortKey = 'station' | 'last_reading' | 'aqi' | 'uptime' | 'warnings';

export function sortFleet(rows: FleetRow[], sort: string | undefined): FleetRow[] {
  const desc = sort?.startsWith('-') ?? false;
  const key = (sort?.replace(/^-/, '') ?? 'station') as SortKey;
  const value = (r: FleetRow): number | string => {
    switch (key) {
      case 'last_reading':
        return r.lastReading ?? -Infinity;
      case 'aqi':
        return r.aqi ?? -Infinity;
      case 'uptime':
        return r.uptime7d ?? -Infinity;
      case 'warnings':
        return r.warnings.length;
      default:
        return r.station;
    }
  };
  const sorted = [...rows].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    const c = typeof va === 'string' ? va.localeCompare(String(vb)) : va - (vb as number);
    return c || a.station.localeCompare(b.station);
  });
  return desc ? sorted.reverse() : sorted;
}
