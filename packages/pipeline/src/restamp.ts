import { type PipelineRecord, RECORD_KIND } from './records.js';

export interface Sequenced<R> {
  seq: number;
  record: R;
}

export interface RestampStats {
  /** Readings re-dated after the clock synchronised. */
  restamped: number;
  /** Readings dropped because their boot ended before the clock was ever synchronised. */
  undatable: number;
}

/**
 * Consumer-side half of the `wait-for-sync` clock policy: passes records through in journal order,
 * but holds back every record from the first one taken with an unsynchronised clock until the
 * clock-synchronised marker of that boot arrives, then re-dates them from their monotonic time.
 * Order is preserved, so a consumer's cursor (the last sequence number it has finished) stays exact.
 */
export class Restamper {
  private held: Sequenced<PipelineRecord>[] = [];
  readonly stats: RestampStats = { restamped: 0, undatable: 0 };

  constructor(private readonly maxHeld = 100_000) {}

  /** Sequence number of the oldest held record, or null: a consumer may commit only below it. */
  get firstHeldSeq(): number | null {
    return this.held[0]?.seq ?? null;
  }

  get heldCount(): number {
    return this.held.length;
  }

  /** Feeds one record; returns the records now ready, in order (the marker itself is consumed). */
  push(
    seq: number,
    record: PipelineRecord,
    out: Sequenced<PipelineRecord>[] = [],
  ): Sequenced<PipelineRecord>[] {
    if (record.kind === RECORD_KIND.clockSynced) {
      this.release(record, out);
      return out;
    }
    const unsynced = record.unsynced;
    if (this.held.length === 0 && !unsynced) {
      out.push({ seq, record });
      return out;
    }
    if (!unsynced) {
      // A dated record after undated ones: those undated ones belong to an earlier boot that never
      // synchronised (a synced record of their own boot is always preceded by the marker).
      this.release(null, out);
      out.push({ seq, record });
      return out;
    }
    this.held.push({ seq, record });
    if (this.held.length > this.maxHeld) {
      this.held.shift();
      this.stats.undatable++;
    }
    return out;
  }

  private release(marker: PipelineRecord | null, out: Sequenced<PipelineRecord>[]): void {
    for (const item of this.held) {
      const r = item.record;
      if (r.kind === RECORD_KIND.clockSynced) continue;
      if (!r.unsynced) {
        out.push(item);
        continue;
      }
      if (marker && marker.bootTag === r.bootTag) {
        out.push({
          seq: item.seq,
          // Whole milliseconds: monotonic time has sub-millisecond fractions, lake timestamps do not.
          record: {
            ...r,
            unsynced: false,
            timestamp: Math.round(marker.timestamp - (marker.monotonic - r.monotonic)),
          },
        });
        this.stats.restamped++;
      } else {
        this.stats.undatable++;
      }
    }
    this.held = [];
  }
}
