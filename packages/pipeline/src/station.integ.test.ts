import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JournalDiskFullError, JournalIOError } from '@opensensor/buffer';
import { SENSOR_SCHEMA } from '@opensensor/parquet-hive-writer';
import { type LakeReader, lakeGlob, openLakeReader } from '@opensensor/parquet-hive-writer/testing';
import { SimulatedEnviroplus } from '@opensensor/simulation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock, type StationClock, systemClock } from './clock.js';
import { ClockSyncMonitor } from './clock-sync.js';
import type { HealthSources } from './health.js';
import { Station } from './station.js';

const STATION = '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f';
let db: LakeReader;
beforeAll(async () => {
  db = await openLakeReader();
});
afterAll(() => db.close());

const quietHealth: HealthSources = {
  readFile: async () => null,
  run: async () => null,
  statfs: async () => ({ totalBytes: 1e10, freeBytes: 5e9 }),
  loadavg: () => [0.1, 0.1, 0.1],
  uptimeSeconds: () => 100,
  networkInterfaces: () => ({}),
};

function options(dir: string, clock: StationClock, readIntervalMs: number) {
  const board = new SimulatedEnviroplus({ seed: 3, now: () => clock.now() });
  return {
    stationId: STATION,
    board,
    schema: SENSOR_SCHEMA,
    clock,
    stateDir: join(dir, 'state'),
    outputDir: join(dir, 'output'),
    healthDir: join(dir, 'output-health'),
    readIntervalMs,
    batchDurationSec: 900,
    compression: 'zstd' as const,
    fsync: 'never' as const,
    health: { sources: quietHealth },
  };
}

/** The system clock moved to start at `at`: real time, but in a window the test chooses. */
function shiftedSystemClock(at: number): StationClock {
  const offset = at - Date.now();
  return {
    now: () => Date.now() + offset,
    sleepUntil: (deadline, signal) => systemClock.sleepUntil(deadline - offset, signal),
  };
}

