import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Journal } from '@opensensor/buffer';
import { type LakeReader, openLakeReader } from '@opensensor/parquet-hive-writer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertFreshBuild } from '../../../scripts/build-freshness.mjs';
import { BIN, runBin } from './bin-process.js';
import { perStationSummary, simJournalDir } from './fleet-lake.js';

/**
 * Worker threads run the built bin (there is no JavaScript file to run from the TypeScript sources), so
 * the fleet backfill's threads are tested through `dist/cli.js` as users run it.
 */
const sim = (args: string[], cwd: string) => runBin(BIN, args, { cwd });

let db: LakeReader;
beforeAll(async () => {
  assertFreshBuild(fileURLToPath(new URL('..', import.meta.url)));
  db = await openLakeReader();
});
afterAll(() => db.close());

const RANGE = ['--start', '2026-11-27T00:00:00Z', '--end', '2026-11-27T02:00:00Z', '--output', 'lake'];

describe('opensensor-sim backfill in worker threads', () => {
  it('gives every station the lake it gets in one thread, and the same summary', async () => {
    const perStation = (d: string) => perStationSummary(db, d);
    const one = mkdtempSync(join(tmpdir(), 'os-sim-one-thread-'));
    const threads = mkdtempSync(join(tmpdir(), 'os-sim-threads-'));
    const fleet = ['backfill', '--stations', '5', ...RANGE, '--json'];
    const a = await sim([...fleet, '--workers', '1'], one);
    expect(a.code, a.stderr).toBe(0);
    const b = await sim([...fleet, '--workers', '2', '--parallel', '2'], threads);
    expect(b.code, b.stderr).toBe(0);
    const sa = JSON.parse(a.stdout);
    const sb = JSON.parse(b.stdout);
    for (const key of ['stations', 'stationIds', 'rows', 'files', 'bytes', 'completed', 'lostReadings'])
      expect(sb[key], key).toEqual(sa[key]);
    expect(sb).toMatchObject({ completed: true, rows: 5 * 1440, files: 5 * 8 });
    const expected = await perStation(one);
    expect(expected).toHaveLength(5);
    expect(await perStation(threads)).toEqual(expected);
  });

  it('a station that cannot start in one thread stops the others; the command says why once they have closed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-sim-threads-locked-'));
    const journalOf = (i: number) => simJournalDir(dir, i);
    const held = await Journal.open({ dir: journalOf(1) });
    try {
      const r = await sim(
        [
          'backfill',
          '--stations',
          '8',
          '--workers',
          '2',
          '--parallel',
          '1',
          '--start',
          '2026-11-27T00:00:00Z',
          '--end',
          '2026-11-29T00:00:00Z',
          '--output',
          'lake',
        ],
        dir,
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^opensensor-sim: .*journal/im);
      expect(r.stderr).not.toMatch(/unexpected error/);
      // Station 0 was in flight in the other thread: stopped and closed (its lock released).
      expect(existsSync(join(journalOf(0), 'LOCK'))).toBe(false);
      // No station was handed out after the failure: at most the next one raced it.
      const started = [2, 3, 4, 5, 6, 7].filter((i) => existsSync(journalOf(i)));
      expect(started.length).toBeLessThanOrEqual(1);
    } finally {
      await held.close();
    }
  });

  it('refuses a --workers that is not a whole number from 1 to 64', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-sim-threads-usage-'));
    for (const bad of ['0', '65', '1.5']) {
      const r = await sim(['backfill', '--stations', '2', '--workers', bad, ...RANGE], dir);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('--workers');
    }
  });
});
