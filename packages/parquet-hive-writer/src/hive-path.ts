import { join } from 'node:path';
import { LakeOptionsError, StationIdError } from './errors.js';
import type { LakeWindow } from './window.js';

/** The two file streams of the lake: readings (`data_*`) and station health (`health_*`). */
export type LakeFilePrefix = 'data' | 'health';

const STATION_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Throws a `StationIdError` unless `station` is safe as one `station=<id>` path segment. */
export function assertStationId(station: string): void {
  if (typeof station !== 'string' || station.length === 0) {
    throw new StationIdError(String(station), 'is empty');
  }
  if (station.includes('/') || station.includes('\\')) {
    throw new StationIdError(station, 'contains a path separator');
  }
  if (station.includes('..')) throw new StationIdError(station, 'contains ".."');
  if (!STATION_ID.test(station)) throw new StationIdError(station, 'has characters a lake path cannot hold');
}

function assertPrefix(prefix: string): asserts prefix is LakeFilePrefix {
  if (prefix !== 'data' && prefix !== 'health') {
    throw new LakeOptionsError(`file prefix ${JSON.stringify(prefix)} must be "data" or "health"`);
  }
}

/**
 * File name of a window: `<prefix>_<HHMM>.parquet`, or `<prefix>_<HHMM>_<firstSeq>.parquet` for a second,
 * different batch of a window whose plain name is taken (the suffix rule shared with @opensensor/s3-sync).
 */
export function lakeFileName(
  window: LakeWindow,
  prefix: LakeFilePrefix = 'data',
  suffixSeq?: bigint,
): string {
  assertPrefix(prefix);
  return suffixSeq === undefined
    ? `${prefix}_${window.hhmm}.parquet`
    : `${prefix}_${window.hhmm}_${suffixSeq}.parquet`;
}

export interface PartitionDirOptions {
  /** Lake root, e.g. `output` (data) or `output-health` (health). */
  root: string;
  station: string;
  window: LakeWindow;
}

/** `<root>/station=<id>/year=YYYY/month=MM/day=DD` */
export function partitionDir({ root, station, window }: PartitionDirOptions): string {
  if (typeof root !== 'string' || root.length === 0) {
    throw new LakeOptionsError('root must be a non-empty directory path');
  }
  assertStationId(station);
  const { year, month, day } = window.partition;
  return join(root, `station=${station}`, `year=${year}`, `month=${month}`, `day=${day}`);
}

export interface HivePathOptions extends PartitionDirOptions {
  prefix?: LakeFilePrefix;
  /** Set only for a suffixed file (see `lakeFileName`). */
  suffixSeq?: bigint;
}

/** `<root>/station=<id>/year=YYYY/month=MM/day=DD/<prefix>_<HHMM>[_<firstSeq>].parquet` */
export function hivePath(options: HivePathOptions): string {
  return join(
    partitionDir(options),
    lakeFileName(options.window, options.prefix ?? 'data', options.suffixSeq),
  );
}

/** What a lake file name says about itself. */
export interface LakeFileName {
  prefix: LakeFilePrefix;
  hhmm: string;
  /** Present on suffixed files only. */
  suffixSeq?: bigint;
}

/** Matches finished lake files only; temp files (`.….tmp`) never match. */
export const LAKE_FILE_NAME = /^(data|health)_([01]\d|2[0-3])([0-5]\d)(?:_(\d{1,20}))?\.parquet$/;

/** Parses `data_0915.parquet` / `health_0000_1234.parquet`; `undefined` for anything else. */
export function parseLakeFileName(name: string): LakeFileName | undefined {
  const m = LAKE_FILE_NAME.exec(name);
  if (!m) return undefined;
  const parsed: LakeFileName = { prefix: m[1] as LakeFilePrefix, hhmm: `${m[2]}${m[3]}` };
  if (m[4] !== undefined) parsed.suffixSeq = BigInt(m[4]);
  return parsed;
}

/** The partition folders of a lake path, outermost first: `station=<id>/year=YYYY/month=MM/day=DD`. */
export type PartitionLevel = 'station' | 'year' | 'month' | 'day';

const PARTITION_DIR: Record<PartitionLevel, RegExp> = {
  station: /^station=(.+)$/,
  year: /^year=(\d{4})$/,
  month: /^month=(0[1-9]|1[0-2])$/,
  day: /^day=(0[1-9]|[12]\d|3[01])$/,
};

/**
 * The value of a partition folder name as the writer names it (`month=06` → `06`), or `undefined`
 * when the name is not one: unpadded or out-of-range dates, a station id `assertStationId` refuses.
 */
export function parsePartitionDirName(level: PartitionLevel, name: string): string | undefined {
  const value = PARTITION_DIR[level].exec(name)?.[1];
  if (value === undefined) return undefined;
  if (level === 'station' && (!STATION_ID.test(value) || value.includes('..'))) return undefined;
  return value;
}

/** What a lake path relative to its root says about itself. */
export interface LakePath {
  station: string;
  /** UTC partition date, as in the folder names (`2025`, `06`, `01`). */
  year: string;
  month: string;
  day: string;
  file: LakeFileName;
}

/**
 * Parses `station=<id>/year=YYYY/month=MM/day=DD/<prefix>_<HHMM>[_<firstSeq>].parquet` (with `/`
 * separators, relative to the lake root): the paths `hivePath` writes. `undefined` for anything else,
 * temp files included.
 */
export function parseLakePath(relativePath: string): LakePath | undefined {
  const parts = relativePath.split('/');
  if (parts.length !== 5) return undefined;
  const [s, y, m, d, name] = parts as [string, string, string, string, string];
  const station = parsePartitionDirName('station', s);
  const year = parsePartitionDirName('year', y);
  const month = parsePartitionDirName('month', m);
  const day = parsePartitionDirName('day', d);
  const file = parseLakeFileName(name);
  if (station === undefined || year === undefined || month === undefined || day === undefined || !file)
    return undefined;
  return { station, year, month, day, file };
}

/** Temp files are hidden (leading dot) and end in `.tmp`, so globs, DuckDB and the uploader skip them. */
export function isTempFileName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}
