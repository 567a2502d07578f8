import { cpSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '@opensensor/buffer';
import { silentLogger } from '@opensensor/errors';
import { HEALTH_SCHEMA, SENSOR_SCHEMA } from '@opensensor/parquet-hive-writer';
import { type LakeReader, lakeGlob, openLakeReader } from '@opensensor/parquet-hive-writer/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SimulatedClock } from './clock.js';
import { LakeConsumer } from './lake-consumer.js';
import { encodeClockSynced, encodeHealth, encodeReading } from './records.js';

const STATION = '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f';
const NCOLS = SENSOR_SCHEMA.columns.length;
let dir: string;
let db: LakeReader;
beforeAll(async () => {
  db = await openLakeReader();
});
afterAll(() => db.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'os-lake-consumer-'));
});

const reading = (
  ts: number,
  v: number,
  meta: Partial<{ unsynced: boolean; monotonic: number; bootTag: number }> = {},
) =>
  encodeReading(
    Array.from({ length: NCOLS }, (_, i) => (i === 1 ? null : v + i)),
    {
      timestamp: ts,
      monotonic: meta.monotonic ?? 0,
      bootTag: meta.bootTag ?? 1,
      unsynced: meta.unsynced ?? false,
    },
  );

/**
 * A boot with a 1970 clock: two readings (monotonic 10 s and 15 s) and a health record between them,
 * the clock seen synchronised at monotonic 60 s (= T0), then a dated reading.
 */
const bootBeforeSync = () => [
  reading(10_000, 1, { unsynced: true, monotonic: 10_000, bootTag: 9 }),
  encodeHealth(
    { cpu_temp_c: 50, clock_synced: false },
    { timestamp: 12_000, monotonic: 12_000, bootTag: 9, unsynced: true },
  ),
  reading(15_000, 2, { unsynced: true, monotonic: 15_000, bootTag: 9 }),
  encodeClockSynced({ timestamp: T0, monotonic: 60_000, bootTag: 9 }),
  reading(T0 + 5000, 3, { monotonic: 65_000, bootTag: 9 }),
];

async function openJournal() {
  return Journal.open({ dir: join(dir, 'journal'), fsync: 'never', consumers: ['parquet', 'health'] });
}

function consumer(
  journal: Journal,
  clock: SimulatedClock,
  kind: 'reading' | 'health' = 'reading',
  batchDurationSec = 900,
  seqSource?: string,
) {
  return new LakeConsumer({
    journal,
    ...(seqSource ? { seqSource } : {}),
    name: kind === 'reading' ? 'parquet' : 'health',
    kind,
    schema: kind === 'reading' ? SENSOR_SCHEMA : HEALTH_SCHEMA,
    root: join(dir, kind === 'reading' ? 'output' : 'output-health'),
    station: STATION,
    batchDurationSec,
    compression: 'snappy',
    clock,
    closeGraceMs: 10_000,
    retryDelayMs: 1000,
  });
}

const T0 = Date.UTC(2026, 10, 26, 23, 40, 0);

