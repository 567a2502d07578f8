import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeClockSynced, encodeReading, type PipelineRecord } from './records.js';
import { RESTAMP_STEP, Restamper, type Sequenced } from './restamp.js';

const reading = (ts: number, mono: number, bootTag: number, unsynced: boolean): Uint8Array =>
  encodeReading([1], { timestamp: ts, monotonic: mono, bootTag, unsynced });
const marker = (ts: number, mono: number, bootTag: number): Uint8Array =>
  encodeClockSynced({ timestamp: ts, monotonic: mono, bootTag });
const SYNC = Date.UTC(2026, 10, 27, 10, 0, 0);

/**
 * A consumer over a journal of `records` (seq = index + 1), as the lake writer and the Snowpipe task
 * drive the restamper: held records are not kept, and a rewind reads the journal again.
 */
function consume(
  r: Restamper,
  records: Uint8Array[],
  from = 1,
  /** The oldest record the journal still holds (its size bound dropped those before). */
  oldest = 1,
): { out: Sequenced<PipelineRecord>[]; reads: number } {
  const out: Sequenced<PipelineRecord>[] = [];
  let reads = 0;
  for (let seq = Math.max(from, oldest); seq <= records.length; seq++) {
    reads++;
    const bytes = records[seq - 1] as Uint8Array;
    const step = r.admit(seq, bytes);
    if (step === RESTAMP_STEP.rewind) {
      seq = Math.max(r.rewindTo, oldest) - 1;
      continue;
    }
    if (step !== RESTAMP_STEP.pass) continue;
    const record = r.date(decodeRecord(bytes));
    if (record) out.push({ seq, record });
  }
  return { out, reads };
}

