import { appendFileSync, cpSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonCodec } from './codec.js';
import {
  InvalidCursorError,
  JournalClosedError,
  JournalLockedError,
  JournalOptionsError,
  RecordTooLargeError,
  UnknownConsumerError,
} from './errors.js';
import { Journal } from './journal.js';
import type { JournalOptions } from './options.js';
import { HEADER_BYTES } from './record.js';
import { captureLogger, flipByte, makeTempDir, payloadFor, readAll, samePayload } from './test-support.js';

let dir: string;
let cleanup: () => void;
const open: Journal<unknown>[] = [];

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir());
});
const cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const j of open.splice(0)) await j.close();
  cleanup();
  for (const c of cleanups.splice(0)) c();
});

async function openJournal(options: Partial<JournalOptions> = {}): Promise<Journal> {
  const journal = await Journal.open({
    dir,
    fsync: 'always',
    consumers: ['parquet'],
    logger: captureLogger(),
    ...options,
  });
  open.push(journal as Journal<unknown>);
  return journal;
}

describe('append and read', () => {
  it('assigns seqs from 1 upwards and reads every payload back byte for byte', async () => {
    const journal = await openJournal();
    const seqs: number[] = [];
    for (let seq = 1; seq <= 50; seq++) seqs.push(await journal.append(payloadFor(seq)));
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const records = await readAll(journal, 'parquet');
    expect(records.map((r) => r.seq)).toEqual(seqs);
    for (const r of records) expect(samePayload(r.seq, r.value)).toBe(true);
  });

  it('groups concurrent appends under fsync always and keeps their order', async () => {
    const journal = await openJournal();
    const seqs = await Promise.all(Array.from({ length: 200 }, (_, i) => journal.append(payloadFor(i + 1))));
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    // One fsync at open and far fewer than one per append afterwards.
    expect(journal.stats().fsyncs).toBeLessThan(20);
    const records = await readAll(journal, 'parquet');
    expect(records).toHaveLength(200);
    for (const r of records) expect(samePayload(r.seq, r.value)).toBe(true);
  });

  it('reads from the cursor by default, from fromSeq when given, and stops at maxRecords', async () => {
    const journal = await openJournal();
    await journal.appendBatch(Array.from({ length: 30 }, (_, i) => payloadFor(i + 1)));
    await journal.commit('parquet', 10);
    expect((await journal.readBatch('parquet')).map((r) => r.seq)[0]).toBe(11);
    expect((await journal.readBatch('parquet', { fromSeq: 25 })).map((r) => r.seq)).toEqual([
      25, 26, 27, 28, 29, 30,
    ]);
    expect((await journal.readBatch('parquet', { maxRecords: 3 })).map((r) => r.seq)).toEqual([11, 12, 13]);
  });

  it('continues the seqs after a reopen and spans many segments', async () => {
    let journal = await openJournal({ segmentBytes: 1024 });
    const first = await journal.appendBatch(Array.from({ length: 100 }, (_, i) => payloadFor(i + 1)));
    expect(first).toEqual({ firstSeq: 1, lastSeq: 100 });
    await journal.close();
    open.length = 0;
    journal = await openJournal({ segmentBytes: 1024 });
    expect(journal.stats().segments).toBeGreaterThan(3);
    expect(await journal.append(payloadFor(101))).toBe(101);
    const records = await readAll(journal, 'parquet');
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 101 }, (_, i) => i + 1));
    for (const r of records) expect(samePayload(r.seq, r.value)).toBe(true);
  });

  it('reads from the middle of a large segment without losing records (checkpoints)', async () => {
    const journal = await openJournal({ segmentBytes: 1024 * 1024, fsync: 'never' });
    const payload = new Uint8Array(1000);
    for (let i = 0; i < 400; i++) await journal.append(payload);
    const records = await journal.readBatch('parquet', { fromSeq: 333 });
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 68 }, (_, i) => 333 + i));
  });

  it('encodes objects with the json codec', async () => {
    const journal = await Journal.open<{ t: number; temperature: number | null }>({
      dir,
      consumers: ['snowpipe'],
      codec: jsonCodec(),
      logger: captureLogger(),
    });
    try {
      await journal.append({ t: 1, temperature: 21.5 });
      await journal.append({ t: 2, temperature: null });
      await journal.sync();
      const records = await journal.readBatch('snowpipe');
      expect(records).toEqual([
        { seq: 1, value: { t: 1, temperature: 21.5 } },
        { seq: 2, value: { t: 2, temperature: null } },
      ]);
    } finally {
      await journal.close();
    }
  });
});

