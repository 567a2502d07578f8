import { RowsError } from './errors.js';
import { type LakeColumn, type LakeSchema, TIMESTAMP_COLUMN } from './schema.js';
import type { LakeWindow } from './window.js';

/** Numeric typed arrays a pipeline can accumulate a window in without per-reading allocation. */
export type NumericTypedArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array;

/**
 * A numeric column kept as a typed array plus a null mask: `nulls[i] !== 0` means row `i` is null and
 * `values[i]` is ignored. This is the cheapest form for a pipeline that preallocates a window.
 */
export interface MaskedColumn {
  readonly values: NumericTypedArray;
  readonly nulls: Uint8Array;
}

/**
 * Values of one column, one entry per row. Numbers for float/double/int32/timestamp-ms, numbers or
 * bigints for int64, strings for string, booleans for boolean; `null` (or `undefined`) for a missing value.
 */
export type ColumnValues =
  | NumericTypedArray
  | MaskedColumn
  | ArrayLike<number | null | undefined>
  | ArrayLike<bigint | number | null | undefined>
  | ArrayLike<string | null | undefined>
  | ArrayLike<boolean | null | undefined>;

/**
 * The rows of one window, column-oriented. `timestamp` (epoch ms, UTC) sets the row count; a schema
 * column left out of `columns` is written as all nulls, a name not in the schema is an error.
 */
export interface WindowRows {
  readonly timestamp: ArrayLike<number>;
  readonly columns: Readonly<Record<string, ColumnValues | undefined>>;
}

/**
 * What to do with NaN, ±Infinity (and doubles beyond FLOAT32 range in `float` columns):
 * `null` stores a null and counts it (a sensor glitch must not cost the whole window, and NaN would
 * poison every aggregate in a query); `reject` throws a `RowsError`.
 */
export type NonFinitePolicy = 'null' | 'reject';

/** A numeric column as typed values plus the rows that are null (`nulls[i] !== 0`); no mask: none. */
export interface TypedColumn {
  readonly values: NumericTypedArray;
  readonly nulls: Uint8Array | undefined;
}

/** Column data ready for an encoder: one array per column of `schema.allColumns`, same order. */
export interface PreparedColumns {
  readonly rowCount: number;
  /** Values with `null` for missing ones. */
  readonly data: readonly ArrayLike<unknown>[];
  /** Values turned into nulls under the `null` non-finite policy. */
  readonly nonFiniteNulls: number;
  /**
   * The same columns as they came in: FLOAT/DOUBLE columns given as typed arrays stay `typed` (values
   * plus a null mask), the others are `values` as in `data`. An encoder that reads these skips the
   * per-value arrays `data` needs for typed columns, which are built only when `data` is first read.
   */
  readonly sources?: readonly PreparedSource[];
}

export type PreparedSource =
  | { readonly typed: TypedColumn; readonly values?: undefined }
  | { readonly typed?: undefined; readonly values: ArrayLike<unknown> };

const FLOAT32_MAX = 3.4028234663852886e38;

function isMasked(v: ColumnValues): v is MaskedColumn {
  return typeof v === 'object' && v !== null && 'nulls' in v && 'values' in v && !ArrayBuffer.isView(v);
}

function describe(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}

/**
 * Validate `rows` against the schema and window and turn them into encoder input, copying a column only
 * when it has to change (nulls from a mask, non-finite values, int64 to bigint).
 */
