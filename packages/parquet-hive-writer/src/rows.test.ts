import { describe, expect, it } from 'vitest';
import { RowsError } from './errors.js';
import { prepareColumns, rowsFromRecords } from './rows.js';
import { defineLakeSchema } from './schema.js';
import { HEALTH_SCHEMA, SENSOR_SCHEMA } from './schemas.js';
import { windowOf } from './window.js';

const w = windowOf(Date.parse('2025-05-05T12:00:00Z'), 900);
const ts = (n: number) => Array.from({ length: n }, (_, i) => w.start + i * 5000);

function rowsError(fn: () => unknown): RowsError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RowsError) return err;
    throw err;
  }
  throw new Error('expected a RowsError');
}

describe('prepareColumns', () => {
  it('hands an unmasked, finite typed array to the encoder without copying it', () => {
    const temperature = new Float32Array([20.5, 20.6, 20.7]);
    const prepared = prepareColumns(SENSOR_SCHEMA, w, { timestamp: ts(3), columns: { temperature } });
    expect(prepared.data[1]).toBe(temperature);
    expect(prepared.nonFiniteNulls).toBe(0);
  });

  it('turns a null mask into nulls and fills absent schema columns with nulls', () => {
    const prepared = prepareColumns(SENSOR_SCHEMA, w, {
      timestamp: ts(3),
      columns: {
        pressure: { values: new Float32Array([1000, 1001, 1002]), nulls: new Uint8Array([0, 1, 0]) },
      },
    });
    expect(Array.from(prepared.data[3] as ArrayLike<unknown>)).toEqual([1000, null, 1002]);
    expect(Array.from(prepared.data[1] as ArrayLike<unknown>)).toEqual([null, null, null]);
    expect(prepared.data).toHaveLength(20);
  });

  it('stores NaN, ±Infinity and values beyond FLOAT32 as null and counts them (default policy)', () => {
    const prepared = prepareColumns(SENSOR_SCHEMA, w, {
      timestamp: ts(5),
      columns: { lux: [1, Number.NaN, Number.POSITIVE_INFINITY, 1e39, null] },
    });
    expect(Array.from(prepared.data[9] as ArrayLike<unknown>)).toEqual([1, null, null, null, null]);
    expect(prepared.nonFiniteNulls).toBe(3);
  });

  it('keeps typed columns typed: nulls from the mask and from non-finite values in one mask', () => {
    const values = new Float64Array([1, Number.NaN, 3, Number.NEGATIVE_INFINITY, 5]);
    const mask = new Uint8Array([0, 0, 1, 0, 0]);
    const prepared = prepareColumns(SENSOR_SCHEMA, w, {
      timestamp: ts(5),
      columns: { lux: { values, nulls: mask }, pm1: new Float32Array([1, 2, 3, 4, 5]) },
    });
    expect(prepared.nonFiniteNulls).toBe(2);
    const lux = prepared.sources?.[9]?.typed;
    expect(lux?.values).toBe(values);
    expect(Array.from(lux?.nulls ?? [])).toEqual([0, 1, 1, 1, 0]);
    expect(Array.from(mask)).toEqual([0, 0, 1, 0, 0]); // the caller's mask is not changed
    expect(prepared.sources?.[11]?.typed).toEqual({
      values: new Float32Array([1, 2, 3, 4, 5]),
      nulls: undefined,
    });
    expect(prepared.sources?.[0]?.values).toEqual(ts(5));
    expect(Array.from(prepared.data[9] as ArrayLike<unknown>)).toEqual([1, null, null, null, 5]);
    expect(() =>
      prepareColumns(
        SENSOR_SCHEMA,
        w,
        { timestamp: ts(5), columns: { lux: { values, nulls: mask } } },
        'reject',
      ),
    ).toThrow(/lux.*row 1/);
  });

  it("rejects NaN with the row and column named under nonFinite: 'reject'", () => {
    const err = rowsError(() =>
      prepareColumns(SENSOR_SCHEMA, w, { timestamp: ts(2), columns: { lux: [1, Number.NaN] } }, 'reject'),
    );
    expect(err.code).toBe('INVALID_VALUE');
    expect(err.column).toBe('lux');
    expect(err.row).toBe(1);
  });

  it('names a column that is not in the schema', () => {
    const err = rowsError(() =>
      prepareColumns(SENSOR_SCHEMA, w, { timestamp: ts(1), columns: { co2: [1] } }),
    );
    expect(err.code).toBe('UNKNOWN_COLUMN');
    expect(err.message).toMatch(/"co2" is not in schema "enviroplus" v1/);
  });

  it('names a row whose timestamp is outside the window, at both edges', () => {
    for (const [bad, row] of [
      [w.start - 1, 0],
      [w.end, 1],
    ] as const) {
      const timestamp = row === 0 ? [bad, w.start] : [w.start, bad];
      const err = rowsError(() => prepareColumns(SENSOR_SCHEMA, w, { timestamp, columns: {} }));
      expect(err.code).toBe('ROW_OUTSIDE_WINDOW');
      expect(err.row).toBe(row);
      expect(err.message).toContain(new Date(bad).toISOString());
    }
  });

  it('rejects non-integer timestamps and columns of the wrong length', () => {
    expect(
      rowsError(() => prepareColumns(SENSOR_SCHEMA, w, { timestamp: [w.start + 0.5], columns: {} })).code,
    ).toBe('INVALID_VALUE');
    const err = rowsError(() =>
      prepareColumns(SENSOR_SCHEMA, w, { timestamp: ts(3), columns: { pm1: [1, 2] } }),
    );
    expect(err.code).toBe('COLUMN_LENGTH');
    expect(err.column).toBe('pm1');
  });

  it('checks value types per column type', () => {
    const s = defineLakeSchema({
      name: 't',
      version: 1,
      columns: [
        { name: 'i', type: 'int32' },
        { name: 'b', type: 'boolean' },
        { name: 's', type: 'string' },
        { name: 'l', type: 'int64' },
      ],
    });
    const ok = prepareColumns(s, w, {
      timestamp: ts(2),
      columns: { i: [1, null], b: [true, undefined], s: ['a', null], l: [2 ** 40, 5n] },
    });
    expect(Array.from(ok.data[2] as ArrayLike<unknown>)).toEqual([true, null]);
    expect(Array.from(ok.data[4] as ArrayLike<unknown>)).toEqual([2n ** 40n, 5n]);
    const bad: [string, unknown[]][] = [
      ['i', [1.5, 1]],
      ['i', [2 ** 31, 1]],
      ['b', ['yes', true]],
      ['s', [1, 'a']],
      ['l', [2 ** 60, 1]],
    ];
    for (const [column, values] of bad) {
      const err = rowsError(() =>
        prepareColumns(s, w, { timestamp: ts(2), columns: { [column]: values as number[] } }),
      );
      expect(err.code, column).toBe('INVALID_VALUE');
      expect(err.column).toBe(column);
      expect(err.row).toBe(0);
    }
  });
});

describe('rowsFromRecords', () => {
  it('transposes row objects and rejects unknown fields', () => {
    const rows = rowsFromRecords(HEALTH_SCHEMA, [
      { timestamp: w.start, cpu_temp_c: 50, clock_synced: true },
      { timestamp: w.start + 60_000, wifi_ssid: 'lab' },
    ]);
    expect(Array.from(rows.timestamp)).toEqual([w.start, w.start + 60_000]);
    expect(rows.columns.cpu_temp_c).toEqual([50, null]);
    expect(rows.columns.wifi_ssid).toEqual([null, 'lab']);
    expect(() => rowsFromRecords(HEALTH_SCHEMA, [{ timestamp: w.start, password: 'x' }])).toThrow(
      /"password"/,
    );
  });
});
