import { writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeRecord, HEADER_BYTES } from './record.js';
import { type ScanItem, SegmentScanner } from './segment-scanner.js';
import { makeTempDir, payloadFor, samePayload, seededRandom } from './test-support.js';

let dir: string;
let cleanup: () => void;

beforeEach(() => {
  ({ dir, cleanup } = makeTempDir('scanner-'));
});
afterEach(() => cleanup());

interface Layout {
  bytes: Buffer;
  starts: number[];
}

function buildSegment(count: number, firstSeq = 1): Layout {
  const sizes = Array.from({ length: count }, (_, i) => HEADER_BYTES + payloadFor(firstSeq + i).length);
  const bytes = Buffer.alloc(sizes.reduce((a, b) => a + b, 0));
  const starts: number[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    starts.push(offset);
    offset = encodeRecord(bytes, offset, firstSeq + i, payloadFor(firstSeq + i));
  }
  return { bytes, starts };
}

async function scan(path: string, size: number, chunkBytes: number): Promise<ScanItem[]> {
  const file = await open(path, 'r');
  try {
    const scanner = new SegmentScanner(file, size, { offset: 0, prevSeq: 0 }, 1 << 20, chunkBytes);
    const items: ScanItem[] = [];
    for (let item = await scanner.next(); item !== null; item = await scanner.next()) items.push(item);
    return items;
  } finally {
    await file.close();
  }
}

describe('SegmentScanner', () => {
  it.each([64, 100, 257, 65536])('reads records that straddle %i-byte chunks', async (chunkBytes) => {
    const { bytes } = buildSegment(3000);
    const path = join(dir, 'segment');
    writeFileSync(path, bytes);
    const items = await scan(path, bytes.length, chunkBytes);
    expect(items.every((i) => i.kind === 'record')).toBe(true);
    expect(items.map((i) => (i.kind === 'record' ? i.seq : -1))).toEqual(
      Array.from({ length: 3000 }, (_, i) => i + 1),
    );
  });

  it.each([64, 257, 65536])(
    'loses exactly the records whose bytes were damaged (seeded, %i-byte chunks)',
    async (chunkBytes) => {
      const random = seededRandom(chunkBytes);
      for (let round = 0; round < 4; round++) {
        const { bytes, starts } = buildSegment(3000);
        const damagedSeqs = new Set<number>();
        for (let hit = 0; hit < 8; hit++) {
          // Keep the last record intact: damage there is a torn tail, tested elsewhere.
          const at = Math.floor(random() * (starts[2999] as number));
          bytes[at] = (bytes[at] as number) ^ (1 + Math.floor(random() * 255));
          let record = starts.findIndex((s) => s > at) - 1;
          if (record < 0) record = 2999;
          damagedSeqs.add(record + 1);
        }
        const path = join(dir, `segment-${round}`);
        writeFileSync(path, bytes);
        const items = await scan(path, bytes.length, chunkBytes);
        const records = items.filter((i): i is Extract<ScanItem, { kind: 'record' }> => i.kind === 'record');
        const expected = Array.from({ length: 3000 }, (_, i) => i + 1).filter((s) => !damagedSeqs.has(s));
        expect(records.map((r) => r.seq)).toEqual(expected);
        for (const r of records) expect(samePayload(r.seq, r.payload)).toBe(true);
        // Each damaged stretch is reported as a region covering exactly the skipped bytes.
        const skipped = items
          .filter((i) => i.kind === 'corrupt')
          .reduce((sum, i) => sum + (i.end - i.offset), 0);
        const lost = [...damagedSeqs].reduce((sum, seq) => sum + HEADER_BYTES + payloadFor(seq).length, 0);
        expect(skipped).toBe(lost);
        expect(items.some((i) => i.kind === 'tail')).toBe(false);
      }
    },
  );

  it('reports a torn last record as a tail, not as corruption', async () => {
    const { bytes, starts } = buildSegment(50);
    const cut = (starts[49] as number) + 7;
    const path = join(dir, 'torn');
    writeFileSync(path, bytes.subarray(0, cut));
    const items = await scan(path, cut, 64);
    expect(items.filter((i) => i.kind === 'record')).toHaveLength(49);
    expect(items.at(-1)).toEqual({ kind: 'tail', offset: starts[49], end: cut });
  });
});