describe('LakeConsumer', () => {
  it('writes one file per clock-aligned window across midnight, every reading exactly once', async () => {
    const journal = await openJournal();
    const clock = new SimulatedClock(T0);
    // 23:40:00 .. 00:19:55 every 5 s: 480 readings over 4 windows, two days.
    await journal.appendBatch(Array.from({ length: 480 }, (_, i) => reading(T0 + i * 5000, i)));
    const c = consumer(journal, clock);
    await c.drain();
    // The last window (00:15–00:30) is still open: not written, not committed.
    expect(c.stats.windows).toBe(3);
    expect(journal.cursor('parquet')).toBe(420);
    await c.drain({ final: true });
    expect(c.stats.windows).toBe(4);
    expect(journal.cursor('parquet')).toBe(480);

    const rows = await db.rows(
      `SELECT day::INT d, count(*)::INT n FROM ${lakeGlob(join(dir, 'output'))} GROUP BY d ORDER BY d`,
    );
    expect(rows.map((r) => [r.d, r.n])).toEqual([
      [26, 240],
      [27, 240],
    ]);
    const types = await db.rows(`DESCRIBE SELECT * FROM ${lakeGlob(join(dir, 'output'))}`);
    expect(types.find((t) => t.column_name === 'timestamp')?.column_type).toBe('TIMESTAMP WITH TIME ZONE');
    expect(types.find((t) => t.column_name === 'temperature')?.column_type).toBe('FLOAT');
    const nulls = await db.rows(
      `SELECT count(*)::INT n FROM ${lakeGlob(join(dir, 'output'))} WHERE raw_temperature IS NULL`,
    );
    expect(nulls[0]?.n).toBe(480);
    await journal.close();
  });

  it('after a kill between its files and its cursor, records the bound then dropped are not counted as lost: the lake has them', async () => {
    const jdir = join(dir, 'journal');
    const small = {
      dir: jdir,
      fsync: 'never' as const,
      consumers: ['parquet'],
      segmentBytes: 4096,
      maxBytes: 16_384,
    };
    const clock = new SimulatedClock(T0);
    let journal = await Journal.open(small);
    await journal.appendBatch(Array.from({ length: 120 }, (_, i) => reading(T0 + i * 5000, i)));
    await journal.close();
    // The journal as a kill would leave it: the files below written, the cursor not committed.
    const killed = join(dir, 'journal-at-kill');
    cpSync(jdir, killed, { recursive: true });
    journal = await Journal.open(small);
    const first = consumer(journal, clock, 'reading', 300, 'journal-1');
    await first.drain({ final: true });
    expect(first.stats.rows).toBe(120);
    await journal.close();

    rmSync(jdir, { recursive: true });
    renameSync(killed, jdir);
    journal = await Journal.open(small);
    expect(journal.cursor('parquet')).toBe(0);
    // The next process journals on; the bound drops the oldest segments before the writer reads them.
    await journal.appendBatch(Array.from({ length: 400 }, (_, i) => reading(T0 + (120 + i) * 5000, 120 + i)));
    const firstHeld = journal.stats().firstSeq as number;
    expect(firstHeld).toBeGreaterThan(121);
    const next = consumer(journal, clock, 'reading', 300, 'journal-1');
    await next.drain({ final: true });
    // Only what was neither in the lake nor in the journal is lost: 121 .. firstHeld - 1.
    expect(journal.stats().consumers.parquet?.lostToFull).toBe(firstHeld - 121);
    const rows = await db.rows(
      `SELECT count(*)::INT n, count(DISTINCT timestamp)::INT u FROM ${lakeGlob(join(dir, 'output'))}`,
    );
    expect(rows[0]).toEqual({ n: 120 + 520 - firstHeld + 1, u: 120 + 520 - firstHeld + 1 });
    await journal.close();
  });

  it('closes a window by time once the clock passes its end plus the grace', async () => {
    const journal = await openJournal();
    const clock = new SimulatedClock(T0);
    await journal.appendBatch([reading(T0, 1), reading(T0 + 5000, 2)]);
    const c = consumer(journal, clock);
    await c.drain();
    expect(c.stats.windows).toBe(0);
    clock.advance(5 * 60_000 + 9_000); // 23:45:09: end 23:45 + 10 s grace not yet reached
    await c.drain();
    expect(c.stats.windows).toBe(0);
    clock.advance(2000);
    await c.drain();
    expect(c.stats.windows).toBe(1);
    expect(journal.cursor('parquet')).toBe(2);
    await journal.close();
  });

  it('after a crash between a file and its cursor, the replay writes nothing twice', async () => {
    let journal = await openJournal();
    const clock = new SimulatedClock(T0);
    await journal.appendBatch(Array.from({ length: 300 }, (_, i) => reading(T0 + i * 5000, i)));
    await consumer(journal, clock).drain({ final: true });
    // The files reached the disk but the journal state did not: the same records replay from seq 1.
    await journal.close();
    await rm(join(dir, 'journal'), { recursive: true, force: true });
    journal = await openJournal();
    await journal.appendBatch(Array.from({ length: 300 }, (_, i) => reading(T0 + i * 5000, i)));
    const again = consumer(journal, clock);
    await again.drain({ final: true });
    expect(again.stats.identical).toBe(again.stats.windows);
    const n = await db.rows(
      `SELECT count(*)::INT n, count(DISTINCT timestamp)::INT d FROM ${lakeGlob(join(dir, 'output'))}`,
    );
    expect(n[0]).toEqual({ n: 300, d: 300 });
    await journal.close();
  });

  it('a replay that overlaps a written window keeps only the records the lake lacks', async () => {
    const journal = await openJournal();
    const clock = new SimulatedClock(T0);
    // 23:40–23:45 written from seq 1..30; then the same window gets seq 31..60 on replay with 1..60.
    await journal.appendBatch(Array.from({ length: 30 }, (_, i) => reading(T0 + i * 5000, i)));
    await consumer(journal, clock).drain({ final: true });
    // A new consumer that starts from 0 (as if its cursor was lost) sees seq 1..60 for the same window.
    await journal.appendBatch(Array.from({ length: 30 }, (_, i) => reading(T0 + 150_000 + i * 5000, i)));
    await journal.removeConsumer('parquet');
    await journal.addConsumer('parquet', { startAt: 'oldest' });
    const c = consumer(journal, clock);
    await c.drain({ final: true });
    expect(c.stats.alreadyInLake).toBe(30);
    const n = await db.rows(
      `SELECT count(*)::INT n, count(DISTINCT timestamp)::INT d FROM ${lakeGlob(join(dir, 'output'))}`,
    );
    expect(n[0]).toEqual({ n: 60, d: 60 });
    await journal.close();
  });

  it('a cursor reset with a changed window length writes nothing twice (files of other windows count too)', async () => {
    const journal = await openJournal();
    const clock = new SimulatedClock(T0);
    // 23:40:00–23:52:25 every 5 s, written as 60 s windows; the last minute stays open.
    await journal.appendBatch(Array.from({ length: 150 }, (_, i) => reading(T0 + i * 5000, i)));
    await consumer(journal, clock, 'reading', 60).drain();
    const before = journal.cursor('parquet');
    expect(before).toBe(144);
    // The cursor file is gone and the station restarts with 15-minute windows: everything replays.
    await journal.removeConsumer('parquet');
    await journal.addConsumer('parquet', { startAt: 'oldest' });
    const c = consumer(journal, clock, 'reading', 900);
    await c.drain({ final: true });
    expect(c.stats.alreadyInLake).toBe(144);
    const n = await db.rows(
      `SELECT count(*)::INT n, count(DISTINCT timestamp)::INT d FROM ${lakeGlob(join(dir, 'output'))}`,
    );
    expect(n[0]).toEqual({ n: 150, d: 150 });
    // And the same again after a restart (a new consumer, with a fresh view of the day's files).
    await journal.removeConsumer('parquet');
    await journal.addConsumer('parquet', { startAt: 'oldest' });
    const again = consumer(journal, clock, 'reading', 300);
    await again.drain({ final: true });
    expect(again.stats.alreadyInLake).toBe(150);
    const m = await db.rows(`SELECT count(*)::INT n FROM ${lakeGlob(join(dir, 'output'))}`);
    expect(m[0]?.n).toBe(150);
    await journal.close();
  });

  it('files of another journal for the station are not replays, whatever their sequence numbers', async () => {
    // The agent's journal wrote 23:40–23:50; later a backfill with its own journal (numbered from 1
    // again) writes 23:50–00:00 of the same day and window.
    const agentJournal = await openJournal();
    const clock = new SimulatedClock(T0);
    await agentJournal.appendBatch(Array.from({ length: 120 }, (_, i) => reading(T0 + i * 5000, i)));
    await consumer(agentJournal, clock, 'reading', 900, 'journal-a').drain({ final: true });
    await agentJournal.close();
    const backfillJournal = await Journal.open({
      dir: join(dir, 'journal-b'),
      fsync: 'never',
      consumers: ['parquet'],
    });
    await backfillJournal.appendBatch(
      Array.from({ length: 120 }, (_, i) => reading(T0 + 600_000 + i * 5000, i)),
    );
    const b = consumer(backfillJournal, clock, 'reading', 900, 'journal-b');
    await b.drain({ final: true });
    expect(b.stats.alreadyInLake).toBe(0);
    const n = await db.rows(
      `SELECT count(*)::INT n, count(DISTINCT timestamp)::INT d FROM ${lakeGlob(join(dir, 'output'))}`,
    );
    expect(n[0]).toEqual({ n: 240, d: 240 });
    await backfillJournal.close();
  });

  it('holds more than 100,000 undated readings in the journal, across a restart, and re-dates every one', async () => {
    // A station offline without NTP for 33 hours at a reading a second: the hold used to keep 100,000
    // readings in memory and drop the oldest past that.
    const N = 120_000;
    const journal = await openJournal();
    const clock = new SimulatedClock(T0);
    for (let from = 0; from < N; from += 10_000)
      await journal.appendBatch(
        Array.from({ length: 10_000 }, (_, k) =>
          reading(1000 * (from + k), from + k, { unsynced: true, monotonic: 1000 * (from + k), bootTag: 9 }),
        ),
      );
    const before = consumer(journal, clock, 'reading', 3600);
    await before.drain({ final: true });
    expect(before.pending).toBe(N);
    expect(journal.cursor('parquet')).toBe(0);
    // A restart (a new writer on the same journal) finds them again; then the clock synchronises.
    const after = consumer(journal, clock, 'reading', 3600);
    await after.drain();
    expect(after.pending).toBe(N);
    const syncMono = 1000 * N + 500;
    await journal.appendBatch([
      encodeClockSynced({ timestamp: T0, monotonic: syncMono, bootTag: 9 }),
      reading(T0 + 1000, N, { monotonic: syncMono + 1000, bootTag: 9 }),
    ]);
    await after.drain({ final: true });
    expect(after.stats).toMatchObject({ restamped: N, undatable: 0, alreadyInLake: 0 });
    expect(journal.cursor('parquet')).toBe(N + 2);
    const rows = await db.rows(
      `SELECT count(*)::INT n, count(DISTINCT timestamp)::INT d, min(epoch_ms(timestamp))::BIGINT lo, max(epoch_ms(timestamp))::BIGINT hi FROM ${lakeGlob(join(dir, 'output'))}`,
    );
    expect(rows[0]).toEqual({ n: N + 1, d: N + 1, lo: BigInt(T0 - syncMono), hi: BigInt(T0 + 1000) });
    await journal.close();
  }, 120_000);

  it('readings held past the journal bound are dropped by the bound (counted and logged there), the rest re-dated', async () => {
    const journal = await Journal.open({
      dir: join(dir, 'journal'),
      fsync: 'never',
      consumers: ['parquet'],
      segmentBytes: 16 * 1024,
      maxBytes: 64 * 1024,
      logger: silentLogger,
    });
    const clock = new SimulatedClock(T0);
    const c = consumer(journal, clock, 'reading', 3600);
    const N = 2000;
    for (let i = 0; i < N; i++) {
      await journal.append(reading(1000 * i, i, { unsynced: true, monotonic: 1000 * i, bootTag: 9 }));
      if (i % 100 === 0) await c.drain();
    }
    await journal.append(encodeClockSynced({ timestamp: T0, monotonic: 1000 * N, bootTag: 9 }));
    await c.drain({ final: true });
    const dropped = journal.stats().consumers.parquet?.lostToFull ?? 0;
    expect(dropped).toBeGreaterThan(0);
    expect(c.stats.restamped).toBe(N - dropped);
    const rows = await db.rows(
      `SELECT count(*)::INT n, max(epoch_ms(timestamp))::BIGINT hi FROM ${lakeGlob(join(dir, 'output'))}`,
    );
    expect(rows[0]).toEqual({ n: N - dropped, hi: BigInt(T0 - 1000) });
    await journal.close();
  });

  it('re-dates readings taken before the clock was synchronised, and routes health records', async () => {
    const journal = await openJournal();
    const clock = new SimulatedClock(T0);
    await journal.appendBatch(bootBeforeSync());
    const c = consumer(journal, clock);
    await c.drain({ final: true });
    expect(c.stats.restamped).toBe(2);
    const ts = await db.rows(
      `SELECT epoch_ms(timestamp)::BIGINT t FROM ${lakeGlob(join(dir, 'output'))} ORDER BY t`,
    );
    expect(ts.map((r) => Number(r.t))).toEqual([T0 - 50_000, T0 - 45_000, T0 + 5000]);
    const h = consumer(journal, clock, 'health');
    await h.drain({ final: true });
    const health = await db.rows(
      `SELECT epoch_ms(timestamp)::BIGINT t, cpu_temp_c, clock_synced FROM ${lakeGlob(join(dir, 'output-health'))}`,
    );
    expect(health).toEqual([{ t: BigInt(T0 - 48_000), cpu_temp_c: 50, clock_synced: false }]);
    await journal.close();
  });

  it('keeps readings in the journal and retries when a window cannot be written', async () => {
    const journal = await openJournal();
    const clock = new SimulatedClock(T0);
    writeFileSync(join(dir, 'output'), 'a file where the lake directory should be');
    await journal.appendBatch(Array.from({ length: 10 }, (_, i) => reading(T0 + i * 5000, i)));
    const c = consumer(journal, clock);
    await c.drain({ final: true });
    expect(c.stats.writeErrors).toBe(1);
    expect(journal.cursor('parquet')).toBe(0);
    await rm(join(dir, 'output'));
    await c.drain({ final: true });
    expect(c.stats.windows).toBe(1);
    expect(journal.cursor('parquet')).toBe(10);
    await journal.close();
  });
});

