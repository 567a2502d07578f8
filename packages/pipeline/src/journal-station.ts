import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Journal, writeFileAtomic } from '@opensensor/buffer';

/**
 * The journal holds readings of another station than the one configured: starting would write them
 * under the new id. Raised before anything is read or written.
 */
export class StationMismatchError extends Error {
  override readonly name = 'StationMismatchError';
  readonly code = 'STATION_MISMATCH';

  constructor(
    readonly journalDir: string,
    readonly recordedStation: string,
    readonly configuredStation: string,
    readonly pendingRecords: number,
  ) {
    super(
      `The journal in ${journalDir} belongs to station ${recordedStation} and still holds ${pendingRecords} record${pendingRecords === 1 ? '' : 's'} ` +
        `not yet written or sent; starting as station ${configuredStation} would file them under the wrong id. Either ` +
        `set OPENSENSOR_STATION_ID=${recordedStation} again, or give station ${configuredStation} its own state directory ` +
        `(OPENSENSOR_STATE_DIR), or, to discard those records, delete ${journalDir}.`,
    );
  }
}

interface StationFile {
  station: string;
  since: string;
}

/**
 * A journal records which station it belongs to (`STATION` in its directory). Opened for another
 * station, it is refused while it holds records a consumer has not committed; an empty backlog is
 * handed over to the new id, since nothing could be mislabelled.
 */
export async function claimJournalForStation(
  journal: Journal<Uint8Array>,
  stationId: string,
  now: () => number,
): Promise<{ previous: string | null }> {
  const path = join(journal.dir, 'STATION');
  let recorded: string | null = null;
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<StationFile>;
    if (typeof parsed.station === 'string' && parsed.station !== '') recorded = parsed.station;
  } catch {
    // Missing (a journal of an earlier version, or a new one) or unreadable: claimed below.
  }
  if (recorded === stationId) return { previous: null };
  if (recorded !== null) {
    const pending = Math.max(0, ...Object.values(journal.stats().consumers).map((c) => c.backlog));
    if (pending > 0) throw new StationMismatchError(journal.dir, recorded, stationId, pending);
  }
  const content: StationFile = { station: stationId, since: new Date(now()).toISOString() };
  await writeFileAtomic(path, `${JSON.stringify(content)}\n`);
  return { previous: recorded };
}
