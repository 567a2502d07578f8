import { join } from 'node:path';

/**
 * Where everything lives in a lakehouse directory (the contract of docs/lake.md):
 *
 * ```
 * <out>/silver/readings/station=<id>/year=YYYY/month=MM/day=DD/data.parquet
 * <out>/silver/health/station=<id>/year=YYYY/month=MM/day=DD/data.parquet
 * <out>/silver/health/station=<id>/year=YYYY/month=MM/day=DD/data.parquet
 * <out>/gold/<table>/station=<id>/year=YYYY/month=MM/data.parquet
 * <out>/gold/stations/station=<id>/data.parquet
 * <out>/catalog.json
 * <out>/_state/bronze.json          (what the jobs consumed: day folders; not part of the contract)
 * <out>/_state/bronze/station=<id>.json   (… and every file of a station)
 * ```
 */
export const GOLD_TABLES = ['hourly', 'daily', 'aqi_hourly', 'station_health_daily', 'stations'] as const;
export type GoldTable = (typeof GOLD_TABLES)[number];

/** A UTC day as `YYYY-MM-DD`, the key the jobs use for a station-day. */
export type DayKey = string;
/** A UTC month as `YYYY-MM`. */
export type MonthKey = string;

export const DAY_MS = 86_400_000;

export function dayKey(ms: number): DayKey {
  return new Date(ms).toISOString().slice(0, 10);
}

export function dayStart(day: DayKey): number {
  return Date.parse(`${day}T00:00:00Z`);
}

export function monthOf(day: DayKey): MonthKey {
  return day.slice(0, 7);
}

export function monthStart(month: MonthKey): number {
  return Date.parse(`${month}-01T00:00:00Z`);
}

export function nextMonthStart(month: MonthKey): number {
  const d = new Date(monthStart(month));
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

const parts = (day: DayKey) => ({ year: day.slice(0, 4), month: day.slice(5, 7), day: day.slice(8, 10) });

/** Silver has two tables: `readings` (the measurements, flagged) and `health` (the station's health stream). */
export type SilverTable = 'readings' | 'health';

export function silverMonthDir(out: string, table: SilverTable, station: string, month: MonthKey): string {
  return join(
    out,
    'silver',
    table,
    `station=${station}`,
    `year=${month.slice(0, 4)}`,
    `month=${month.slice(5, 7)}`,
  );
}

export function silverFile(out: string, table: SilverTable, station: string, day: DayKey): string {
  return join(silverMonthDir(out, table, station, day.slice(0, 7)), `day=${parts(day).day}`, 'data.parquet');
}

export function goldFile(out: string, table: GoldTable, station: string, month: MonthKey | null): string {
  if (table === 'stations' || month === null)
    return join(out, 'gold', table, `station=${station}`, 'data.parquet');
  return join(
    out,
    'gold',
    table,
    `station=${station}`,
    `year=${month.slice(0, 4)}`,
    `month=${month.slice(5, 7)}`,
    'data.parquet',
  );
}

export const catalogFile = (out: string) => join(out, 'catalog.json');
/** What the jobs consumed (`bronze.json`, the index of day folders, and `bronze/station=<id>.json`). */
export const stateDir = (out: string) => join(out, '_state');
export const lockFile = (out: string) => join(out, '.lock');