describe('LakeConsumer.drain with the records the caller has just journaled (a backfill)', () => {
  /** Counts the records the consumer reads back from the journal. */
  function countReads(journal: Journal) {
    const read = journal.read.bind(journal);
    const counter = { records: 0 };
    vi.spyOn(journal, 'read').mockImplementation(async function* (name, options) {
      for await (const rec of read(name, options)) {
        counter.records++;
        yield rec;
      }
    });
    return counter;
  }
  const lakeTimes = async (root: string) =>
    (await db.rows(`SELECT epoch_ms(timestamp)::BIGINT t FROM ${lakeGlob(root)} ORDER BY t`)).map((r) =>
      Number(r.t),
    );

  it('takes them from memory instead of reading them back, and writes the same lake', async () => {
    const journal = await openJournal();
    const clock = new SimulatedClock(T0);
    const values = Array.from({ length: 480 }, (_, i) => reading(T0 + i * 5000, i));
    await journal.appendBatch(values.slice(0, 100));
    const c = consumer(journal, clock);
    await c.drain();
    const reads = countReads(journal);
    await journal.appendBatch(values.slice(100));
    await c.drain({ final: true, journaled: { firstSeq: 101, values: values.slice(100) } });
    expect(reads.records).toBe(0);
    expect(c.stats.windows).toBe(4);
    expect(journal.cursor('parquet')).toBe(480);
    expect(await lakeTimes(join(dir, 'output'))).toEqual(values.map((_, i) => T0 + i * 5000));
    await journal.close();
  });

  it('reads the journal where they do not start at its next record: every reading once', async () => {
    const journal = await openJournal();
    const clock = new SimulatedClock(T0);
    const values = Array.from({ length: 480 }, (_, i) => reading(T0 + i * 5000, i));
    await journal.appendBatch(values);
    const c = consumer(journal, clock);
    const reads = countReads(journal);
    // The consumer is at seq 1 (a start, or a drain that failed): the group from 201 comes too late.
    await c.drain({ final: true, journaled: { firstSeq: 201, values: values.slice(200) } });
    expect(reads.records).toBe(480);
    expect(journal.cursor('parquet')).toBe(480);
    expect(await lakeTimes(join(dir, 'output'))).toEqual(values.map((_, i) => T0 + i * 5000));
    await journal.close();
  });

  it('takes none that readers may not see yet (not fsynced), and takes them once they are', async () => {
    const journal = await Journal.open({
      dir: join(dir, 'journal'),
      fsync: { interval: 3_600_000 },
      consumers: ['parquet', 'health'],
    });
    const clock = new SimulatedClock(T0);
    const values = Array.from({ length: 200 }, (_, i) => reading(T0 + i * 5000, i));
    await journal.appendBatch(values);
    const c = consumer(journal, clock);
    await c.drain({ final: true, journaled: { firstSeq: 1, values } });
    expect(c.stats.windows).toBe(0);
    expect(journal.cursor('parquet')).toBe(0);
    await journal.sync();
    await c.drain({ final: true, journaled: { firstSeq: 1, values } });
    expect(c.stats.rows).toBe(200);
    expect(journal.cursor('parquet')).toBe(200);
    await journal.close();
  });

  it('goes back to the journal for readings to re-date, and routes health records', async () => {
    const journal = await openJournal();
    const clock = new SimulatedClock(T0);
    const values = bootBeforeSync();
    await journal.appendBatch(values);
    const c = consumer(journal, clock);
    const h = consumer(journal, clock, 'health');
    await Promise.all([c, h].map((x) => x.drain({ final: true, journaled: { firstSeq: 1, values } })));
    expect(c.stats.restamped).toBe(2);
    expect(await lakeTimes(join(dir, 'output'))).toEqual([T0 - 50_000, T0 - 45_000, T0 + 5000]);
    expect(await lakeTimes(join(dir, 'output-health'))).toEqual([T0 - 48_000]);
    expect(journal.cursor('parquet')).toBe(5);
    expect(journal.cursor('health')).toBe(5);
    await journal.close();
  });
});

describe('LakeConsumer.run', () => {
  it('waits for the retry time after a failed write instead of spinning on new records', async () => {
    const journal = await openJournal();
    // A clock that stands still: sleeping only ends when the run is aborted.
    const still = {
      now: () => T0,
      sleepUntil: (_: number, signal?: AbortSignal) =>
        new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true })),
    };
    writeFileSync(join(dir, 'output'), 'not a directory');
    await journal.appendBatch(Array.from({ length: 200 }, (_, i) => reading(T0 + i * 5000, i)));
    const c = consumer(journal, still as unknown as SimulatedClock);
    let drains = 0;
    const drain = c.drain.bind(c);
    c.drain = async (o) => {
      drains++;
      return drain(o);
    };
    const controller = new AbortController();
    const running = c.run(controller.signal);
    await new Promise((r) => setTimeout(r, 200));
    controller.abort();
    await running;
    expect(c.stats.writeErrors).toBe(1);
    expect(drains).toBe(1);
    await journal.close();
  });
});