describe('opening after a close or a kill', () => {
  const kib = (seq: number) => payloadFor(seq, 1000);
  const recordAt = (seq: number) => (seq - 1) * (HEADER_BYTES + 1000);

  /** 300 records of 1 KB, 'parquet' committed to 250, and the directory as a kill leaves it. */
  async function killedJournal(): Promise<{
    copy: string;
    resume: { segment: number; seq: number; offset: number };
  }> {
    const journal = await openJournal({ segmentBytes: 1024 * 1024 });
    for (let i = 0; i < 300; i += 20)
      await journal.appendBatch(Array.from({ length: 20 }, (_, k) => kib(i + k + 1)));
    await journal.commit('parquet', 250);
    const { dir: copy, cleanup: remove } = makeTempDir('journal-killed-');
    cleanups.push(remove);
    cpSync(dir, copy, { recursive: true });
    rmSync(join(copy, 'LOCK'));
    const { resume } = JSON.parse(readFileSync(join(copy, 'cursors', 'parquet.json'), 'utf8'));
    return { copy, resume };
  }

  it.each(['always', 'never', { interval: 1000 }] as const)(
    "after a clean close, scans from the consumers' resume point (fsync %o)",
    async (fsync) => {
      let journal = await openJournal({ fsync, segmentBytes: 1024 * 1024 });
      await journal.appendBatch(Array.from({ length: 300 }, (_, i) => kib(i + 1)));
      await journal.sync();
      await journal.commit('parquet', 300);
      await journal.close();
      open.length = 0;
      // Record 10, committed, is damaged while the journal is closed: the open does not read it again.
      flipByte(join(dir, '0000000000000001.seg'), recordAt(10) + HEADER_BYTES + 5);
      journal = await openJournal({ fsync, segmentBytes: 1024 * 1024 });
      expect(journal.stats()).toMatchObject({ lastSeq: 300, corrupt: { records: 0 } });
      expect(await journal.append(kib(301))).toBe(301);
      await journal.sync();
      expect((await journal.readBatch('parquet')).map((r) => r.seq)).toEqual([301]);
    },
  );

  it('scans the newest segment only from where every consumer had read, and finds damage before it when reading', async () => {
    const { copy, resume } = await killedJournal();
    // The cursor names a record boundary at or before record 250: a checkpoint of the segment.
    expect(resume.segment).toBe(1);
    expect(resume.seq).toBeGreaterThan(1);
    expect(resume.seq).toBeLessThanOrEqual(250);
    expect(resume.offset).toBe(recordAt(resume.seq));
    // Record 10, read and committed before the kill, is damaged afterwards.
    flipByte(join(copy, '0000000000000001.seg'), recordAt(10) + HEADER_BYTES + 5);
    const journal = await openJournal({ dir: copy, segmentBytes: 1024 * 1024 });
    // Not scanned at open…
    expect(journal.stats().corrupt.records).toBe(0);
    expect(journal.stats().lastSeq).toBe(300);
    expect(await journal.append(kib(301))).toBe(301);
    expect((await journal.readBatch('parquet')).map((r) => r.seq)).toEqual(
      Array.from({ length: 51 }, (_, i) => 251 + i),
    );
    // …but found by a reader that reads it.
    const all = await journal.readBatch('parquet', { fromSeq: 1 });
    expect(all).toHaveLength(300);
    expect(all.some((r) => r.seq === 10)).toBe(false);
    expect(journal.stats().corrupt).toMatchObject({ regions: 1, records: 1 });
  });

  it('scans the whole segment when the record a resume point names is not intact', async () => {
    const { copy, resume } = await killedJournal();
    flipByte(join(copy, '0000000000000001.seg'), resume.offset + HEADER_BYTES + 5);
    const journal = await openJournal({ dir: copy, segmentBytes: 1024 * 1024 });
    expect(journal.stats().corrupt).toMatchObject({ regions: 1, records: 1 });
    expect(journal.stats().lastSeq).toBe(300);
    expect(await journal.append(kib(301))).toBe(301);
    const all = await journal.readBatch('parquet', { fromSeq: 1 });
    expect(all.map((r) => r.seq)).toEqual(
      Array.from({ length: 301 }, (_, i) => i + 1).filter((seq) => seq !== resume.seq),
    );
  });

  it('still cuts a torn write at the end when it starts from a resume point', async () => {
    const { copy } = await killedJournal();
    appendFileSync(join(copy, '0000000000000001.seg'), Buffer.from('OSJ1\x00\x01torn'));
    const journal = await openJournal({ dir: copy, segmentBytes: 1024 * 1024 });
    expect(journal.stats().tornTail.bytes).toBe(10);
    expect(await journal.append(kib(301))).toBe(301);
    const all = await journal.readBatch('parquet', { fromSeq: 1 });
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 301 }, (_, i) => i + 1));
    for (const r of all) expect(samePayload(r.seq, r.value, 1000)).toBe(true);
  });
});