export function prepareColumns(
  schema: LakeSchema,
  window: LakeWindow,
  rows: WindowRows,
  nonFinite: NonFinitePolicy = 'null',
): PreparedColumns {
  if (rows === null || typeof rows !== 'object' || rows.timestamp === undefined) {
    throw new RowsError('COLUMN_LENGTH', 'rows must be { timestamp: number[], columns: { name: values } }', {
      column: TIMESTAMP_COLUMN,
    });
  }
  const ts = rows.timestamp;
  const n = ts.length;
  for (let i = 0; i < n; i++) {
    const t = ts[i] as number;
    if (typeof t !== 'number' || !Number.isInteger(t)) {
      throw new RowsError(
        'INVALID_VALUE',
        `timestamp of row ${i} is ${describe(t)}: every row needs an integer epoch-millisecond timestamp`,
        { column: TIMESTAMP_COLUMN, row: i },
      );
    }
    if (t < window.start || t >= window.end) {
      throw new RowsError(
        'ROW_OUTSIDE_WINDOW',
        `row ${i} has timestamp ${new Date(t).toISOString()}, outside the window ` +
          `${new Date(window.start).toISOString()}–${new Date(window.end).toISOString()}: split rows with windowOf() before writing`,
        { column: TIMESTAMP_COLUMN, row: i },
      );
    }
  }
  for (const name of Object.keys(rows.columns ?? {})) {
    if (!schema.columnIndex.has(name)) {
      throw new RowsError(
        'UNKNOWN_COLUMN',
        `column "${name}" is not in schema "${schema.name}" v${schema.version}: add it to the schema (a new version) or drop it`,
        { column: name },
      );
    }
  }
  const sources: PreparedSource[] = [{ values: ts }];
  let nonFiniteNulls = 0;
  for (const column of schema.columns) {
    const input = rows.columns?.[column.name];
    if (input === undefined || input === null) {
      sources.push({ values: new Array<null>(n).fill(null) });
      continue;
    }
    const prepared = prepareColumn(column, input, n, nonFinite);
    nonFiniteNulls += prepared.nonFiniteNulls;
    sources.push(prepared);
  }
  let data: ArrayLike<unknown>[] | undefined;
  return {
    rowCount: n,
    nonFiniteNulls,
    sources,
    get data() {
      data ??= sources.map((s) => (s.typed ? withNulls(s.typed) : s.values));
      return data;
    },
  };
}

/** A typed column as values with `null` where masked (the typed array itself when nothing is). */
function withNulls({ values, nulls }: TypedColumn): ArrayLike<number | null> {
  if (!nulls) return values;
  return Array.from(values, (v, i) => (nulls[i] !== 0 ? null : v));
}

