import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JournalFullError } from './errors.js';
import { Journal } from './journal.js';
import { captureLogger, makeTempDir, payloadFor, readAll } from './test-support.js';

let dir: string;
let cleanup: () => void;

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir());
});
afterEach(() => cleanup());

function bytesOnDisk(): number {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.seg'))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

function segmentCount(): number {
  return readdirSync(dir).filter((f) => f.endsWith('.seg')).length;
}

describe('retention', () => {
  it('deletes a segment only when every consumer has committed past it', async () => {
    const journal = await Journal.open({
      dir,
      fsync: 'always',
      segmentBytes: 1024,
      consumers: ['parquet', 'snowpipe'],
      logger: captureLogger(),
    });
    await journal.appendBatch(Array.from({ length: 100 }, (_, i) => payloadFor(i + 1)));
    const segments = segmentCount();
    expect(segments).toBeGreaterThan(4);

    await journal.commit('parquet', 100);
    expect(segmentCount()).toBe(segments);
    expect((await readAll(journal, 'snowpipe', 1)).length).toBe(100);

    await journal.commit('snowpipe', 40);
    const afterPartial = segmentCount();
    expect(afterPartial).toBeLessThan(segments);
    // Everything snowpipe has not committed is still readable.
    const rest = await journal.readBatch('snowpipe');
    expect(rest.map((r) => r.seq)).toEqual(Array.from({ length: 60 }, (_, i) => 41 + i));
    expect(journal.stats().firstSeq).toBeLessThanOrEqual(41);

    await journal.commit('snowpipe', 100);
    expect(segmentCount()).toBe(1);
    expect(journal.stats().bytes).toBe(bytesOnDisk());
    await journal.close();
  });

  it('keeps everything for a consumer that never committed', async () => {
    const journal = await Journal.open({
      dir,
      segmentBytes: 1024,
      consumers: ['parquet', 'idle'],
      logger: captureLogger(),
    });
    await journal.appendBatch(Array.from({ length: 100 }, (_, i) => payloadFor(i + 1)));
    await journal.sync();
    await journal.commit('parquet', 100);
    expect((await journal.readBatch('idle')).length).toBe(100);
    await journal.removeConsumer('idle');
    expect(segmentCount()).toBe(1);
    await journal.close();
  });
});

describe('bounded disk', () => {
  it("'drop-oldest' never lets the journal pass maxBytes and counts what each consumer lost", async () => {
    const logger = captureLogger();
    const maxBytes = 4096;
    const journal = await Journal.open({
      dir,
      fsync: 'never',
      segmentBytes: 1024,
      maxBytes,
      consumers: ['parquet', 'snowpipe'],
      logger,
    });
    for (let seq = 1; seq <= 400; seq++) {
      await journal.append(payloadFor(seq));
      expect(bytesOnDisk()).toBeLessThanOrEqual(maxBytes);
      if (seq === 40) await journal.commit('parquet', 40);
    }
    let stats = journal.stats();
    expect(stats.bytes).toBe(bytesOnDisk());
    expect(stats.droppedToFull.segments).toBeGreaterThan(0);
    // Losses are counted when a consumer comes to read, not when the segment goes.
    expect(stats.consumers.snowpipe?.lostToFull).toBe(0);
    const warnings = logger.entries.filter((e) => e.message.includes('journal full'));
    expect(warnings.length).toBe(stats.droppedToFull.segments);
    expect(warnings[0]?.fields).toMatchObject({ firstSeq: 1, uncommitted: { snowpipe: expect.any(Number) } });

    const survivors = await journal.readBatch('snowpipe');
    const firstHeld = survivors[0]?.seq ?? 401;
    await journal.readBatch('parquet');
    stats = journal.stats();
    // snowpipe never committed: it lost exactly the records that are no longer there.
    expect(stats.consumers.snowpipe?.lostToFull).toBe(firstHeld - 1);
    // parquet had committed up to 40 before anything was dropped: only later records count for it.
    expect(stats.consumers.parquet?.lostToFull).toBe(firstHeld - 1 - 40);
    expect(survivors.at(-1)?.seq).toBe(400);
    const lost = logger.entries.filter((e) => e.message.includes('before this consumer read them'));
    expect(lost.map((e) => e.fields)).toEqual([
      expect.objectContaining({
        consumer: 'snowpipe',
        firstSeq: 1,
        lastSeq: firstHeld - 1,
        records: firstHeld - 1,
      }),
      expect.objectContaining({
        consumer: 'parquet',
        firstSeq: 41,
        lastSeq: firstHeld - 1,
        records: firstHeld - 41,
      }),
    ]);
    // Reading again counts nothing more.
    await journal.readBatch('snowpipe', { fromSeq: 1 });
    expect(journal.stats().consumers.snowpipe?.lostToFull).toBe(firstHeld - 1);
    await journal.close();
  });

  it('counts a loss once across restarts, and not for records the consumer had read before the drop', async () => {
    const logger = captureLogger();
    const options = {
      dir,
      fsync: 'never' as const,
      segmentBytes: 1024,
      maxBytes: 4096,
      consumers: ['c'],
      logger,
    };
    let journal = await Journal.open(options);
    await journal.appendBatch(Array.from({ length: 30 }, (_, i) => payloadFor(i + 1)));
    // The consumer reads 1..30 (an open window in memory) without committing, then the bound drops them.
    expect((await journal.readBatch('c')).length).toBe(30);
    for (let seq = 31; seq <= 400; seq++) await journal.append(payloadFor(seq));
    const firstHeld = journal.stats().firstSeq as number;
    expect(firstHeld).toBeGreaterThan(31);
    // It goes on reading where it was: only 31..firstHeld-1 were lost to it; 1..30 it still delivers.
    const next = await journal.readBatch('c', { fromSeq: 31, maxRecords: 1 });
    expect(next[0]?.seq).toBe(firstHeld);
    expect(journal.stats().consumers.c?.lostToFull).toBe(firstHeld - 31);
    await journal.close();

    // A restart reads from the cursor (0) again: 1..30 are now lost too (the process that had them
    // is gone), 31..firstHeld-1 were counted already.
    journal = await Journal.open(options);
    await journal.readBatch('c');
    expect(journal.stats().consumers.c?.lostToFull).toBe(30);
    await journal.commit('c', firstHeld + 5);
    await journal.close();
    journal = await Journal.open(options);
    await journal.readBatch('c', { fromSeq: 1 });
    expect(journal.stats().consumers.c?.lostToFull).toBe(0);
    const counted = logger.entries
      .filter((e) => e.message.includes('before this consumer read them'))
      .reduce((n, e) => n + (e.fields?.records as number), 0);
    expect(counted).toBe(firstHeld - 1);
    await journal.close();
  });

  it('a consumer added after segments were deleted does not count them as its losses', async () => {
    const journal = await Journal.open({
      dir,
      fsync: 'never',
      segmentBytes: 1024,
      maxBytes: 4096,
      consumers: ['old'],
      logger: captureLogger(),
    });
    for (let seq = 1; seq <= 400; seq++) await journal.append(payloadFor(seq));
    await journal.addConsumer('late');
    const records = await journal.readBatch('late');
    expect(records[0]?.seq).toBe(journal.stats().firstSeq);
    expect(journal.stats().consumers.late?.lostToFull).toBe(0);
    await journal.close();
  });

  it("'reject' refuses the record with JournalFullError until a commit frees space", async () => {
    const journal = await Journal.open({
      dir,
      fsync: 'never',
      segmentBytes: 1024,
      maxBytes: 2048,
      onFull: 'reject',
      consumers: ['parquet'],
      logger: captureLogger(),
    });
    let lastSeq = 0;
    let error: unknown;
    for (let seq = 1; seq <= 200 && !error; seq++) {
      try {
        lastSeq = await journal.append(payloadFor(seq));
      } catch (err) {
        error = err;
      }
    }
    expect(error).toBeInstanceOf(JournalFullError);
    expect(String(error)).toMatch(/Commit consumer cursors, raise maxBytes/);
    expect(bytesOnDisk()).toBeLessThanOrEqual(2048);
    expect(journal.stats().lastSeq).toBe(lastSeq);
    await journal.commit('parquet', lastSeq);
    expect(await journal.append(payloadFor(lastSeq + 1))).toBe(lastSeq + 1);
    expect(journal.stats().droppedToFull.segments).toBe(0);
    await journal.close();
  });

  it('enforces a lowered maxBytes when the journal is reopened', async () => {
    let journal = await Journal.open({
      dir,
      fsync: 'never',
      segmentBytes: 1024,
      consumers: ['c'],
      logger: captureLogger(),
    });
    await journal.appendBatch(Array.from({ length: 200 }, (_, i) => payloadFor(i + 1)));
    await journal.close();
    expect(bytesOnDisk()).toBeGreaterThan(4096);
    journal = await Journal.open({
      dir,
      segmentBytes: 1024,
      maxBytes: 4096,
      consumers: ['c'],
      logger: captureLogger(),
    });
    expect(bytesOnDisk()).toBeLessThanOrEqual(4096);
    expect(journal.stats().droppedToFull.segments).toBeGreaterThan(0);
    const kept = await journal.readBatch('c');
    expect(journal.stats().consumers.c?.lostToFull).toBe((kept[0]?.seq as number) - 1);
    await journal.close();
  });
});
