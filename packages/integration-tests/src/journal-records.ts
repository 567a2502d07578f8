import { Journal } from '@opensensor/buffer';

/**
 * A journal record as the agent encodes it (docs/clock.md; 24-byte header: kind, flags with bit 0 =
 * taken before the clock was synchronised, boot tag, wall ms, monotonic ms): what a test needs to say
 * which timestamp each reading must have in the lake.
 */
export interface JournaledRecord {
  seq: number;
  kind: number;
  unsynced: boolean;
  bootTag: number;
  timestamp: number;
  monotonic: number;
}

/** Every record of the journal (or copies of its segments) in `dir`, decoded, read by its own consumer. */
export async function journaledRecords(dir: string, consumer = 'test-audit'): Promise<JournaledRecord[]> {
  const journal = await Journal.open({ dir, consumers: [consumer], maxBytes: 2 ** 40 });
  try {
    const out: JournaledRecord[] = [];
    for await (const { seq, value } of journal.read(consumer, { fromSeq: 1 })) {
      const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
      out.push({
        seq,
        kind: view.getUint8(0),
        unsynced: (view.getUint8(1) & 1) !== 0,
        bootTag: view.getUint32(4, true),
        timestamp: view.getFloat64(8, true),
        monotonic: view.getFloat64(16, true),
      });
    }
    return out;
  } finally {
    await journal.close();
  }
}
