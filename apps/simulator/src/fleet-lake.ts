import { join } from 'node:path';
import { type LakeReader, lakeGlob } from '@opensensor/parquet-hive-writer/testing';
import { simulatedStationId } from './station-ids.js';

/** Tests only: per station of the fleet backfilled into `<dir>/lake`, its rows, distinct times and temperature sum. */
export function perStationSummary(db: LakeReader, dir: string) {
  return db.rows(
    `SELECT station, count(*)::INT n, count(DISTINCT timestamp)::INT u, round(sum(temperature), 6) t
     FROM ${lakeGlob(join(dir, 'lake'))} GROUP BY station ORDER BY station`,
  );
}

/** Tests only: the journal directory of simulated station `i` (default seed) run in `dir`. */
export function simJournalDir(dir: string, i: number): string {
  return join(dir, 'state', 'sim', simulatedStationId('opensensor', i), 'journal');
}
