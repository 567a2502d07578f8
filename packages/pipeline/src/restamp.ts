import {
  decodeRecord,
  type PipelineRecord,
  RECORD_KIND,
  recordBootTag,
  recordKind,
  recordUnsynced,
} from './records.js';

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

/** What a consumer does with a record, decided from its header before it is decoded. */
export const RESTAMP_STEP = {
  /** Decode it and hand it on through {@link Restamper.date} (which re-dates it during a replay). */
  pass: 0,
  /** Undated: leave it in the journal (the cursor stays before it); it is read again once it can be dated. */
  hold: 1,
  /** Consumed (a clock marker): nothing to hand on. */
  skip: 2,
  /**
   * Read the journal again from {@link Restamper.rewindTo}: after the marker that dates the held
   * records (they come back re-dated), or after the record that shows they cannot be dated (they come
   * back to be counted and dropped by {@link Restamper.date}).
   */
  rewind: 3,
} as const;
export type RestampStep = (typeof RESTAMP_STEP)[keyof typeof RESTAMP_STEP];

/**
 * Consumer-side half of the `wait-for-sync` clock policy (docs/clock.md), journal-backed: records
 * taken before the clock was synchronised are not kept in memory. The consumer's cursor stays before
 * the first of them, so they wait in the journal — across restarts and for as long as the journal's
 * size bound allows — and the restamper remembers only where that run starts, its boot and how long
 * it is. When the marker of that boot arrives, the consumer reads the journal again from the start of
 * the run and the restamper re-dates each record from its monotonic time on the way through; then the
 * marker is consumed and reading goes on after it. Order is preserved, so a consumer's cursor (the
 * last sequence number it has finished) stays exact, and a record is decoded once, as before.
 *
 * A run ends undatable (dropped and counted, never given a guessed date) when a record of another boot,
 * a dated record or a marker of another boot follows it: its boot ended before the clock synchronised.
 * It is read again to be counted, so that records the journal's size bound dropped meanwhile (counted
 * by the journal) are not counted a second time as undatable.
 */
export class Restamper {
  readonly stats: RestampStats = { restamped: 0, undatable: 0 };
  /** The held run: first sequence number (or null), its boot, how many records. */
  private heldFrom: number | null = null;
  private heldBoot = 0;
  private held = 0;
  /** While the journal is read again after a marker: up to the marker's sequence number. */
  private replayUntil = 0;
  private replaying = false;
  /**
   * The replay is of a run found undatable: its records are read again only to count those the journal
   * still holds (its size bound may have dropped some, which the journal counts), then the record that
   * ended the run is decided afresh.
   */
  private discarding = false;
  /** The newest marker seen: it dates the replay, and an undated record of its boot journaled after it. */
  private hasMarker = false;
  private markerWall = 0;
  private markerMonotonic = 0;
  private markerBoot = 0;
  private rewindSeq = 0;

  /** Sequence number of the oldest held record, or null: a consumer may commit only below it. */
  get firstHeldSeq(): number | null {
    return this.heldFrom;
  }

  /** Records of the held run (some may have been dropped meanwhile by the journal's size bound). */
  get heldCount(): number {
    return this.held;
  }

  /** After {@link RESTAMP_STEP.rewind}: where the consumer reads the journal again from. */
  get rewindTo(): number {
    return this.rewindSeq;
  }

  /**
   * Decides from the record's header (no decoding, no allocation) what the consumer does with it.
   * Feed it every record of the consumer's kind and every clock marker, in journal order.
   */
  admit(seq: number, bytes: Uint8Array): RestampStep {
    const kind = recordKind(bytes);
    if (this.replaying) {
      if (seq < this.replayUntil) return RESTAMP_STEP.pass;
      this.replaying = false;
      if (this.discarding) this.discarding = false;
      else if (seq === this.replayUntil) return RESTAMP_STEP.skip;
    }
    // Not a record this policy knows: the consumer's decoder says what it is.
    if (kind !== RECORD_KIND.reading && kind !== RECORD_KIND.health && kind !== RECORD_KIND.clockSynced)
      return RESTAMP_STEP.pass;
    const bootTag = recordBootTag(bytes);
    if (kind === RECORD_KIND.clockSynced) {
      // One marker per synchronisation (and agent start): decoding it is the only allocation of a hold.
      const marker = decodeRecord(bytes);
      this.hasMarker = true;
      this.markerWall = marker.timestamp;
      this.markerMonotonic = marker.monotonic;
      this.markerBoot = bootTag;
      if (this.heldFrom === null) return RESTAMP_STEP.skip;
      if (bootTag !== this.heldBoot) return this.discardHeld(seq);
      this.replaying = true;
      this.replayUntil = seq;
      this.rewindSeq = this.heldFrom;
      this.heldFrom = null;
      this.held = 0;
      return RESTAMP_STEP.rewind;
    }
    if (!recordUnsynced(bytes)) {
      // A dated record after undated ones: those belong to an earlier boot that never synchronised
      // (a dated record of their own boot is always preceded by the marker).
      if (this.heldFrom !== null) return this.discardHeld(seq);
      return RESTAMP_STEP.pass;
    }
    if (this.heldFrom !== null && bootTag !== this.heldBoot) return this.discardHeld(seq);
    // Undated but journaled after its boot's marker (a health record sampled before the clock
    // synchronised and appended after the marker): the marker dates it now.
    if (this.heldFrom === null && this.hasMarker && bootTag === this.markerBoot) return RESTAMP_STEP.pass;
    if (this.heldFrom === null) {
      this.heldFrom = seq;
      this.heldBoot = bootTag;
    }
    this.held++;
    return RESTAMP_STEP.hold;
  }

  /**
   * The decoded record as the consumer hands it on: an undated record of the marker's boot (during a
   * replay, or journaled after the marker) gets its timestamp from the marker (in place); null for one
   * that cannot be dated.
   */
  date<R extends PipelineRecord>(record: R): R | null {
    if (record.kind === RECORD_KIND.clockSynced || !record.unsynced) return record;
    if (!this.hasMarker || record.bootTag !== this.markerBoot) {
      this.stats.undatable++;
      return null;
    }
    // Whole milliseconds: monotonic time has sub-millisecond fractions, lake timestamps do not.
    record.timestamp = Math.round(this.markerWall - (this.markerMonotonic - record.monotonic));
    record.unsynced = false;
    this.stats.restamped++;
    return record;
  }

  /** Forgets the held run and any replay (the consumer reads again from its cursor); keeps the counts. */
  reset(): void {
    this.heldFrom = null;
    this.held = 0;
    this.replaying = false;
    this.discarding = false;
  }

  /**
   * The held run cannot be dated (record `seq` shows that its boot ended before the clock synchronised):
   * read it again, so that {@link date} counts as undatable each of its records the journal still holds,
   * and not those its size bound dropped meanwhile, which the journal has counted already. Then `seq`
   * is admitted afresh.
   */
  private discardHeld(seq: number): RestampStep {
    this.replaying = true;
    this.discarding = true;
    this.replayUntil = seq;
    this.rewindSeq = this.heldFrom as number;
    this.heldFrom = null;
    this.held = 0;
    return RESTAMP_STEP.rewind;
  }
}