/** Resolves once `condition` holds; fails after a bound far above any machine's need. */
async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Station', () => {
  it('backfills two hours on a simulated clock into exactly the expected lake', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-station-'));
    const from = Date.UTC(2026, 10, 26, 23, 0, 0);
    const clock = new SimulatedClock(from);
    const station = await Station.open(options(dir, clock, 5000));
    await station.backfill({ from, to: from + 2 * 3600_000 });
    const status = station.status();
    await station.close();
    expect(status.stats.readings).toBe(1440);
    expect(status.lake.windows).toBe(8);
    expect(status.journal.backlog.parquet).toBe(0);
    const rows = await db.rows(
      `SELECT day::INT d, count(*)::INT n, count(DISTINCT timestamp)::INT u FROM ${lakeGlob(join(dir, 'output'))} GROUP BY d ORDER BY d`,
    );
    expect(rows).toEqual([
      { d: 26, n: 720, u: 720 },
      { d: 27, n: 720, u: 720 },
    ]);
    const health = await db.rows(`SELECT count(*)::INT n FROM ${lakeGlob(join(dir, 'output-health'))}`);
    expect(health[0]?.n).toBe(120);
  });

  it('compresses with the zstd it is given (zstd: wasm), both lakes, and reports it per file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-station-zstd-'));
    const from = Date.UTC(2026, 10, 26, 23, 0, 0);
    const codecs = new Map<string, Set<string | undefined>>();
    const run = async (zstd: 'wasm' | undefined, sub: string) => {
      const clock = new SimulatedClock(from);
      const station = await Station.open({
        ...options(join(dir, sub), clock, 5000),
        ...(zstd ? { zstd } : {}),
        onWindowWritten: (w) => {
          const seen = codecs.get(`${sub}/${w.stream}`) ?? new Set();
          seen.add(w.codec);
          codecs.set(`${sub}/${w.stream}`, seen);
        },
      });
      await station.backfill({ from, to: from + 3600_000 });
      await station.close();
    };
    mkdirSync(join(dir, 'wasm'));
    mkdirSync(join(dir, 'default'));
    await run('wasm', 'wasm');
    await run(undefined, 'default');
    const byDefault = typeof process.versions.zstd === 'string' ? 'zstd-node' : 'zstd-js';
    expect(Object.fromEntries([...codecs].map(([k, v]) => [k, [...v]]))).toEqual({
      'wasm/data': ['zstd-wasm'],
      'wasm/health': ['zstd-wasm'],
      'default/data': [byDefault],
      'default/health': [byDefault],
    });
    // The same readings whichever compressor wrote them.
    const sums = async (sub: string) =>
      db.rows(
        `SELECT count(*)::INT n, round(sum(temperature), 3)::DOUBLE t FROM ${lakeGlob(join(dir, sub, 'output'))}`,
      );
    expect(await sums('wasm')).toEqual(await sums('default'));
    expect((await sums('wasm'))[0]?.n).toBe(720);
  });

  it('a backfill whose health lake cannot be written says so and fails; run again, every health record once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-station-health-fails-'));
    const from = Date.UTC(2026, 9, 1, 11, 0, 0);
    const to = from + 3600_000;
    const first = await Station.open(options(dir, new SimulatedClock(from), 5000));
    // A file where the health lake's year directory should go: its windows cannot be written.
    writeFileSync(join(dir, 'output-health', `station=${STATION}`, 'year=2026'), 'not a directory');
    const r1 = await first.backfill({ from, to });
    await first.close();
    expect(r1.completed).toBe(false);
    expect(r1.failure).toMatch(/^a health window could not be written: /);
    rmSync(join(dir, 'output-health', `station=${STATION}`, 'year=2026'));

    // Run again as opensensor-sim does: the lake holds every reading, so nothing is taken again and
    // the health records waiting in the journal are written.
    const second = await Station.open(options(dir, new SimulatedClock(to), 5000));
    const r2 = await second.backfill({ from: to, to });
    await second.close();
    expect(r2).toMatchObject({ completed: true, failure: null });
    const health = await db.rows(
      `SELECT count(*)::INT n, count(DISTINCT timestamp)::INT u FROM ${lakeGlob(join(dir, 'output-health'))}`,
    );
    expect(health[0]).toEqual({ n: 60, u: 60 });
    const data = await db.rows(`SELECT count(*)::INT n FROM ${lakeGlob(join(dir, 'output'))}`);
    expect(data[0]?.n).toBe(720);
  });

  it('a backfill run again after an interruption continues after the journal, storing nothing twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-station-resume-'));
    const from = Date.UTC(2026, 9, 1, 11, 0, 0);
    const to = from + 3600_000;
    const stop = new AbortController();
    // Ctrl-C at 11:20 (simulated), in the middle of the 11:15–11:30 window.
    const clock = new SimulatedClock(from);
    const sleep = clock.sleepUntil.bind(clock);
    clock.sleepUntil = (t: number) => {
      if (t >= from + 20 * 60_000) stop.abort();
      return sleep(t);
    };
    const first = await Station.open(options(dir, clock, 5000));
    const r1 = await first.backfill({ from, to, signal: stop.signal });
    await first.close();
    expect(r1).toMatchObject({ completed: false, failure: null, lostReadings: 0, unwrittenReadings: 60 });
    expect(r1.reached).toBe(from + 20 * 60_000);
    const n1 = await db.rows(`SELECT count(*)::INT n FROM ${lakeGlob(join(dir, 'output'))}`);
    expect(n1[0]?.n).toBe(180);

    const second = await Station.open(options(dir, new SimulatedClock(from), 5000));
    const r2 = await second.backfill({ from, to });
    await second.close();
    expect(r2).toMatchObject({ completed: true, from: from + 20 * 60_000 - 5000 + 1, unwrittenReadings: 0 });
    const rows = await db.rows(
      `SELECT count(*)::INT n, count(DISTINCT timestamp)::INT u, count(DISTINCT filename)::INT f FROM read_parquet('${join(dir, 'output')}/**/*.parquet', filename=true)`,
    );
    expect(rows[0]).toEqual({ n: 720, u: 720, f: 4 });
  });

  /**
   * A backfill journals each window's records with one appendBatch. Makes the `nth` batch stop after
   * its first `keep` records, the way a full disk (or a kill in the middle of the write) leaves it, and
   * then calls `after` (which throws the journal's error).
   */
  function cutBatch(station: Station, nth: number, keep: number, after: (lastSeq: number) => never): void {
    const journal = station.journal;
    const appendBatch = journal.appendBatch.bind(journal);
    let calls = 0;
    journal.appendBatch = (values: Iterable<Uint8Array>) => {
      if (++calls !== nth) return appendBatch(values);
      return appendBatch([...values].slice(0, keep)).then(({ lastSeq }) => after(lastSeq));
    };
  }

  /** Rows in the data lake, distinct timestamps and files. */
  async function lakeCount(dir: string) {
    const rows = await db.rows(
      `SELECT count(*)::INT n, count(DISTINCT timestamp)::INT u, min(epoch_ms(timestamp))::DOUBLE lo, max(epoch_ms(timestamp))::DOUBLE hi FROM ${lakeGlob(join(dir, 'output'))}`,
    );
    return rows[0];
  }

  it('a backfill whose disk fills up in the middle of a window batch loses only the refused reading; run again, every reading once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-station-full-'));
    const from = Date.UTC(2026, 9, 2, 0, 0, 0);
    const to = from + 3600_000;
    const first = await Station.open(options(dir, new SimulatedClock(from), 5000));
    // The third window's batch (180 readings and 15 health records, 12 readings before each health
    // record): the disk is full after 100 records, i.e. 93 readings and 7 health records.
    cutBatch(first, 3, 100, (lastSeq) => {
      const cause = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      throw new JournalDiskFullError(first.journal.dir, lastSeq, cause);
    });
    const r1 = await first.backfill({ from, to });
    const s1 = first.status();
    await first.close();
    expect(r1).toMatchObject({ completed: false, lostReadings: 1, unwrittenReadings: 93 });
    expect(r1.failure).toMatch(/a reading could not be journaled: .*is full/);
    // It stopped at the refused reading, the 94th of the window: the next run takes it again.
    expect(r1.reached).toBe(from + 30 * 60_000 + 93 * 5000);
    expect(s1.stats.readings).toBe(2 * 180 + 93);
    // The complete windows were written; the records the disk refused are not in the journal.
    expect(await lakeCount(dir)).toEqual({ n: 360, u: 360, lo: from, hi: from + 30 * 60_000 - 5000 });
    expect(s1.journal.lastSeq).toBe(2 * 195 + 100);

    const second = await Station.open(options(dir, new SimulatedClock(from), 5000));
    const r2 = await second.backfill({ from, to });
    await second.close();
    expect(r2).toMatchObject({ completed: true, lostReadings: 0, unwrittenReadings: 0 });
    expect(r2.from).toBe(from + 30 * 60_000 + 92 * 5000 + 1);
    expect(await lakeCount(dir)).toEqual({ n: 720, u: 720, lo: from, hi: to - 5000 });
  });

  it('a window batch cut off in the middle of a record (a crash during its write): run again, every reading once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-station-torn-'));
    const from = Date.UTC(2026, 9, 3, 0, 0, 0);
    const to = from + 3600_000;
    const first = await Station.open(options(dir, new SimulatedClock(from), 5000));
    // The fifth window's batch: 60 whole records, then the start of the next one, then the journal fails.
    cutBatch(first, 5, 60, () => {
      const segments = readdirSync(first.journal.dir).filter((n) => n.endsWith('.seg'));
      appendFileSync(
        join(first.journal.dir, segments.sort().at(-1) as string),
        Buffer.from('OSJ1\x00\x01torn'),
      );
      throw new JournalIOError('the process died here', new Error('EIO'));
    });
    // An hour and a quarter: the first four windows are written as one group before the fifth starts.
    const r1 = await first.backfill({ from, to: to + 15 * 60_000 });
    await first.close();
    expect(r1).toMatchObject({ completed: false, lostReadings: 1 });
    expect((await lakeCount(dir))?.n).toBe(720);

    const second = await Station.open(options(dir, new SimulatedClock(from), 5000));
    expect(second.journal.stats().tornTail.bytes).toBeGreaterThan(0);
    const r2 = await second.backfill({ from, to: to + 15 * 60_000 });
    await second.close();
    expect(r2).toMatchObject({ completed: true, lostReadings: 0, unwrittenReadings: 0 });
    expect(await lakeCount(dir)).toEqual({ n: 900, u: 900, lo: from, hi: to + 15 * 60_000 - 5000 });
    const dupes = await db.rows(
      `SELECT count(*)::INT n FROM (SELECT timestamp FROM ${lakeGlob(join(dir, 'output'))} GROUP BY timestamp HAVING count(*) > 1)`,
    );
    expect(dupes[0]?.n).toBe(0);
  });

  it('refuses to start as another station while the journal holds readings of the first one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-station-id-'));
    const from = Date.UTC(2026, 10, 27, 10, 0, 0);
    const first = await Station.open(options(dir, new SimulatedClock(from), 5000));
    for (let i = 0; i < 5; i++) await first.takeReading();
    await first.close();
    const other = '01936f3e-5b7c-7d1a-9f00-000000000002';
    const refused = Station.open({ ...options(dir, new SimulatedClock(from), 5000), stationId: other });
    await expect(refused).rejects.toMatchObject({
      name: 'StationMismatchError',
      code: 'STATION_MISMATCH',
      recordedStation: STATION,
      configuredStation: other,
      pendingRecords: 5,
    });
    await expect(refused).rejects.toThrow(/OPENSENSOR_STATION_ID=01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f again/);
    // The refusal changed nothing: the first station starts again and writes its readings under its own id.
    const again = await Station.open(options(dir, new SimulatedClock(from), 5000));
    await again.backfill({ from, to: from });
    await again.close();
    const rows = await db.rows(
      `SELECT station, count(*)::INT n FROM ${lakeGlob(join(dir, 'output'))} GROUP BY station`,
    );
    expect(rows).toEqual([{ station: STATION, n: 5 }]);
    // With nothing left in the journal, the new id may take it over.
    const renamed = await Station.open({ ...options(dir, new SimulatedClock(from), 5000), stationId: other });
    await renamed.close();
  });

  it("removes temp files a crash left in the station's newest partitions", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-station-tmp-'));
    const day = join(dir, 'output', `station=${STATION}`, 'year=2026', 'month=11', 'day=27');
    mkdirSync(day, { recursive: true });
    writeFileSync(join(day, '.data_0915.parquet.123.tmp'), 'torn');
    const station = await Station.open(options(dir, new SimulatedClock(Date.UTC(2026, 10, 27)), 5000));
    await station.close();
    expect(readdirSync(day)).toEqual([]);
  });

  it('forgets a journal consumer that is no longer configured, so it cannot pin the journal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-station-consumers-'));
    const clock = new SimulatedClock(Date.UTC(2026, 10, 27));
    const withHealth = await Station.open(options(dir, clock, 5000));
    expect(withHealth.journal.consumers().sort()).toEqual(['health', 'parquet']);
    await withHealth.close();
    const without = await Station.open({ ...options(dir, clock, 5000), health: null });
    expect(without.journal.consumers()).toEqual(['parquet']);
    await without.close();
  });

  it('runs in real time and on abort with flushOnExit: false keeps the open window in the journal for the next start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-station-rt-'));
    const station = await Station.open(options(dir, systemClock, 50));
    const controller = new AbortController();
    const running = station.run(controller.signal, { flushOnExit: false });
    await waitFor(() => station.status().stats.readings >= 5);
    controller.abort();
    await running;
    const first = station.status();
    await station.close();
    expect(first.stats.readings).toBeGreaterThanOrEqual(5);
    // The 15-minute window is still open: nothing written, nothing committed, all in the journal.
    expect(first.lake.windows).toBe(0);
    expect(first.journal.backlog.parquet).toBeGreaterThanOrEqual(first.stats.readings);

    // The next start writes them once the window is complete (here: forced by a final drain).
    const again = await Station.open(options(dir, systemClock, 50));
    await again.backfill({ from: Date.now(), to: Date.now() });
    const n = await db.rows(`SELECT count(*)::INT n FROM ${lakeGlob(join(dir, 'output'))}`);
    expect(n[0]?.n).toBe(first.stats.readings);
    await again.close();
  });

  it('on a clean stop writes the open window; after a restart the rest of it goes to a suffixed file, every reading once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-station-stop-'));
    // Real time moved to 10:00:00, so that both runs fall in the 10:00–10:15 window however slow the machine.
    const clock = shiftedSystemClock(Date.UTC(2026, 10, 27, 10));
    const taken: number[] = [];
    for (let run = 0; run < 2; run++) {
      const station = await Station.open(options(dir, clock, 50));
      const controller = new AbortController();
      const running = station.run(controller.signal);
      await waitFor(() => station.status().stats.readings >= 5);
      controller.abort();
      await running;
      const status = station.status();
      await station.close();
      // Nothing waits in the journal: `opensensor sync` right after the stop has every reading.
      expect(status.journal.backlog.parquet).toBe(0);
      expect(status.lake.windows).toBe(1);
      taken.push(status.stats.readings);
    }
    const day = join(dir, 'output', `station=${STATION}`, 'year=2026', 'month=11', 'day=27');
    const files = readdirSync(day).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toBe('data_1015.parquet');
    expect(files[1]).toMatch(/^data_1015_\d+\.parquet$/);
    const total = (taken[0] ?? 0) + (taken[1] ?? 0);
    const rows = await db.rows(
      `SELECT count(*)::INT n, count(DISTINCT timestamp)::INT u FROM ${lakeGlob(join(dir, 'output'))}`,
    );
    expect(rows).toEqual([{ n: total, u: total }]);
  });
});

