import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Journal, writeFileAtomic } from '@opensensor/buffer';
import { isoTime, OpenSensorError } from '@opensensor/errors';
import { randomUuid } from './random-id.js';

/**
 * The journal holds readings of another station than the one configured: starting would write them
 * under the new id. Raised before anything is read or written.
 */
export class StationMismatchError extends OpenSensorError {
  override readonly name = 'StationMismatchError';
  declare readonly code: 'STATION_MISMATCH';

  constructor(
    readonly journalDir: string,
    readonly recordedStation: string,
    readonly configuredStation: string,
    readonly pendingRecords: number,
  ) {
    super(
      'STATION_MISMATCH',
      `The journal in ${journalDir} belongs to station ${recordedStation} and still holds ${pendingRecords} record${pendingRecords === 1 ? '' : 's'} ` +
        `not yet written or sent; starting as station ${configuredStation} would file them under the wrong id. Either ` +
        `set OPENSENSOR_STATION_ID=${recordedStation} again, or give station ${configuredStation} its own state directory ` +
        `(OPENSENSOR_STATE_DIR), or, to discard those records, delete ${journalDir}.`,
    );
  }
}

interface StationFile {
  station: string;
  /** This journal's identity, written into every lake file's footer with its sequence numbers. */
  journal: string;
  since: string;
}

/**
 * A journal records which station it belongs to, and its own identity (`STATION` in its directory).
 * The identity goes into every lake file's footer beside the sequence numbers: another journal for
 * the same station (a backfill after the agent, a state directory started afresh) numbers from 1
 * again, and its files must not be taken for replays of this one's. Opened for another
 * station, it is refused while it holds records a consumer has not committed; an empty backlog is
 * handed over to the new id, since nothing could be mislabelled.
 */
export async function claimJournalForStation(
  journal: Journal<Uint8Array>,
  stationId: string,
  now: () => number,
): Promise<{ previous: string | null; journalId: string }> {
  const path = join(journal.dir, 'STATION');
  let recorded: Partial<StationFile> = {};
  try {
    recorded = JSON.parse(readFileSync(path, 'utf8')) as Partial<StationFile>;
  } catch {
    // Missing (a journal of an earlier version, or a new one) or unreadable: claimed below.
  }
  const station = typeof recorded.station === 'string' && recorded.station !== '' ? recorded.station : null;
  const journalId = typeof recorded.journal === 'string' && recorded.journal !== '' ? recorded.journal : null;
  if (station === stationId && journalId !== null) return { previous: null, journalId };
  if (station !== null && station !== stationId) {
    const pending = Math.max(0, ...Object.values(journal.stats().consumers).map((c) => c.backlog));
    if (pending > 0) throw new StationMismatchError(journal.dir, station, stationId, pending);
  }
  const content: StationFile = {
    station: stationId,
    journal: journalId ?? (await randomUuid()),
    since: isoTime(now()),
  };
  await writeFileAtomic(path, `${JSON.stringify(content)}\n`);
  return { previous: station !== stationId ? station : null, journalId: content.journal };
}