describe('fsync policies and visibility', () => {
  it('under interval, readers see a record only once it is fsynced', async () => {
    const journal = await openJournal({ fsync: { interval: 60_000 } });
    expect(await journal.append(payloadFor(1))).toBe(1);
    expect(journal.stats().lastSeq).toBe(1);
    expect(journal.readableSeq).toBe(0);
    expect(await readAll(journal, 'parquet')).toEqual([]);
    await expect(journal.commit('parquet', 1)).rejects.toBeInstanceOf(InvalidCursorError);
    expect(await journal.sync()).toBe(1);
    expect(journal.readableSeq).toBe(1);
    expect((await readAll(journal, 'parquet')).map((r) => r.seq)).toEqual([1]);
  });

  it('under interval, the timer fsyncs on its own', async () => {
    const timers: Array<() => void> = [];
    const journal = await openJournal({
      fsync: { interval: 500 },
      clock: { now: () => 0, setTimeout: (cb) => timers.push(cb), clearTimeout: () => {} },
    });
    await journal.append(payloadFor(1));
    await journal.append(payloadFor(2));
    expect(timers).toHaveLength(1);
    const waiting = journal.waitForSeq(2);
    timers[0]?.();
    expect(await waiting).toBe(true);
    expect(journal.readableSeq).toBe(2);
  });

  it('under never, records are readable at once and close still fsyncs', async () => {
    const journal = await openJournal({ fsync: 'never' });
    await journal.append(payloadFor(1));
    expect(journal.readableSeq).toBe(1);
    const before = journal.stats().fsyncs;
    await journal.close();
    expect(journal.stats().fsyncs).toBe(before + 1);
  });
});