function prepareColumn(
  column: LakeColumn,
  input: ColumnValues,
  n: number,
  nonFinite: NonFinitePolicy,
): PreparedSource & { nonFiniteNulls: number } {
  const masked = isMasked(input) ? input : undefined;
  const values = (masked ? masked.values : input) as ArrayLike<unknown>;
  if (values.length !== n || (masked && masked.nulls.length !== n)) {
    throw new RowsError(
      'COLUMN_LENGTH',
      `column "${column.name}" has ${masked && masked.nulls.length !== n ? `a null mask of ${masked.nulls.length}` : values.length} entries but there are ${n} timestamps: every column needs one entry per row`,
      { column: column.name },
    );
  }
  const invalid = (row: number, v: unknown, expected: string) =>
    new RowsError(
      'INVALID_VALUE',
      `column "${column.name}" (${column.type}) row ${row}: ${describe(v)} is not ${expected}`,
      { column: column.name, row },
    );
  const isNull = (i: number) =>
    masked ? masked.nulls[i] !== 0 : values[i] === null || values[i] === undefined;

  switch (column.type) {
    case 'float':
    case 'double': {
      const limit = column.type === 'float' ? FLOAT32_MAX : Number.MAX_VALUE;
      if (ArrayBuffer.isView(values)) {
        // Typed values stay typed: nulls go to a mask, made only when a row is null.
        const typedValues = values as NumericTypedArray;
        const mask = masked?.nulls;
        let nulls: Uint8Array | undefined;
        let nonFiniteNulls = 0;
        for (let i = 0; i < n; i++) {
          if (mask !== undefined && mask[i] !== 0) {
            nulls ??= new Uint8Array(n);
            nulls[i] = 1;
            continue;
          }
          const v = typedValues[i] as number;
          if (Number.isNaN(v) || Math.abs(v) > limit) {
            if (nonFinite === 'reject')
              throw invalid(i, v, `a finite ${column.type === 'float' ? 'FLOAT32' : 'DOUBLE'}`);
            nonFiniteNulls++;
            nulls ??= new Uint8Array(n);
            nulls[i] = 1;
          }
        }
        return { typed: { values: typedValues, nulls }, nonFiniteNulls };
      }
      // Copy lazily: the common case (no mask, all finite) hands the caller's array to the encoder as is.
      let out: (number | null)[] | undefined;
      let nonFiniteNulls = 0;
      for (let i = 0; i < n; i++) {
        if (isNull(i)) {
          if (!out) out = copyPrefix(values, i);
          out[i] = null;
          continue;
        }
        const v = values[i];
        if (typeof v !== 'number') throw invalid(i, v, 'a number');
        if (Number.isNaN(v) || Math.abs(v) > limit) {
          if (nonFinite === 'reject')
            throw invalid(i, v, `a finite ${column.type === 'float' ? 'FLOAT32' : 'DOUBLE'}`);
          nonFiniteNulls++;
          if (!out) out = copyPrefix(values, i);
          out[i] = null;
          continue;
        }
        if (out) out[i] = v;
      }
      return { values: out ?? values, nonFiniteNulls };
    }
    case 'int32':
    case 'timestamp-ms': {
      let out: (number | null)[] | undefined;
      for (let i = 0; i < n; i++) {
        if (isNull(i)) {
          if (!out) out = copyPrefix(values, i);
          out[i] = null;
          continue;
        }
        const v = values[i];
        const ok =
          typeof v === 'number' &&
          Number.isInteger(v) &&
          (column.type === 'int32' ? v >= -2147483648 && v <= 2147483647 : Number.isSafeInteger(v));
        if (!ok)
          throw invalid(i, v, column.type === 'int32' ? 'an INT32 integer' : 'integer epoch milliseconds');
        if (out) out[i] = v;
      }
      return { values: out ?? values, nonFiniteNulls: 0 };
    }
    case 'int64': {
      const out = new Array<bigint | null>(n);
      for (let i = 0; i < n; i++) {
        if (isNull(i)) {
          out[i] = null;
          continue;
        }
        const v = values[i];
        if (typeof v === 'bigint') {
          if (v < -(2n ** 63n) || v >= 2n ** 63n) throw invalid(i, v, 'within INT64');
          out[i] = v;
        } else if (typeof v === 'number' && Number.isSafeInteger(v)) {
          out[i] = BigInt(v);
        } else {
          throw invalid(i, v, 'a safe integer or bigint');
        }
      }
      return { values: out, nonFiniteNulls: 0 };
    }
    case 'boolean':
    case 'string': {
      if (masked) throw invalid(0, '(masked typed array)', `a ${column.type} array`);
      let out: unknown[] | undefined;
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v === undefined) {
          if (!out) out = copyPrefix(values, i);
          out[i] = null;
          continue;
        }
        if (v !== null && typeof v !== column.type) throw invalid(i, v, `a ${column.type}`);
        if (out) out[i] = v;
      }
      return { values: out ?? values, nonFiniteNulls: 0 };
    }
  }
}

function copyPrefix<T>(values: ArrayLike<unknown>, upTo: number): (T | null)[] {
  const out = new Array<T | null>(values.length);
  for (let i = 0; i < upTo; i++) out[i] = values[i] as T;
  return out;
}

/**
 * Convenience for callers that hold row objects (`{ timestamp, temperature, … }`): transposes them into
 * `WindowRows`. The hot path of a pipeline should fill columns directly instead.
 */
export function rowsFromRecords(
  schema: LakeSchema,
  records: readonly Readonly<Record<string, unknown>>[],
): WindowRows {
  const n = records.length;
  const timestamp = new Array<number>(n);
  const columns: Record<string, unknown[]> = {};
  for (const c of schema.columns) columns[c.name] = new Array<unknown>(n).fill(null);
  for (let i = 0; i < n; i++) {
    const record = records[i] as Readonly<Record<string, unknown>>;
    for (const key of Object.keys(record)) {
      if (key === TIMESTAMP_COLUMN) continue;
      const target = columns[key];
      if (!target) {
        throw new RowsError(
          'UNKNOWN_COLUMN',
          `record ${i} has field "${key}", which is not in schema "${schema.name}" v${schema.version}`,
          { column: key, row: i },
        );
      }
      target[i] = record[key] ?? null;
    }
    timestamp[i] = record[TIMESTAMP_COLUMN] as number;
  }
  return { timestamp, columns: columns as Record<string, ColumnValues> };
}
