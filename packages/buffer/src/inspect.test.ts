import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inspectJournal } from './inspect.js';
import { Journal } from './journal.js';
import { captureLogger, flipByte, makeTempDir, payloadFor } from './test-support.js';

let dir: string;
let cleanup: () => void;

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir());
});
afterEach(() => cleanup());

function snapshot(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isFile()) files[name] = readFileSync(path).toString('base64');
  }
  return files;
}

describe('inspectJournal', () => {
  it('reports a journal that is open in this process without touching it', async () => {
    const journal = await Journal.open({
      dir,
      fsync: 'always',
      segmentBytes: 1024,
      consumers: ['parquet', 'snowpipe'],
      logger: captureLogger(),
    });
    await journal.appendBatch(Array.from({ length: 60 }, (_, i) => payloadFor(i + 1)));
    await journal.commit('parquet', 60);
    await journal.commit('snowpipe', 25);
    const info = await inspectJournal(dir);
    const stats = journal.stats();
    expect(info).toMatchObject({
      dir,
      exists: true,
      openBy: process.pid,
      segments: stats.segments,
      bytes: stats.bytes,
      firstSeq: stats.firstSeq,
      lastSeq: 60,
      tornTailBytes: 0,
      corruptRegions: 0,
    });
    expect(info.consumers).toEqual({
      parquet: { cursor: 60, backlog: 0 },
      snowpipe: { cursor: 25, backlog: 35 },
    });
    await journal.close();
    expect((await inspectJournal(dir)).openBy).toBeNull();
  });

  it('reports a torn tail without repairing it, and a missing directory as empty', async () => {
    const journal = await Journal.open({ dir, fsync: 'never', consumers: ['c'], logger: captureLogger() });
    await journal.appendBatch(Array.from({ length: 10 }, (_, i) => payloadFor(i + 1)));
    await journal.close();
    writeFileSync(join(dir, '0000000000000001.seg'), Buffer.from('OSJ1 torn'), { flag: 'a' });
    const before = snapshot();
    const info = await inspectJournal(dir);
    expect(info.lastSeq).toBe(10);
    expect(info.tornTailBytes).toBe(9);
    expect(snapshot()).toEqual(before);
    expect(await inspectJournal(join(dir, 'nothing-here'))).toMatchObject({
      exists: false,
      lastSeq: 0,
      segments: 0,
    });
  });

  it("reports what the next open would find: from the consumers' resume point", async () => {
    const journal = await Journal.open({
      dir,
      fsync: 'always',
      segmentBytes: 1024 * 1024,
      consumers: ['parquet'],
      logger: captureLogger(),
    });
    for (let i = 0; i < 300; i += 20)
      await journal.appendBatch(Array.from({ length: 20 }, (_, k) => payloadFor(i + k + 1, 1000)));
    await journal.commit('parquet', 250);
    const { resume } = JSON.parse(readFileSync(join(dir, 'cursors', 'parquet.json'), 'utf8'));
    const flip = (seq: number) => flipByte(join(dir, '0000000000000001.seg'), (seq - 1) * (20 + 1000) + 25);
    // Damage before the resume point: read by every consumer, not scanned again.
    flip(10);
    expect(await inspectJournal(dir)).toMatchObject({ lastSeq: 300, corruptRegions: 0 });
    // Damage at it: the whole segment is scanned, as the next open would.
    flip(resume.seq);
    expect(await inspectJournal(dir)).toMatchObject({ lastSeq: 300, corruptRegions: 2 });
    await journal.close();
  });
});
