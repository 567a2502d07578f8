import { decompress as decompressZstd } from 'fzstd';
import {
  type AsyncBuffer,
  asyncBufferFromUrl,
  type Compressors,
  type FileMetaData,
  parquetMetadataAsync,
  parquetReadObjects,
} from 'hyparquet';
import { gunzip } from 'hyparquet-compressors/src/gzip.js';

/**
 * The lake writes zstd (snappy is built into hyparquet); gzip costs little. Only these two decoders
 * are bundled, imported from their own modules: the package's index would also bring brotli, LZ4 and
 * a snappy WebAssembly that it compiles as the app starts (about 50 ms before the first chart on a
 * busy 2-core machine), and with every decoder the app would be twice the size.
 */
const compressors: Compressors = {
  ZSTD: (input, outputLength) => decompressZstd(input, new Uint8Array(outputLength)),
  GZIP: (input, outputLength) => gunzip(input, new Uint8Array(outputLength)),
};

/** One entry of the lakehouse's catalog.json (docs/lake.md). */
export interface CatalogFile {
  path: string;
  layer: 'silver' | 'gold';
  table: string;
  station: string;
  start: string;
  end: string;
  rows: number;
  bytes: number;
}

export interface Catalog {
  version: number;
  updated: string;
  files: CatalogFile[];
}

export type Row = Record<string, unknown>;

/** Files up to this size are fetched whole in one request: fewer round trips than footer + columns. */
const WHOLE_FILE_BYTES = 256 * 1024;

/**
 * The one data-access layer: finds files through the catalog (a bucket is never listed) and reads
 * their columns with HTTP Range requests (footer first, then only the column chunks asked for).
 */
export class Lakehouse {
  private readonly cache = new Map<string, Promise<Row[]>>();
  private readonly metadataCache = new Map<string, Promise<FileMetaData>>();
  private readonly buffers = new Map<string, Promise<AsyncBuffer>>();

  constructor(
    readonly base: string,
    readonly catalog: Catalog,
  ) {}

  /** Reads `catalog.json` under `base`, or takes the response of a fetch of it already under way. */
  static async open(base: string, catalog?: Promise<Response>): Promise<Lakehouse> {
    const url = new URL('catalog.json', base).href;
    const res = await (catalog ?? fetch(url, { cache: 'no-cache' }));
    if (!res.ok)
      throw new Error(`${url}: HTTP ${res.status}; is this a lakehouse built by "opensensor lake build"?`);
    return new Lakehouse(base, (await res.json()) as Catalog);
  }

  stations(): string[] {
    return [...new Set(this.catalog.files.map((f) => f.station))].sort();
  }

  /** Files of a table for a station that overlap [start, end). */
  files(table: string, station: string, start = -Infinity, end = Infinity): CatalogFile[] {
    return this.catalog.files
      .filter(
        (f) =>
          f.table === table &&
          f.station === station &&
          Date.parse(f.start) < end &&
          Date.parse(f.end) > start,
      )
      .sort((a, b) => a.start.localeCompare(b.start));
  }

  /** The newest file of a table for a station. */
  latest(table: string, station: string): CatalogFile | undefined {
    return this.files(table, station).at(-1);
  }

  private url(file: CatalogFile): string {
    return new URL(file.path, this.base).href;
  }

  /**
   * A file's bytes: small files (every gold file) in one request, kept for every later read; larger
   * ones (silver days) through Range requests for the footer and then only the columns asked for.
   */
  private buffer(file: CatalogFile): Promise<AsyncBuffer> {
    const key = `${file.path}|${file.bytes}`;
    let p = this.buffers.get(key);
    if (!p) {
      const url = this.url(file);
      p =
        file.bytes <= WHOLE_FILE_BYTES
          ? fetch(url).then(async (res) => {
              if (!res.ok) throw new Error(`${file.path}: HTTP ${res.status}`);
              const bytes = await res.arrayBuffer();
              return {
                byteLength: bytes.byteLength,
                slice: (start: number, end?: number) => bytes.slice(start, end),
              };
            })
          : asyncBufferFromUrl({ url, byteLength: file.bytes });
      p.catch(() => this.buffers.delete(key));
      this.buffers.set(key, p);
    }
    return p;
  }

  /** A file's footer, parsed once: every later read of the file reuses it. */
  private metadata(file: CatalogFile): Promise<FileMetaData> {
    const key = `${file.path}|${file.bytes}`;
    let p = this.metadataCache.get(key);
    if (!p) {
      p = this.buffer(file).then((buffer) => parquetMetadataAsync(buffer));
      p.catch(() => this.metadataCache.delete(key));
      this.metadataCache.set(key, p);
    }
    return p;
  }

  /** Column names of a file (footer only). */
  async columns(file: CatalogFile): Promise<string[]> {
    return (await this.metadata(file)).schema.slice(1).map((s) => s.name);
  }

  /** Reads the given columns of one file (every column when `columns` is omitted; missing ones stay undefined). */
  read(file: CatalogFile, columns?: readonly string[]): Promise<Row[]> {
    const key = `${file.path}|${file.bytes}|${columns?.join(',') ?? '*'}`;
    let p = this.cache.get(key);
    if (!p) {
      p = (async () => {
        const [buffer, metadata] = await Promise.all([this.buffer(file), this.metadata(file)]);
        // A column the file lacks (written by an older lake build) is left undefined in the rows.
        const present = new Set(metadata.schema.slice(1).map((s) => s.name));
        return (await parquetReadObjects({
          file: buffer,
          metadata,
          compressors,
          ...(columns ? { columns: columns.filter((c) => present.has(c)) } : {}),
        })) as Row[];
      })();
      p.catch(() => this.cache.delete(key));
      this.cache.set(key, p);
    }
    return p;
  }

  /** Rows of a table for a station whose `timeColumn` falls in [start, end), in time order. */
  async rows(
    table: string,
    station: string,
    timeColumn: string,
    start: number,
    end: number,
    columns?: readonly string[],
  ): Promise<Row[]> {
    const cols = columns ? [timeColumn, ...columns.filter((c) => c !== timeColumn)] : undefined;
    const parts = await Promise.all(this.files(table, station, start, end).map((f) => this.read(f, cols)));
    return parts.flat().filter((r) => {
      const t = ms(r[timeColumn]);
      return t !== null && t >= start && t < end;
    });
  }
}

/** A Parquet TIMESTAMP (hyparquet gives a Date) in ms. */
export function ms(v: unknown): number | null {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') return Date.parse(v);
  return null;
}

/** A number or null (Parquet INT64 comes as bigint). */
export function num(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'bigint') return Number(v);
  return null;
}

/** Station id → configured name, from rows of gold `stations` (stations without a name left out). */
export function stationNames(rows: readonly (Row | undefined)[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const r of rows)
    if (typeof r?.station === 'string' && typeof r.name === 'string' && r.name) names.set(r.station, r.name);
  return names;
}