describe('reading while the journal changes', () => {
  it('a reader keeps going when drop-oldest deletes the segments it is reading', async () => {
    const journal = await openJournal({
      fsync: 'never',
      segmentBytes: 1024,
      maxBytes: 4096,
      consumers: ['c'],
    });
    await journal.appendBatch(Array.from({ length: 80 }, (_, i) => payloadFor(i + 1)));
    const reader = journal.read('c');
    const first = await reader.next();
    expect(first.value?.seq).toBe(1);
    for (let seq = 81; seq <= 400; seq++) await journal.append(payloadFor(seq));
    expect(journal.stats().droppedToFull.segments).toBeGreaterThan(2);
    const seen: number[] = [];
    for await (const record of reader) {
      expect(samePayload(record.seq, record.value)).toBe(true);
      seen.push(record.seq);
    }
    // It finished the segment it had open, skipped the deleted ones, and stopped at its snapshot.
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.every((seq) => seq > 1 && seq <= 80)).toBe(true);
    expect(journal.stats().consumers.c?.lostToFull).toBeGreaterThan(0);
  });

  it('waitForSeq resolves when a record becomes readable and rejects when aborted', async () => {
    const journal = await openJournal({ fsync: 'always' });
    const ready = journal.waitForSeq(3);
    const controller = new AbortController();
    const abandoned = journal.waitForSeq(100, controller.signal);
    await journal.appendBatch([payloadFor(1), payloadFor(2), payloadFor(3)]);
    expect(await ready).toBe(true);
    controller.abort(new Error('shutting down'));
    await expect(abandoned).rejects.toThrow('shutting down');
    expect(await journal.waitForSeq(2)).toBe(true);
  });
});

describe('consumers and cursors', () => {
  it('persists a cursor atomically as a small JSON file and restores it on open', async () => {
    let journal = await openJournal({ consumers: ['parquet', 'snowpipe'] });
    await journal.appendBatch(Array.from({ length: 5 }, (_, i) => payloadFor(i + 1)));
    await journal.commit('parquet', 4);
    await journal.commit('snowpipe', 2);
    const stored = JSON.parse(readFileSync(join(dir, 'cursors', 'parquet.json'), 'utf8'));
    expect(stored).toMatchObject({ consumer: 'parquet', seq: 4 });
    expect(readdirSync(join(dir, 'cursors')).sort()).toEqual(['parquet.json', 'snowpipe.json']);
    await journal.close();
    open.length = 0;
    journal = await openJournal({ consumers: [] });
    expect(journal.consumers()).toEqual(['parquet', 'snowpipe']);
    expect(journal.cursor('parquet')).toBe(4);
    expect(journal.cursor('snowpipe')).toBe(2);
    const stats = journal.stats();
    expect(stats.consumers).toMatchObject({
      parquet: { cursor: 4, backlog: 1, lostToFull: 0 },
      snowpipe: { cursor: 2, backlog: 3, lostToFull: 0 },
    });
    // Five records of one size in one segment: the bytes behind follow the records behind.
    expect(stats.consumers.parquet?.backlogBytes).toBe(Math.round(stats.bytes / 5));
    expect(stats.consumers.snowpipe?.backlogBytes).toBe(Math.round((stats.bytes * 3) / 5));
  });

  it('applies concurrent commits in order and ends at the highest', async () => {
    const journal = await openJournal();
    await journal.appendBatch(Array.from({ length: 20 }, (_, i) => payloadFor(i + 1)));
    await Promise.all([5, 10, 15, 20].map((seq) => journal.commit('parquet', seq)));
    expect(journal.cursor('parquet')).toBe(20);
    expect(JSON.parse(readFileSync(join(dir, 'cursors', 'parquet.json'), 'utf8')).seq).toBe(20);
  });

  it('rejects a cursor that moves back, is not an integer, or names an unknown consumer', async () => {
    const journal = await openJournal();
    await journal.appendBatch([payloadFor(1), payloadFor(2)]);
    await journal.commit('parquet', 2);
    await expect(journal.commit('parquet', 1)).rejects.toThrow(/never moves back/);
    await expect(journal.commit('parquet', 1.5)).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(journal.commit('nobody', 1)).rejects.toBeInstanceOf(UnknownConsumerError);
    await expect(journal.commit('nobody', 1)).rejects.toThrow(/known: parquet/);
    await journal.commit('parquet', 2);
    expect(journal.cursor('parquet')).toBe(2);
  });

  it('adds a consumer at the oldest or latest record and removes one', async () => {
    const journal = await openJournal();
    await journal.appendBatch([payloadFor(1), payloadFor(2), payloadFor(3)]);
    await journal.addConsumer('backfill');
    await journal.addConsumer('live', { startAt: 'latest' });
    expect((await journal.readBatch('backfill')).map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(await journal.readBatch('live')).toEqual([]);
    await journal.removeConsumer('backfill');
    expect(journal.consumers()).toEqual(['live', 'parquet']);
    await expect(journal.addConsumer('bad name')).rejects.toThrow(/invalid/);
  });

  it('falls back to replaying from the start when a cursor file is unreadable', async () => {
    let journal = await openJournal();
    await journal.appendBatch([payloadFor(1), payloadFor(2)]);
    await journal.commit('parquet', 2);
    await journal.close();
    open.length = 0;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'cursors', 'parquet.json'), '{"seq": "garbage');
    const logger = captureLogger();
    journal = await openJournal({ logger });
    expect(journal.cursor('parquet')).toBe(0);
    expect(logger.entries.some((e) => e.level === 'error' && e.fields?.consumer === 'parquet')).toBe(true);
  });
});

