import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAKE_COMPRESSIONS, type LakeCompression, loadCodec, type ZstdImplementation } from './codecs.js';
import { type LakeReader, lakeGlob, openLakeReader as openReader } from './duckdb-reader.js';
import { CodecError } from './errors.js';
import type { MaskedColumn } from './rows.js';
import { SENSOR_SCHEMA } from './schemas.js';
import { sensorWindowRows } from './testing.js';
import { nextWindow, windowOf } from './window.js';
import { writeWindowFile } from './write-window-file.js';

const hasNodeZstd = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';
let db: LakeReader;
let scratch: string;
beforeAll(async () => {
  db = await openReader();
  scratch = mkdtempSync(join(tmpdir(), 'lake-codec-'));
});
afterAll(() => {
  db.close();
  rmSync(scratch, { recursive: true, force: true });
});

// The reference (Polars + PyArrow, zstd) writes 14.8 KB per 180-row window (measurements.md).
const REFERENCE_ZSTD_BYTES_PER_FILE = 14_800;

const variants: [LakeCompression, ZstdImplementation][] = [
  ['snappy', 'auto'],
  ['gzip', 'auto'],
  ['zstd', 'js'],
  ['zstd', 'wasm'],
  ...(hasNodeZstd ? ([['zstd', 'node']] as [LakeCompression, ZstdImplementation][]) : []),
];

describe('compression codecs', () => {
  it.each(variants)(
    '%s (%s) is read back by DuckDB with the codec recorded per column',
    async (compression, zstd) => {
      const root = join(scratch, `${compression}-${zstd}`, 'output');
      let window = windowOf(Date.parse('2025-02-01T00:00:00Z'), 900);
      let bytes = 0;
      const files = 4;
      const expected: (number | null)[] = [];
      for (let i = 0; i < files; i++) {
        const rows = sensorWindowRows({ window, seed: i + 1 });
        const { values, nulls } = rows.columns.pressure as MaskedColumn;
        for (let j = 0; j < values.length; j++) expected.push(nulls[j] ? null : (values[j] as number));
        const r = await writeWindowFile({
          root,
          station: 's1',
          schema: SENSOR_SCHEMA,
          window,
          rows,
          firstSeq: i * 180 + 1,
          lastSeq: i * 180 + 180,
          compression,
          zstd,
        });
        expect(r.codec).toBe(
          compression === 'zstd' ? `zstd-${zstd}` : compression === 'gzip' ? 'zlib' : 'snappy-js',
        );
        bytes += r.bytes;
        window = nextWindow(window);
      }
      const read = await db.rows(`SELECT pressure FROM ${lakeGlob(root)} ORDER BY timestamp`);
      expect(read.map((r) => r.pressure)).toEqual(expected);
      const codecs = await db.rows(
        `SELECT DISTINCT compression FROM parquet_metadata('${root}/**/*.parquet')`,
      );
      expect(codecs).toEqual([{ compression: compression.toUpperCase() }]);
      if (compression === 'zstd') expect(bytes / files).toBeLessThanOrEqual(REFERENCE_ZSTD_BYTES_PER_FILE);
    },
  );

  it.skipIf(hasNodeZstd)(
    'zstd from node:zlib on a Node without it is a CodecError that says what to do',
    async () => {
      await expect(loadCodec('zstd', 'node')).rejects.toThrow(CodecError);
      await expect(loadCodec('zstd', 'node')).rejects.toThrow(/Node >= 22.15.*zstd: 'auto' to fall back/);
    },
  );

  it('auto picks node:zlib zstd where it exists and the built-in compressor elsewhere', async () => {
    const codec = await loadCodec('zstd');
    expect(codec.implementation).toBe(hasNodeZstd ? 'zstd-node' : 'zstd-js');
  });

  it('wasm zstd output is a valid zstd frame that round-trips', async () => {
    const codec = await loadCodec('zstd', 'wasm');
    const input = new Uint8Array(4096).map((_, i) => (i * 7) % 13);
    const out = codec.compress?.(input);
    expect(out && Array.from(out.subarray(0, 4))).toEqual([0x28, 0xb5, 0x2f, 0xfd]);
    expect(out?.length).toBeLessThan(input.length);
  });

  it('rejects an unknown compression name', async () => {
    await expect(loadCodec('lz4' as LakeCompression)).rejects.toThrow(/not one of snappy, zstd, gzip/);
    expect(LAKE_COMPRESSIONS).toEqual(['snappy', 'zstd', 'gzip']);
  });
});