describe('Restamper', () => {
  it('passes dated records straight through', () => {
    const r = new Restamper();
    const { out } = consume(r, [reading(SYNC, 1, 7, false), reading(SYNC + 5000, 5001, 7, false)]);
    expect(out.map((o) => o.seq)).toEqual([1, 2]);
    expect(r.firstHeldSeq).toBeNull();
  });

  it('holds undated readings in the journal and re-dates them from monotonic time when the marker arrives', () => {
    const r = new Restamper();
    // Taken at boot monotonic 10 s and 15 s with a 1970 wall clock; the sync is seen at mono 40 s.
    const journal = [reading(10_000, 10_000, 7, true), reading(15_000, 15_000, 7, true)];
    expect(consume(r, journal).out).toEqual([]);
    expect(r.firstHeldSeq).toBe(1);
    expect(r.heldCount).toBe(2);
    // Nothing of them is kept: the consumer reads the journal again after the marker.
    journal.push(marker(SYNC, 40_000, 7), reading(SYNC + 5000, 45_000, 7, false));
    expect(r.admit(3, journal[2] as Uint8Array)).toBe(RESTAMP_STEP.rewind);
    expect(r.rewindTo).toBe(1);
    expect(r.firstHeldSeq).toBeNull();
    const { out } = consume(r, journal, r.rewindTo);
    expect(out.map((o) => [o.seq, o.record.timestamp])).toEqual([
      [1, SYNC - 30_000],
      [2, SYNC - 25_000],
      [4, SYNC + 5000],
    ]);
    expect(out.every((o) => o.record.kind !== 2 && !o.record.unsynced)).toBe(true);
    expect(r.stats).toEqual({ restamped: 2, undatable: 0 });
  });

  it('re-dates to whole milliseconds even from fractional monotonic times', () => {
    const r = new Restamper();
    const { out } = consume(r, [reading(10_000, 10_000.377, 7, true), marker(SYNC, 40_000.912, 7)]);
    expect(out[0]?.record.timestamp).toBe(SYNC - 30_001);
    expect(Number.isInteger(out[0]?.record.timestamp)).toBe(true);
  });

  it('drops (and counts) readings of a boot that ended before the clock synchronised, as soon as another boot reads', () => {
    const r = new Restamper();
    const journal = [
      reading(10_000, 10_000, 7, true), // boot 7, never synchronised
      reading(5_000, 5_000, 8, true), // boot 8
    ];
    consume(r, journal);
    // Boot 7's reading is given up at once: the cursor may move past it.
    expect(r.stats.undatable).toBe(1);
    expect(r.firstHeldSeq).toBe(2);
    journal.push(marker(SYNC, 20_000, 8), reading(SYNC + 5_000, 25_000, 8, false));
    const { out, reads } = consume(r, journal, 3);
    expect(out.map((o) => [o.seq, o.record.timestamp])).toEqual([
      [2, SYNC - 15_000],
      [4, SYNC + 5_000],
    ]);
    // 3 (the marker), then 2 again, 3 (consumed), 4.
    expect(reads).toBe(4);
    expect(r.stats).toEqual({ restamped: 1, undatable: 1 });
  });

  it('a dated record after undated ones of another boot drops those', () => {
    const r = new Restamper();
    const { out } = consume(r, [reading(1, 1, 7, true), reading(SYNC, 2, 8, false)]);
    expect(out.map((o) => o.seq)).toEqual([2]);
    expect(r.stats.undatable).toBe(1);
  });

  it('a marker of another boot drops the held ones', () => {
    const r = new Restamper();
    const { out } = consume(r, [reading(1, 1, 7, true), marker(SYNC, 2, 8), reading(SYNC + 1, 3, 8, false)]);
    expect(out.map((o) => o.seq)).toEqual([3]);
    expect(r.stats).toEqual({ restamped: 0, undatable: 1 });
  });

  it("an undated record journaled after its boot's marker (a health probe that spanned the sync) is dated by it", () => {
    const r = new Restamper();
    const { out } = consume(r, [
      reading(10_000, 10_000, 7, true),
      marker(SYNC, 40_000, 7),
      reading(39_000, 39_000, 7, true),
      reading(SYNC + 5_000, 45_000, 7, false),
    ]);
    expect(out.map((o) => [o.seq, o.record.timestamp])).toEqual([
      [1, SYNC - 30_000],
      [3, SYNC - 1_000],
      [4, SYNC + 5_000],
    ]);
    expect(r.stats).toEqual({ restamped: 2, undatable: 0 });
  });

  it('holds any number of readings: it remembers where the run starts, not the records', () => {
    const r = new Restamper();
    const n = 250_000;
    const bytes = reading(1, 1, 7, true);
    let held = 0;
    for (let seq = 1; seq <= n; seq++) if (r.admit(seq, bytes) === RESTAMP_STEP.hold) held++;
    expect(held).toBe(n);
    expect(r.heldCount).toBe(n);
    expect(r.firstHeldSeq).toBe(1);
    expect(r.stats.undatable).toBe(0);
  });

  it('reset forgets the run and a replay (the consumer starts again from its cursor) and keeps the counts', () => {
    const r = new Restamper();
    consume(r, [reading(1, 1, 7, true), reading(2, 2, 8, true)]);
    r.reset();
    expect(r.firstHeldSeq).toBeNull();
    expect(r.stats.undatable).toBe(1);
  });

  it('counts as undatable only the held records the journal still holds, not those its bound dropped (counted by the journal)', () => {
    const r = new Restamper();
    const journal = [1, 2, 3, 4].map((i) => reading(i, i, 7, true)); // boot 7, never synchronised
    expect(consume(r, journal).out).toEqual([]);
    expect(r.firstHeldSeq).toBe(1);
    // The journal's bound drops records 1 and 2 while they wait; then boot 8 reads.
    journal.push(reading(5, 5, 8, true), marker(SYNC, 10, 8));
    const { out } = consume(r, journal, 5, 3);
    expect(r.stats.undatable).toBe(2);
    expect(out.map((o) => o.seq)).toEqual([5]);
    expect(r.stats.restamped).toBe(1);
  });
});
