import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectJournal, Journal } from '@opensensor/buffer';
import { type LakeReader, lakeGlob, openLakeReader } from '@opensensor/parquet-hive-writer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimIo } from './commands.js';
import { perStationSummary, simJournalDir } from './fleet-lake.js';
import { runSim } from './program.js';
import { simulatedStationId } from './station-ids.js';

let db: LakeReader;
beforeAll(async () => {
  db = await openLakeReader();
});
afterAll(() => db.close());

function io(cwd: string, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const sim: SimIo = {
    stdout: (s) => void out.push(s),
    stderr: (s) => void err.push(s),
    env,
    cwd,
    isTty: false,
  };
  return { sim, out: () => out.join(''), err: () => err.join('') };
}

describe('opensensor-sim backfill', () => {
  it('backfills a station across midnight and prints a JSON summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-sim-'));
    const t = io(dir);
    const code = await runSim(
      [
        'backfill',
        '--stations',
        '1',
        '--start',
        '2026-11-26T23:00:00Z',
        '--end',
        '2026-11-27T01:00:00Z',
        '--output',
        'lake',
        '--json',
      ],
      t.sim,
    );
    expect(t.err()).toBe('');
    expect(code).toBe(0);
    const summary = JSON.parse(t.out());
    expect(summary).toMatchObject({ stations: 1, rows: 1440, files: 8, output: join(dir, 'lake') });
    expect(summary.stationIds).toEqual([simulatedStationId('opensensor', 0)]);
    const rows = await db.rows(
      `SELECT day::INT d, count(*)::INT n FROM ${lakeGlob(join(dir, 'lake'))} GROUP BY d ORDER BY d`,
    );
    expect(rows).toEqual([
      { d: 26, n: 720 },
      { d: 27, n: 720 },
    ]);
  });

  it('is reproducible: the same seed gives the same station ids and readings', async () => {
    const args = [
      'backfill',
      '--start',
      '2026-11-27T00:00:00Z',
      '--end',
      '2026-11-27T00:15:00Z',
      '--output',
      'lake',
      '--json',
      '--seed',
      's1',
    ];
    const a = mkdtempSync(join(tmpdir(), 'os-sim-a-'));
    const b = mkdtempSync(join(tmpdir(), 'os-sim-b-'));
    await runSim(args, io(a).sim);
    await runSim(args, io(b).sim);
    const q = (d: string) =>
      db.rows(`SELECT * EXCLUDE (station) FROM ${lakeGlob(join(d, 'lake'))} ORDER BY timestamp`);
    expect(await q(a)).toEqual(await q(b));
  });

  it('backfilling a range again continues after the data already there, storing nothing twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-sim-again-'));
    const args = [
      'backfill',
      '--start',
      '2026-11-27T00:00:00Z',
      '--end',
      '2026-11-27T01:00:00Z',
      '--output',
      'lake',
      '--json',
    ];
    expect(await runSim(args, io(dir).sim)).toBe(0);
    const again = io(dir);
    expect(await runSim(args, again.sim)).toBe(0);
    expect(JSON.parse(again.out())).toMatchObject({ rows: 0, files: 0, resumedAfterExisting: 1 });
    // A longer range adds only the hour after the data already there.
    const later = io(dir);
    expect(
      await runSim(
        [
          'backfill',
          '--start',
          '2026-11-27T00:00:00Z',
          '--end',
          '2026-11-27T02:00:00Z',
          '--output',
          'lake',
          '--json',
        ],
        later.sim,
      ),
    ).toBe(0);
    expect(JSON.parse(later.out())).toMatchObject({ rows: 720, files: 4, resumedAfterExisting: 1 });
    const [row] = await db.rows(
      `SELECT count(*)::INT n, count(DISTINCT timestamp)::INT u FROM ${lakeGlob(join(dir, 'lake'))}`,
    );
    expect(row).toEqual({ n: 1440, u: 1440 });
  });

  it('an interrupted backfill says what it wrote and how to continue, exits 130, and the rerun completes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-sim-interrupted-'));
    const args = [
      'backfill',
      '--start',
      '2026-11-27T00:00:00Z',
      '--end',
      '2026-11-27T01:00:00Z',
      '--output',
      'lake',
    ];
    const stop = new AbortController();
    stop.abort();
    const first = io(dir);
    expect(await runSim(args, first.sim, stop.signal)).toBe(130);
    expect(first.out()).toContain('Backfill interrupted at 2026-11-27T00:00:00.000Z');
    expect(first.out()).toContain(
      'To continue, run the same command again:\n  opensensor-sim backfill --start 2026-11-27T00:00:00Z --end 2026-11-27T01:00:00Z --output lake\n',
    );
    const json = io(dir);
    expect(await runSim([...args, '--json'], json.sim, stop.signal)).toBe(130);
    expect(JSON.parse(json.out())).toMatchObject({
      completed: false,
      interrupted: true,
      failure: null,
      lostReadings: 0,
    });
    const again = io(dir);
    expect(await runSim([...args, '--json'], again.sim)).toBe(0);
    expect(JSON.parse(again.out())).toMatchObject({ completed: true, rows: 720, continueWith: null });
  });

  it('a fleet backfilled several stations at once gives the lake of one after the other; interrupted, the rerun completes every station once', async () => {
    const range = ['--start', '2026-11-27T00:00:00Z', '--end', '2026-11-27T02:00:00Z', '--output', 'lake'];
    const fleet = ['backfill', '--stations', '6', ...range, '--json'];
    const serial = mkdtempSync(join(tmpdir(), 'os-sim-serial-'));
    expect(await runSim([...fleet, '--parallel', '1'], io(serial).sim)).toBe(0);

    const parallel = mkdtempSync(join(tmpdir(), 'os-sim-parallel-'));
    // Stopped as soon as the first file of the fleet is in the lake: stations in flight stop, none starts.
    const stop = new AbortController();
    const lake = join(parallel, 'lake');
    const poll = setInterval(() => {
      try {
        if (readdirSync(lake, { recursive: true }).some((f) => String(f).endsWith('.parquet'))) stop.abort();
      } catch {
        // not created yet
      }
    }, 5);
    const first = io(parallel);
    const code = await runSim([...fleet, '--parallel', '3'], first.sim, stop.signal).finally(() =>
      clearInterval(poll),
    );
    expect(code).toBe(130);
    const stopped = JSON.parse(first.out());
    expect(stopped).toMatchObject({ completed: false, interrupted: true, failure: null, lostReadings: 0 });
    expect(stopped.rows).toBeLessThan(6 * 1440);
    const again = io(parallel);
    expect(await runSim([...fleet, '--parallel', '3'], again.sim)).toBe(0);
    expect(JSON.parse(again.out())).toMatchObject({ completed: true });

    const perStation = (d: string) => perStationSummary(db, d);
    const expected = await perStation(serial);
    expect(expected).toHaveLength(6);
    expect(expected.every((r) => r.n === 1440 && r.u === 1440)).toBe(true);
    expect(await perStation(parallel)).toEqual(expected);
  });

  it('a fleet station that cannot start (its journal held elsewhere) stops the others, and the command returns only once they have closed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-sim-locked-'));
    const journalOf = (i: number) => simJournalDir(dir, i);
    const held = await Journal.open({ dir: journalOf(2) });
    try {
      const t = io(dir);
      const code = await runSim(
        [
          'backfill',
          '--stations',
          '6',
          '--parallel',
          '3',
          '--start',
          '2026-11-27T00:00:00Z',
          '--end',
          '2026-11-28T00:00:00Z',
          '--output',
          'lake',
        ],
        t.sim,
      );
      expect(code).not.toBe(0);
      expect(t.err()).toMatch(/journal/i);
      // Stations 0 and 1 were in flight: stopped and closed (their journal locks released) by now.
      for (const i of [0, 1]) expect(existsSync(join(journalOf(i), 'LOCK')), `station ${i}`).toBe(false);
      // None started after the failure.
      for (const i of [3, 4, 5]) expect(existsSync(journalOf(i)), `station ${i}`).toBe(false);
    } finally {
      await held.close();
    }
  });

  it('prints a readable summary with a DuckDB query', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-sim-text-'));
    const t = io(dir);
    await runSim(
      ['backfill', '--start', '2026-11-27T00:00:00Z', '--end', '2026-11-27T00:15:00Z', '--output', 'output'],
      t.sim,
    );
    expect(t.out()).toMatch(/180 readings in 1 files/);
    expect(t.out()).toContain(`read_parquet('output/**/*.parquet', hive_partitioning=true)`);
  });

  it('backfills the other boards with their own columns', async () => {
    for (const board of ['sensehat', 'breakout']) {
      const dir = mkdtempSync(join(tmpdir(), `os-sim-${board}-`));
      const t = io(dir);
      const code = await runSim(
        [
          'backfill',
          '--board',
          board,
          '--start',
          '2026-11-27T00:00:00Z',
          '--end',
          '2026-11-27T00:15:00Z',
          '--output',
          'lake',
          '--json',
        ],
        t.sim,
      );
      expect(code).toBe(0);
      const cols = (await db.rows(`DESCRIBE SELECT * FROM ${lakeGlob(join(dir, 'lake'))}`)).map(
        (r) => r.column_name,
      );
      expect(cols).toContain(board === 'sensehat' ? 'compass_heading' : 'co2');
      expect(cols).not.toContain('pm25');
    }
  });

  it.each([
    [
      ['backfill', '--board', 'unicorn'],
      /--board \(OPENSENSOR_BOARD\): expected one of enviroplus, sensehat, breakout, auto/,
    ],
    [['backfill', '--stations', '0'], /--stations: expected a whole number from 1 to 100000, received 0/],
    [['backfill', '--start', 'yesterday'], /--start: expected an ISO 8601 time/],
    [
      ['backfill', '--start', '2026-11-27T00:00:00Z', '--end', '2026-11-26T00:00:00Z'],
      /--end must be after --start/,
    ],
    [['backfill', '--read-interval', '0.01'], /--read-interval: expected seconds from 0.05 to 3600/],
    [['backfill', '--faults', 'dropout=2'], /--faults: expected name=probability pairs/],
    // Decimal only, like the settings: 0x10 would be 16 stations, 1e3 a thousand.
    [
      ['backfill', '--stations', '0x10'],
      /--stations must be a decimal number such as 10 or 0\.5, received "0x10"/,
    ],
    [['backfill', '--read-interval', '1e-1'], /--read-interval must be a decimal number/],
    [['backfill', '--faults', 'dropout=0x1'], /--faults: expected name=probability pairs/],
    [['run', '--duration', '0b11'], /--duration must be a decimal number/],
    [
      ['backfill', '--stations', '2', '--station-id', '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f'],
      /--station-id names one station/,
    ],
    [
      ['backfill', '--batch-duration', '450'],
      /--batch-duration \(OPENSENSOR_BATCH_DURATION\): expected seconds that tile an hour/,
    ],
  ])('rejects %j with exit 2 and a clear message', async (args, message) => {
    const t = io(mkdtempSync(join(tmpdir(), 'os-sim-bad-')));
    expect(await runSim(args, t.sim)).toBe(2);
    expect(t.err()).toMatch(message);
  });
});

describe('opensensor-sim run', () => {
  it('runs simulated stations in real time and stops cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-sim-run-'));
    const t = io(dir, { OPENSENSOR_LOG_LEVEL: 'warn' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 2000);
    const { run } = await import('./commands.js');
    await run(
      t.sim,
      { stations: 2, seed: 'rt', output: 'lake', readInterval: 0.05, batchDuration: 60 },
      controller.signal,
    );
    // Overrun warnings may appear on a loaded machine at 50 ms; errors must not.
    expect(t.err()).not.toMatch(/"level":"error"/);
    // Both stations journaled readings (the 60 s window is still open, so they wait in the journal).
    for (const index of [0, 1]) {
      const journal = await inspectJournal(
        join(dir, 'state', 'sim', simulatedStationId('rt', index), 'journal'),
      );
      expect(journal.lastSeq).toBeGreaterThanOrEqual(3);
      expect(journal.openBy).toBeNull();
    }
  });
});
