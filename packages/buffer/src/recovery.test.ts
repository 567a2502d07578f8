import { cpSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inspectJournal } from './inspect.js';
import { Journal } from './journal.js';
import { HEADER_BYTES } from './record.js';
import {
  captureLogger,
  makeTempDir,
  payloadFor,
  readAll,
  samePayload,
  seededRandom,
} from './test-support.js';

let dir: string;
let cleanup: () => void;

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir());
});
afterEach(() => cleanup());

function segmentFiles(journalDir: string): string[] {
  return readdirSync(journalDir)
    .filter((f) => f.endsWith('.seg'))
    .sort()
    .map((f) => join(journalDir, f));
}

async function writeJournal(at: string, count: number, segmentBytes = 1024 * 1024): Promise<void> {
  const journal = await Journal.open({
    dir: at,
    fsync: 'never',
    segmentBytes,
    consumers: ['c'],
    logger: captureLogger(),
  });
  await journal.appendBatch(Array.from({ length: count }, (_, i) => payloadFor(i + 1)));
  await journal.close();
}

describe('recovery of a torn tail', () => {
  it('keeps every earlier record whatever byte of the last record the crash stopped at', async () => {
    const source = join(dir, 'source');
    await writeJournal(source, 20);
    const [segment] = segmentFiles(source);
    const fullSize = statSync(segment as string).size;
    const lastRecord = HEADER_BYTES + payloadFor(20).length;
    const lastStart = fullSize - lastRecord;

    for (let cut = 0; cut <= lastRecord; cut++) {
      const copy = join(dir, `cut-${cut}`);
      cpSync(source, copy, { recursive: true });
      truncateSync(join(copy, basename(segment as string)), lastStart + cut);
      const logger = captureLogger();
      const journal = await Journal.open({ dir: copy, fsync: 'always', consumers: ['c'], logger });
      const complete = cut === lastRecord;
      const records = await readAll(journal, 'c');
      expect(records.map((r) => r.seq)).toEqual(Array.from({ length: complete ? 20 : 19 }, (_, i) => i + 1));
      for (const r of records) expect(samePayload(r.seq, r.value)).toBe(true);
      const stats = journal.stats();
      const torn = complete || cut === 0 ? 0 : cut;
      expect(stats.tornTail.bytes).toBe(torn);
      expect(logger.entries.filter((e) => e.message.includes('torn')).length).toBe(torn > 0 ? 1 : 0);
      // The torn bytes are gone, so the next record directly follows the last valid one.
      const next = await journal.append(payloadFor(complete ? 21 : 20));
      expect(next).toBe(complete ? 21 : 20);
      expect((await readAll(journal, 'c')).map((r) => r.seq).at(-1)).toBe(next);
      await journal.close();
    }
  });

  it('drops garbage after the last record (e.g. zeroed blocks after a power cut)', async () => {
    await writeJournal(dir, 10);
    const [segment] = segmentFiles(dir);
    const before = statSync(segment as string).size;
    writeFileSync(segment as string, Buffer.alloc(4096), { flag: 'a' });
    const journal = await Journal.open({ dir, consumers: ['c'], logger: captureLogger() });
    expect((await readAll(journal, 'c')).map((r) => r.seq)).toEqual(
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
    expect(statSync(segment as string).size).toBe(before);
    expect(journal.stats().tornTail.bytes).toBe(4096);
    await journal.close();
  });
});

describe('recovery from corruption in the middle', () => {
  it('loses only the damaged records under seeded random corruption, in the active and older segments', async () => {
    const random = seededRandom(20240611);
    for (let round = 0; round < 12; round++) {
      const roundDir = join(dir, `round-${round}`);
      await writeJournal(roundDir, 300, 4096);
      const segments = segmentFiles(roundDir);
      expect(segments.length).toBeGreaterThan(3);
      // Damage 1-3 bytes inside one record of a random segment, never the very last record.
      const target = segments[Math.floor(random() * segments.length)] as string;
      const bytes = readFileSync(target);
      const limit = target === segments.at(-1) ? bytes.length - 80 : bytes.length;
      const at = Math.floor(random() * limit);
      const flips = 1 + Math.floor(random() * 3);
      for (let i = 0; i < flips && at + i < bytes.length; i++)
        bytes[at + i] = (bytes[at + i] as number) ^ (1 + Math.floor(random() * 255));
      writeFileSync(target, bytes);

      const logger = captureLogger();
      const journal = await Journal.open({ dir: roundDir, consumers: ['c'], logger, segmentBytes: 4096 });
      const records = await readAll(journal, 'c');
      const seqs = records.map((r) => r.seq);
      // Every returned record is intact, in order, and only a few around the damage are missing.
      for (const r of records) expect(samePayload(r.seq, r.value)).toBe(true);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      const missing = 300 - seqs.length;
      expect(missing).toBeGreaterThanOrEqual(1);
      expect(missing).toBeLessThanOrEqual(3);
      expect(seqs.at(-1)).toBe(300);
      const stats = journal.stats();
      expect(stats.corrupt.regions).toBeGreaterThanOrEqual(1);
      expect(stats.corrupt.records).toBe(missing);
      expect(logger.entries.some((e) => e.message.includes('damaged'))).toBe(true);
      // Reading again does not count the same damage twice.
      await readAll(journal, 'c');
      expect(journal.stats().corrupt.regions).toBe(stats.corrupt.regions);
      expect(await journal.append(payloadFor(301))).toBe(301);
      await journal.close();
    }
  });

  it('a damaged length field cannot make recovery swallow the records after it', async () => {
    await writeJournal(dir, 50);
    const [segment] = segmentFiles(dir);
    const bytes = readFileSync(segment as string);
    // Record 10 starts after nine records; claim a huge length for it.
    let offset = 0;
    for (let seq = 1; seq < 10; seq++) offset += HEADER_BYTES + payloadFor(seq).length;
    bytes.writeUInt32LE(60_000, offset + 8);
    writeFileSync(segment as string, bytes);
    const journal = await Journal.open({ dir, consumers: ['c'], logger: captureLogger() });
    const seqs = (await readAll(journal, 'c')).map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1).filter((s) => s !== 10));
    expect(journal.stats().corrupt).toEqual({
      regions: 1,
      bytes: HEADER_BYTES + payloadFor(10).length,
      records: 1,
    });
    await journal.close();
  });
});

