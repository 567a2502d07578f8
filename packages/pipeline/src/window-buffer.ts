import type { ColumnValues, LakeSchema, LakeWindow, WindowRows } from '@opensensor/parquet-hive-writer';
import {
  copyReadingValues,
  datedReadingTimestamp,
  type HealthRecord,
  RECORD_KIND,
  type ReadingRecord,
} from './records.js';

/** The records of one open window, column-oriented, with the journal seq of every row. */
export interface WindowBuffer {
  readonly window: LakeWindow | null;
  readonly count: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  start(window: LakeWindow): void;
  /** Empties the buffer after its window was written. */
  clear(): void;
  add(seq: number, record: ReadingRecord | HealthRecord): void;
  /**
   * Adds a dated reading of the open window straight from its journal bytes, without decoding it;
   * false (nothing added) for any other record, which then goes through decodeRecord and add.
   */
  addToOpenWindow?(seq: number, bytes: Uint8Array): boolean;
  /** The rows, optionally keeping only those whose seq passes `keep`. */
  rows(keep?: (seq: number) => boolean): {
    rows: WindowRows;
    firstSeq: number;
    lastSeq: number;
    count: number;
  };
}

/**
 * Readings accumulate in preallocated typed arrays (one Float32Array per column, NaN = null), grown
 * by doubling: no per-reading allocation once a window has reached its usual size.
 */
export class FloatWindowBuffer implements WindowBuffer {
  window: LakeWindow | null = null;
  count = 0;
  private seqs = new Float64Array(256);
  private timestamps = new Float64Array(256);
  private columns: Float32Array[];
  private readonly names: readonly string[];

  constructor(schema: LakeSchema) {
    this.names = schema.columns.map((c) => c.name);
    this.columns = this.names.map(() => new Float32Array(256));
  }

  get firstSeq(): number {
    return this.count > 0 ? (this.seqs[0] as number) : 0;
  }

  get lastSeq(): number {
    return this.count > 0 ? (this.seqs[this.count - 1] as number) : 0;
  }

  start(window: LakeWindow): void {
    this.window = window;
    this.count = 0;
  }

  clear(): void {
    this.window = null;
    this.count = 0;
  }

  add(seq: number, record: ReadingRecord | HealthRecord): void {
    if (record.kind !== RECORD_KIND.reading) return;
    if (this.count === this.seqs.length) this.grow();
    const i = this.count++;
    this.seqs[i] = seq;
    this.timestamps[i] = Math.round(record.timestamp);
    const n = Math.min(record.values.length, this.columns.length);
    for (let c = 0; c < this.columns.length; c++) {
      (this.columns[c] as Float32Array)[i] = c < n ? (record.values[c] as number) : Number.NaN;
    }
  }

  addToOpenWindow(seq: number, bytes: Uint8Array): boolean {
    const window = this.window;
    if (!window || this.count === 0) return false;
    const timestamp = datedReadingTimestamp(bytes);
    // NaN (not a dated reading) fails both comparisons.
    if (!(timestamp >= window.start && timestamp < window.end)) return false;
    if (this.count === this.seqs.length) this.grow();
    const i = this.count++;
    this.seqs[i] = seq;
    this.timestamps[i] = Math.round(timestamp);
    copyReadingValues(bytes, this.columns, i);
    return true;
  }

  rows(keep?: (seq: number) => boolean) {
    const idx: number[] = [];
    for (let i = 0; i < this.count; i++) if (!keep || keep(this.seqs[i] as number)) idx.push(i);
    const all = idx.length === this.count;
    const pick = <A extends Float32Array | Float64Array>(a: A): A =>
      (all
        ? a.subarray(0, this.count)
        : a.constructor === Float32Array
          ? Float32Array.from(idx, (i) => a[i] as number)
          : Float64Array.from(idx, (i) => a[i] as number)) as A;
    const columns: Record<string, Float32Array> = {};
    this.names.forEach((name, c) => {
      columns[name] = pick(this.columns[c] as Float32Array);
    });
    return {
      rows: { timestamp: pick(this.timestamps), columns },
      firstSeq: idx.length ? (this.seqs[idx[0] as number] as number) : 0,
      lastSeq: idx.length ? (this.seqs[idx[idx.length - 1] as number] as number) : 0,
      count: idx.length,
    };
  }

  private grow(): void {
    const size = this.seqs.length * 2;
    const grow64 = (a: Float64Array) => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    this.seqs = grow64(this.seqs);
    this.timestamps = grow64(this.timestamps);
    this.columns = this.columns.map((a) => {
      const b = new Float32Array(size);
      b.set(a);
      return b;
    });
  }
}

/** Health records (one a minute, mixed types) accumulate as plain arrays. */
export class ObjectWindowBuffer implements WindowBuffer {
  window: LakeWindow | null = null;
  private entries: { seq: number; ts: number; values: HealthRecord['values'] }[] = [];
  private readonly names: readonly string[];

  constructor(schema: LakeSchema) {
    this.names = schema.columns.map((c) => c.name);
  }

  get count(): number {
    return this.entries.length;
  }

  get firstSeq(): number {
    return this.entries[0]?.seq ?? 0;
  }

  get lastSeq(): number {
    return this.entries[this.entries.length - 1]?.seq ?? 0;
  }

  start(window: LakeWindow): void {
    this.window = window;
    this.entries = [];
  }

  clear(): void {
    this.window = null;
    this.entries = [];
  }

  add(seq: number, record: ReadingRecord | HealthRecord): void {
    if (record.kind !== RECORD_KIND.health) return;
    this.entries.push({ seq, ts: Math.round(record.timestamp), values: record.values });
  }

  rows(keep?: (seq: number) => boolean) {
    const kept = keep ? this.entries.filter((e) => keep(e.seq)) : this.entries;
    const columns: Record<string, ColumnValues> = {};
    // Each health column holds one type (the schema's); the writer checks every value against it.
    for (const name of this.names) columns[name] = kept.map((e) => e.values[name] ?? null) as ColumnValues;
    return {
      rows: { timestamp: kept.map((e) => e.ts), columns },
      firstSeq: kept[0]?.seq ?? 0,
      lastSeq: kept[kept.length - 1]?.seq ?? 0,
      count: kept.length,
    };
  }
}