describe('errors', () => {
  it('lists every bad option at once', async () => {
    const bad = Journal.open({
      dir,
      fsync: { interval: -1 },
      segmentBytes: 10,
      onFull: 'explode' as 'reject',
      consumers: ['ok', 'not ok'],
    });
    await expect(bad).rejects.toBeInstanceOf(JournalOptionsError);
    const err = (await bad.catch((e: unknown) => e)) as JournalOptionsError;
    expect(err.issues.map((i) => i.option)).toEqual([
      'fsync.interval',
      'segmentBytes',
      'onFull',
      'consumers',
    ]);
    await expect(Journal.open({ dir, segmentBytes: 4096, maxBytes: 4096 })).rejects.toThrow(
      /maxBytes: expected an integer >= 8192/,
    );
  });

  it('refuses a second open of the same directory and a record over maxRecordBytes', async () => {
    const journal = await openJournal({ maxRecordBytes: 100 });
    await expect(Journal.open({ dir })).rejects.toBeInstanceOf(JournalLockedError);
    await expect(journal.append(new Uint8Array(81))).rejects.toBeInstanceOf(RecordTooLargeError);
    expect(await journal.append(new Uint8Array(80))).toBe(1);
  });

  it('takes over the lock of a process that is gone', async () => {
    const { writeFileSync } = await import('node:fs');
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    // pid 2^22 + 1 is above Linux's pid_max limit, so no process can have it.
    writeFileSync(join(dir, 'LOCK'), JSON.stringify({ pid: 4194305, bootId }));
    const journal = await openJournal();
    expect(await journal.append(payloadFor(1))).toBe(1);
  });

  it('rejects work after close with JournalClosedError', async () => {
    const journal = await openJournal();
    await journal.append(payloadFor(1));
    await journal.close();
    await expect(journal.append(payloadFor(2))).rejects.toBeInstanceOf(JournalClosedError);
    await expect(journal.commit('parquet', 1)).rejects.toBeInstanceOf(JournalClosedError);
    expect(await journal.waitForSeq(5)).toBe(false);
    // Closing released the directory.
    const again = await openJournal();
    expect(again.stats().lastSeq).toBe(1);
  });
});

describe('interrupted cursor commits', () => {
  it('ignores and removes the temp file of a commit that a crash cut short', async () => {
    let journal = await openJournal();
    await journal.appendBatch([payloadFor(1), payloadFor(2), payloadFor(3)]);
    await journal.commit('parquet', 2);
    await journal.close();
    open.length = 0;
    const { existsSync, writeFileSync } = await import('node:fs');
    const tmp = join(dir, 'cursors', 'parquet.json.tmp');
    writeFileSync(tmp, '{"consumer":"parquet","se');
    journal = await openJournal();
    expect(journal.cursor('parquet')).toBe(2);
    expect(existsSync(tmp)).toBe(false);
  });
});
