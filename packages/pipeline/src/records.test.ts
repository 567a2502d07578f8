import { describe, expect, it } from 'vitest';
import {
  decodeRecord,
  encodeClockSynced,
  encodeHealth,
  encodeReading,
  RecordFormatError,
} from './records.js';

describe('journal records', () => {
  it('writes every byte of a record: the same record whatever the shared pool held before', () => {
    const meta = { timestamp: 1_790_000_000_000, monotonic: 5, bootTag: 7, unsynced: false };
    const encodeAll = () => [
      encodeReading([1.5, null, 3], meta),
      encodeClockSynced(meta),
      encodeHealth({ cpu_temp_c: 48.5, wifi_ssid: null }, meta),
    ];
    const fresh = encodeAll().map((b) => Array.from(b));
    // Fill Node's allocation pool with 0xff, then encode the same records from it again.
    for (let i = 0; i < 200; i++) Buffer.allocUnsafe(64).fill(0xff);
    const again = encodeAll().map((b) => Array.from(b));
    expect(again).toEqual(fresh);
    // Bytes 2–3 (reserved) are 0, as docs/buffer.md's layout says.
    for (const bytes of again) expect(bytes.slice(2, 4)).toEqual([0, 0]);
  });

  it('round-trips a reading with nulls as NaN in 24 + 4n bytes', () => {
    const bytes = encodeReading([21.5, null, 1013.25, undefined], {
      timestamp: Date.UTC(2026, 10, 27, 9, 0, 5),
      monotonic: 12345.5,
      bootTag: 0xdeadbeef,
      unsynced: true,
    });
    expect(bytes.length).toBe(24 + 16);
    const r = decodeRecord(bytes);
    if (r.kind !== 1) throw new Error('expected a reading');
    expect(r.unsynced).toBe(true);
    expect(r.bootTag).toBe(0xdeadbeef);
    expect(r.timestamp).toBe(Date.UTC(2026, 10, 27, 9, 0, 5));
    expect(r.monotonic).toBe(12345.5);
    expect(r.values[0]).toBe(21.5);
    expect(r.values[1]).toBeNaN();
    expect(r.values[2]).toBeCloseTo(1013.25, 2);
    expect(r.values[3]).toBeNaN();
  });

  it('round-trips clock markers and health records', () => {
    expect(decodeRecord(encodeClockSynced({ timestamp: 5, monotonic: 6, bootTag: 7 }))).toEqual({
      kind: 2,
      timestamp: 5,
      monotonic: 6,
      bootTag: 7,
    });
    const h = decodeRecord(
      encodeHealth(
        { cpu_temp_c: 48.2, wifi_ssid: 'home', clock_synced: true, battery_percent: null },
        {
          timestamp: 1,
          monotonic: 2,
          bootTag: 3,
          unsynced: false,
        },
      ),
    );
    expect(h).toMatchObject({
      kind: 3,
      unsynced: false,
      values: { cpu_temp_c: 48.2, wifi_ssid: 'home', clock_synced: true, battery_percent: null },
    });
  });

  it('rejects bytes that are not a pipeline record', () => {
    expect(() => decodeRecord(new Uint8Array(3))).toThrow(RecordFormatError);
    const bad = encodeClockSynced({ timestamp: 0, monotonic: 0, bootTag: 0 });
    bad[0] = 9;
    expect(() => decodeRecord(bad)).toThrow(/unknown record kind 9/);
  });
});
