import { describe, expect, it } from 'vitest';
import { type PipelineRecord, RECORD_KIND } from './records.js';
import { Restamper, type Sequenced } from './restamp.js';

const reading = (ts: number, mono: number, bootTag: number, unsynced: boolean): PipelineRecord => ({
  kind: RECORD_KIND.reading,
  unsynced,
  bootTag,
  timestamp: ts,
  monotonic: mono,
  values: new Float32Array([1]),
});
const marker = (ts: number, mono: number, bootTag: number): PipelineRecord => ({
  kind: RECORD_KIND.clockSynced,
  timestamp: ts,
  monotonic: mono,
  bootTag,
});
const SYNC = Date.UTC(2026, 10, 27, 10, 0, 0);

function feed(r: Restamper, records: PipelineRecord[]): Sequenced<PipelineRecord>[] {
  const out: Sequenced<PipelineRecord>[] = [];
  for (const [i, rec] of records.entries()) r.push(i + 1, rec, out);
  return out;
}

describe('Restamper', () => {
  it('passes dated records straight through', () => {
    const r = new Restamper();
    const out = feed(r, [reading(SYNC, 1, 7, false), reading(SYNC + 5000, 5001, 7, false)]);
    expect(out.map((o) => o.seq)).toEqual([1, 2]);
    expect(r.firstHeldSeq).toBeNull();
  });

  it('holds undated readings and re-dates them from monotonic time when the marker arrives', () => {
    const r = new Restamper();
    // Taken at boot monotonic 10 s and 15 s with a 1970 wall clock; the sync is seen at mono 40 s.
    const out = feed(r, [reading(10_000, 10_000, 7, true), reading(15_000, 15_000, 7, true)]);
    expect(out).toEqual([]);
    expect(r.firstHeldSeq).toBe(1);
    const released = r.push(3, marker(SYNC, 40_000, 7));
    expect(released.map((o) => [o.seq, o.record.timestamp])).toEqual([
      [1, SYNC - 30_000],
      [2, SYNC - 25_000],
    ]);
    expect(released.every((o) => o.record.kind === RECORD_KIND.reading && !o.record.unsynced)).toBe(true);
    expect(r.stats).toEqual({ restamped: 2, undatable: 0 });
    expect(r.firstHeldSeq).toBeNull();
  });

  it('re-dates to whole milliseconds even from fractional monotonic times', () => {
    const r = new Restamper();
    r.push(1, reading(10_000, 10_000.377, 7, true));
    const out = r.push(2, marker(SYNC, 40_000.912, 7));
    expect(out[0]?.record.timestamp).toBe(SYNC - 30_001);
    expect(Number.isInteger(out[0]?.record.timestamp)).toBe(true);
  });

  it('drops (and counts) readings of a boot that ended before the clock synchronised', () => {
    const r = new Restamper();
    const out = feed(r, [
      reading(10_000, 10_000, 7, true), // boot 7, never synchronised
      reading(5_000, 5_000, 8, true), // boot 8
      marker(SYNC, 20_000, 8),
      reading(SYNC + 5_000, 25_000, 8, false),
    ]);
    expect(out.map((o) => [o.seq, o.record.timestamp])).toEqual([
      [2, SYNC - 15_000],
      [4, SYNC + 5_000],
    ]);
    expect(r.stats).toEqual({ restamped: 1, undatable: 1 });
  });

  it('a dated record after undated ones of another boot releases and drops those', () => {
    const r = new Restamper();
    const out = feed(r, [reading(1, 1, 7, true), reading(SYNC, 2, 8, false)]);
    expect(out.map((o) => o.seq)).toEqual([2]);
    expect(r.stats.undatable).toBe(1);
  });

  it('bounds what it holds, counting what it had to give up', () => {
    const r = new Restamper(3);
    feed(
      r,
      [1, 2, 3, 4, 5].map((i) => reading(i, i, 7, true)),
    );
    expect(r.heldCount).toBe(3);
    expect(r.firstHeldSeq).toBe(3);
    expect(r.stats.undatable).toBe(2);
  });
});