describe('sequence numbers across recovery', () => {
  it('never reuses a seq after retention deleted every older segment', async () => {
    let journal = await Journal.open({
      dir,
      fsync: 'always',
      segmentBytes: 1024,
      consumers: ['c'],
      logger: captureLogger(),
    });
    const { lastSeq } = await journal.appendBatch(Array.from({ length: 80 }, (_, i) => payloadFor(i + 1)));
    await journal.commit('c', lastSeq);
    await journal.close();
    journal = await Journal.open({ dir, segmentBytes: 1024, consumers: ['c'], logger: captureLogger() });
    expect(journal.stats().segments).toBe(1);
    expect(await journal.append(payloadFor(81))).toBe(81);
    await journal.close();
  });

  it('a cursor ahead of the surviving records replays them, and new seqs continue after it', async () => {
    // Under fsync 'never' a power cut can take back records a consumer already committed (here 6-9).
    await writeJournal(dir, 5);
    writeFileSync(join(dir, 'cursors', 'c.json'), JSON.stringify({ consumer: 'c', seq: 9, committedAt: '' }));
    const logger = captureLogger();
    const journal = await Journal.open({ dir, consumers: ['c'], logger });
    expect(logger.entries.filter((e) => e.level === 'error')).toHaveLength(1);
    expect(await journal.append(payloadFor(10))).toBe(10);
    await journal.sync();
    // 1-5 were committed before: replayed, and skipped downstream by seq. Nothing is skipped here.
    expect((await journal.readBatch('c')).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 10]);
    await journal.close();
  });

  it('a cursor edited past the end of the journal replays the records still in it instead of skipping them', async () => {
    let journal = await Journal.open({
      dir,
      fsync: 'always',
      consumers: ['parquet', 'snowpipe'],
      logger: captureLogger(),
    });
    await journal.appendBatch(Array.from({ length: 10 }, (_, i) => payloadFor(i + 1)));
    await journal.commit('parquet', 4);
    await journal.commit('snowpipe', 10);
    await journal.close();
    const cursorFile = join(dir, 'cursors', 'parquet.json');
    writeFileSync(cursorFile, JSON.stringify({ consumer: 'parquet', seq: 500, committedAt: '' }));
    // What a status command sees before the next open: the records that open will replay.
    expect((await inspectJournal(dir)).consumers.parquet).toEqual({ cursor: 500, backlog: 10 });

    const logger = captureLogger();
    journal = await Journal.open({ dir, fsync: 'always', consumers: ['parquet', 'snowpipe'], logger });
    expect(logger.entries.filter((e) => e.level === 'error')).toEqual([
      {
        level: 'error',
        message:
          'consumer cursor is past the last record of the journal; it is moved back to replay every record the journal holds',
        fields: expect.objectContaining({
          consumer: 'parquet',
          cursor: 500,
          lastSeq: 10,
          replayFrom: 1,
          records: 10,
        }),
      },
    ]);
    expect(journal.cursor('parquet')).toBe(0);
    expect(journal.cursor('snowpipe')).toBe(10);
    expect((await journal.readBatch('parquet')).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(journal.stats().consumers.parquet?.backlog).toBe(10);
    expect(JSON.parse(readFileSync(cursorFile, 'utf8')).seq).toBe(0);
    await journal.close();

    // Reopened without an append: the high-water mark survived the rewind, so no seq up to 500 is reused.
    const again = captureLogger();
    journal = await Journal.open({ dir, fsync: 'always', consumers: ['parquet', 'snowpipe'], logger: again });
    expect(again.entries.filter((e) => e.level === 'error')).toEqual([]);
    expect(await journal.append(payloadFor(501))).toBe(501);
    expect((await journal.readBatch('parquet')).map((r) => r.seq)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 501,
    ]);
    expect((await journal.readBatch('snowpipe')).map((r) => r.seq)).toEqual([501]);
    await journal.close();
  });

  it('a cursor past the end of a journal whose records retention deleted moves back to the end', async () => {
    let journal = await Journal.open({ dir, fsync: 'always', consumers: ['c'], logger: captureLogger() });
    await journal.appendBatch(Array.from({ length: 3 }, (_, i) => payloadFor(i + 1)));
    await journal.commit('c', 3);
    await journal.close();
    writeFileSync(
      join(dir, 'cursors', 'c.json'),
      JSON.stringify({ consumer: 'c', seq: 40, committedAt: '' }),
    );
    const logger = captureLogger();
    journal = await Journal.open({ dir, fsync: 'always', consumers: ['c'], logger });
    expect(logger.entries.find((e) => e.level === 'error')?.fields).toMatchObject({ cursor: 40, lastSeq: 3 });
    expect(await journal.readBatch('c')).toEqual(
      (await journal.readBatch('c', { fromSeq: 1 })).filter((r) => r.seq > journal.cursor('c')),
    );
    expect(await journal.append(payloadFor(41))).toBe(41);
    await journal.close();
  });
});