describe('Station and the clock', () => {
  it('a reading during which NTP steps the clock is re-dated, never filed under 1970', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-station-step-'));
    const SYNC = Date.UTC(2026, 10, 27, 10, 0, 0);
    const clock = new SimulatedClock(60_000); // 1970, as after a boot without RTC
    let mono = 5_000;
    let ntp = false;
    const board = new (class extends SimulatedEnviroplus {
      override async read() {
        mono += 200;
        if (mono > 5_600) {
          // NTP steps the clock while this read is in progress.
          ntp = true;
          clock.advance(SYNC - clock.now());
        }
        return super.read();
      }
    })({ seed: 3, now: () => clock.now() });
    const clockSync = new ClockSyncMonitor({
      policy: 'wait-for-sync',
      stateFile: join(dir, 'state', 'clock-sync.json'),
      sources: {
        ntpSynchronized: async () => ntp,
        bootId: async () => 'boot-1',
        now: () => clock.now(),
        monotonic: () => mono,
      },
    });
    const station = await Station.open({
      ...options(dir, clock, 5000),
      board,
      clockSync,
      monotonic: () => mono,
      health: null,
    });
    for (let i = 0; i < 5; i++) await station.takeReading();
    await station.backfill({ from: clock.now(), to: clock.now() });
    await station.close();
    const rows = await db.rows(
      `SELECT year::INT y, epoch_ms(timestamp)::BIGINT t FROM ${lakeGlob(join(dir, 'output'))} ORDER BY t`,
    );
    expect(rows.map((r) => r.y)).toEqual([2026, 2026, 2026, 2026, 2026]);
    // The four readings taken before the step (the fourth while it happened) are dated back from the
    // marker (wall SYNC at monotonic 5,800 ms) by their monotonic start times 5,000 … 5,600 ms.
    expect(rows.map((r) => Number(r.t) - SYNC)).toEqual([-800, -600, -400, -200, 0]);
  });
});
