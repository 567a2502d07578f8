import type { Lakehouse } from './data.js';
import { ms, num } from './data.js';

/** A station's configured place (WGS 84 degrees), from gold `stations`. */
export interface Place {
  latitude: number;
  longitude: number;
}

/** Readings received in the fleet's 7-day window against those expected at the station's interval. */
export interface Uptime {
  /** 0–100: `received / expected`, at most 100. */
  pct: number;
  received: number;
  /** Null when the station has no reading in the window (its interval is unknown): uptime 0. */
  expected: number | null;
}

export interface FleetRow {
  station: string;
  /** OPENSENSOR_STATION_NAME, as the newest health record gave it. */
  name: string | null;
  place: Place | null;
  board: string | null;
  lastReading: number | null;
  aqi: number | null;
  category: string | null;
  aqiHour: number | null;
  uptime: Uptime | null;
  warnings: string[];
}

export interface Fleet {
  rows: FleetRow[];
  /** The window uptime is computed over; null when no station has a reading. */
  window: UptimeWindow | null;
}

const DAY = 86_400_000;

/**
 * The 7-day window of the fleet's uptime: from the start of the UTC day six days before the fleet's
 * newest reading, up to that reading (inclusive). It ends at the newest reading rather than at the
 * clock, so a lake built from a backfill is judged on its own last week; a station that stopped
 * reporting earlier in it loses uptime for every hour since.
 */
export interface UptimeWindow {
  start: number;
  end: number;
}

export function uptimeWindow(newestReading: number): UptimeWindow {
  return { start: Math.floor(newestReading / DAY) * DAY - 6 * DAY, end: newestReading };
}

function median(values: number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * Uptime over the whole window, days without any reading included: the readings the station's days
 * in the window received, against a reading every `interval_s` (the median of its days' usual
 * intervals) from the window's start to its end. A station with 3 days of data in a 7-day window
 * is at most 3/7, never 100 %.
 */
export function uptimeOver(
  days: readonly { day: number; received: number | null; interval_s: number | null }[],
  window: UptimeWindow,
): Uptime {
  const inWindow = days.filter((d) => d.day >= window.start && d.day <= window.end);
  const received = inWindow.reduce((a, d) => a + (d.received ?? 0), 0);
  const interval = median(inWindow.map((d) => d.interval_s).filter((v): v is number => v !== null && v > 0));
  if (interval === null) return { pct: 0, received, expected: null };
  const expected = Math.floor((window.end - window.start) / 1000 / interval) + 1;
  return { pct: Math.min(100, (100 * received) / expected), received, expected };
}

/** One row per station in the catalog, from the gold `stations`, `aqi_hourly` and `station_health_daily`. */
export async function fleetRows(lake: Lakehouse): Promise<Fleet> {
  const updated = Date.parse(lake.catalog.updated);
  const rows = await Promise.all(
    lake.stations().map(async (station): Promise<FleetRow> => {
      const row: FleetRow = {
        station,
        name: null,
        place: null,
        board: null,
        lastReading: null,
        aqi: null,
        category: null,
        aqiHour: null,
        uptime: null,
        warnings: [],
      };
      const stationsFile = lake.latest('stations', station);
      if (stationsFile) {
        const [s] = await lake.read(stationsFile);
        row.board = typeof s?.board === 'string' ? s.board : null;
        row.name = typeof s?.name === 'string' && s.name ? s.name : null;
        const latitude = num(s?.latitude);
        const longitude = num(s?.longitude);
        if (latitude !== null && longitude !== null) row.place = { latitude, longitude };
        row.lastReading = ms(s?.last_reading);
        if (s?.last_clock_synced === false)
          row.warnings.push('clock not synchronised at the last health record');
      }
      const aqiFile = lake.latest('aqi_hourly', station);
      if (aqiFile) {
        const aqiRows = await lake.read(aqiFile, ['hour', 'aqi', 'category']);
        const last = aqiRows.filter((r) => num(r.aqi) !== null).at(-1);
        if (last) {
          row.aqi = num(last.aqi);
          row.category = typeof last.category === 'string' ? last.category : null;
          row.aqiHour = ms(last.hour);
        }
      }
      return row;
    }),
  );
  const newest = Math.max(...rows.map((r) => r.lastReading ?? -Infinity));
  if (!Number.isFinite(newest)) return { rows, window: null };
  const window = uptimeWindow(newest);
  await Promise.all(
    rows.map(async (row) => {
      const health = await lake.rows(
        'station_health_daily',
        row.station,
        'day',
        window.start,
        window.end + 1,
        ['received', 'interval_s', 'failed', 'unsynced_readings', 'longest_gap_s'],
      );
      row.uptime = uptimeOver(
        health.map((h) => ({
          day: ms(h.day) as number,
          received: num(h.received),
          interval_s: num(h.interval_s),
        })),
        window,
      );
      const failed = health.reduce((a, h) => a + (num(h.failed) ?? 0), 0);
      const unsynced = health.reduce((a, h) => a + (num(h.unsynced_readings) ?? 0), 0);
      const gap = Math.max(0, ...health.map((h) => num(h.longest_gap_s) ?? 0));
      if (failed > 0) row.warnings.push(`${failed} readings failed QC (7 days)`);
      if (unsynced > 0) row.warnings.push(`${unsynced} readings with an unsynchronised clock (7 days)`);
      if (gap > 3600) row.warnings.push(`gap of ${(gap / 3600).toFixed(1)} h (7 days)`);
      if (row.uptime.pct < 95) row.warnings.push(`uptime ${row.uptime.pct.toFixed(0)} % over 7 days`);
      if (row.lastReading !== null && Number.isFinite(updated) && updated - row.lastReading > DAY)
        row.warnings.push('no reading in the day before the last lake build');
    }),
  );
  return { rows, window };
}

export type SortKey = 'station' | 'last_reading' | 'aqi' | 'uptime' | 'warnings';

/** How a station is called for people: its name, else its id. */
export function displayName(r: Pick<FleetRow, 'station' | 'name'>): string {
  return r.name ?? r.station;
}

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
        return r.uptime?.pct ?? -Infinity;
      case 'warnings':
        return r.warnings.length;
      default:
        return displayName(r);
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
