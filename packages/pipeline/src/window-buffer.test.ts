import { defineLakeSchema, windowOf } from '@opensensor/parquet-hive-writer';
import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeClockSynced, encodeHealth, encodeReading } from './records.js';
import { FloatWindowBuffer } from './window-buffer.js';

const schema = defineLakeSchema({
  name: 'test',
  version: 1,
  columns: ['a', 'b', 'c'].map((name) => ({ name, type: 'float' as const })),
});
const window = windowOf(Date.UTC(2026, 0, 1, 0, 0), 900);
const meta = (timestamp: number, unsynced = false) => ({ timestamp, monotonic: 1000, bootTag: 7, unsynced });

describe('FloatWindowBuffer.addToOpenWindow (a reading from its journal bytes)', () => {
  it('gives exactly the rows that decodeRecord + add give, nulls, short and long readings included', () => {
    const fast = new FloatWindowBuffer(schema);
    const slow = new FloatWindowBuffer(schema);
    const first = encodeReading([1, 2, 3], meta(window.start));
    for (const b of [fast, slow]) {
      b.start(window);
      b.add(1, decodeRecord(first) as never);
    }
    const readings = [
      [21.25, null, -3.5e-7],
      [Number.NaN, 1e30, 0],
      [5], // an older board with fewer columns: the rest are null
      [1, 2, 3, 4], // a newer one with more: the extra value is not a column here
      [Number.POSITIVE_INFINITY, -0, 1013.25],
    ];
    readings.forEach((values, i) => {
      const bytes = encodeReading(values, meta(window.start + 5000 * (i + 1) + 0.4));
      expect(fast.addToOpenWindow(i + 2, bytes)).toBe(true);
      slow.add(i + 2, decodeRecord(bytes) as never);
    });
    const a = fast.rows();
    const b = slow.rows();
    expect(a.count).toBe(6);
    expect(a.firstSeq).toBe(b.firstSeq);
    expect(a.lastSeq).toBe(b.lastSeq);
    expect(Array.from(a.rows.timestamp as Float64Array)).toEqual(
      Array.from(b.rows.timestamp as Float64Array),
    );
    for (const name of ['a', 'b', 'c'])
      expect(Array.from(a.rows.columns[name] as Float32Array)).toEqual(
        Array.from(b.rows.columns[name] as Float32Array),
      );
  });

  it('refuses what must be decoded: another window, an undated reading, other kinds, a damaged length, no open window', () => {
    const buffer = new FloatWindowBuffer(schema);
    const inWindow = encodeReading([1, 2, 3], meta(window.start + 5000));
    expect(buffer.addToOpenWindow(1, inWindow)).toBe(false); // no window open yet
    buffer.start(window);
    expect(buffer.addToOpenWindow(1, inWindow)).toBe(false); // open but empty: the first record starts it
    buffer.add(1, decodeRecord(inWindow) as never);
    expect(buffer.addToOpenWindow(2, encodeReading([1, 2, 3], meta(window.end)))).toBe(false);
    expect(buffer.addToOpenWindow(2, encodeReading([1, 2, 3], meta(window.start - 1)))).toBe(false);
    expect(buffer.addToOpenWindow(2, encodeReading([1, 2, 3], meta(window.start + 10, true)))).toBe(false);
    expect(buffer.addToOpenWindow(2, encodeHealth({ cpu: 1 }, meta(window.start + 10)))).toBe(false);
    expect(buffer.addToOpenWindow(2, encodeClockSynced(meta(window.start + 10)))).toBe(false);
    expect(buffer.addToOpenWindow(2, inWindow.subarray(0, inWindow.length - 2))).toBe(false);
    expect(buffer.count).toBe(1);
    expect(buffer.addToOpenWindow(2, inWindow)).toBe(true);
    expect(buffer.count).toBe(2);
  });
});
