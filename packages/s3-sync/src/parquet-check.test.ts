import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SENSOR_SCHEMA, windowOf, writeWindowFile } from '@opensensor/parquet-hive-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkParquetFile } from './parquet-check.js';
import { fakeParquetFile, fakeParquetFooter } from './testing.js';

let dir: string;
/** A lake file as the station writes it: 180 readings, zstd. */
let real: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 's3sync-pqcheck-'));
  const window = windowOf(Date.parse('2025-06-01T09:05:00Z'), 900);
  const n = 180;
  const timestamp = Array.from({ length: n }, (_, i) => window.start + i * 5000);
  const columns: Record<string, number[]> = {};
  for (const c of SENSOR_SCHEMA.columns)
    if (c.name !== 'timestamp') columns[c.name] = timestamp.map((_, i) => 20 + i / 10);
  const written = await writeWindowFile({
    root: join(dir, 'lake'),
    station: 'st',
    schema: SENSOR_SCHEMA,
    window,
    rows: { timestamp, columns },
    firstSeq: 1,
    lastSeq: n,
  });
  real = await readFile(written.path);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function check(bytes: Uint8Array | string) {
  const path = join(dir, `f-${Math.random().toString(36).slice(2)}.parquet`);
  await writeFile(path, bytes);
  return checkParquetFile(path);
}

describe('checkParquetFile', () => {
  it('accepts a file the lake writer wrote, and the test helpers’ minimal file', async () => {
    expect(await check(real)).toEqual({ valid: true, rows: 180, rowGroups: 1 });
    expect(await check(fakeParquetFile('payload'))).toEqual({ valid: true, rows: 0, rowGroups: 0 });
  });

  it.each([
    ['an empty file', () => Buffer.alloc(0), /^empty file \(0 bytes\)$/],
    ['a file shorter than 12 bytes', () => Buffer.from('PAR1PAR1'), /8 bytes: too short/],
    [
      'zeros (blocks allocated, never written)',
      () => Buffer.alloc(4096),
      /does not start with the Parquet magic/,
    ],
    ['a truncated file', () => real.subarray(0, real.length - 100), /does not end with the Parquet magic/],
    ['a file cut after its first bytes', () => real.subarray(0, 64), /does not end with the Parquet magic/],
    [
      'a footer length beyond the file',
      () => {
        const b = Buffer.from(real);
        b.writeUInt32LE(real.length, real.length - 8);
        return b;
      },
      /footer length \d+ does not fit in a file of \d+ bytes/,
    ],
    [
      'a garbled footer',
      () => {
        const b = Buffer.from(real);
        const len = b.readUInt32LE(b.length - 8);
        b.fill(0xff, b.length - 8 - len, b.length - 8);
        return b;
      },
      /footer metadata (cannot be parsed|is malformed)/,
    ],
    [
      'a zeroed footer',
      () => {
        const b = Buffer.from(real);
        const len = b.readUInt32LE(b.length - 8);
        b.fill(0, b.length - 8 - len, b.length - 8);
        return b;
      },
      /footer metadata (cannot be parsed|is malformed)/,
    ],
    [
      'data bytes missing from the middle (the footer points past them)',
      () => Buffer.concat([real.subarray(0, 200), real.subarray(1200)]),
      /lie outside the data/,
    ],
    [
      'a text file with the right name',
      () => Buffer.from('timestamp,temperature\n2025-06-01T09:00:00Z,20.1\n'),
      /does not start with the Parquet magic/,
    ],
  ])('rejects %s, saying why', async (_name, bytes, reason) => {
    const r = await check(bytes());
    expect(r.valid).toBe(false);
    expect(r.valid ? '' : r.reason).toMatch(reason);
  });

  it('rejects a footer whose row groups disagree with its row count', async () => {
    // The minimal footer says 0 rows in 0 row groups; set num_rows (zigzag varint 0x00) to 1.
    const footer = fakeParquetFooter();
    const at = footer.indexOf(Buffer.from([0x16, 0x00]));
    footer[at + 1] = 0x02;
    const r = await check(Buffer.concat([Buffer.from('PAR1'), footer]));
    expect(r).toEqual({ valid: false, reason: 'footer metadata gives 1 rows but its row groups hold 0' });
  });

  it('throws (does not call it broken) when the file cannot be read at all', async () => {
    await expect(checkParquetFile(join(dir, 'missing.parquet'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
