import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { zstdCompress } from './compress.js';

// The reference library (libzstd compiled to WebAssembly) decodes what this compressor writes; on a
// Node with zstd in node:zlib, that decoder checks every frame too.
interface ReferenceZstd {
  isLoaded: Promise<unknown>;
  decompress(input: Uint8Array, size: number): Uint8Array;
  compress(input: Uint8Array, level: number): Uint8Array;
}
const reference = createRequire(import.meta.url)('@foxglove/wasm-zstd') as ReferenceZstd;
const nodeZstd = (zlib as { zstdDecompressSync?: (b: Uint8Array) => Buffer }).zstdDecompressSync;
beforeAll(async () => {
  await reference.isLoaded;
});

function roundTrip(input: Uint8Array): Uint8Array {
  const frame = zstdCompress(input);
  expect(Buffer.from(reference.decompress(frame, input.length)).equals(Buffer.from(input))).toBe(true);
  if (nodeZstd) expect(nodeZstd(frame).equals(Buffer.from(input))).toBe(true);
  // Never more than the input stored raw: header, 3 bytes a block.
  expect(frame.length).toBeLessThanOrEqual(
    input.length + 9 + 3 * Math.max(1, Math.ceil(input.length / 131072)),
  );
  return frame;
}

/** A deterministic generator (the cases must be the same in every run). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

/** A page of noisy floats as the lake writes them: BYTE_STREAM_SPLIT, four streams of bytes. */
function floatPage(count: number, rnd: () => number, base: number, noise: number): Uint8Array {
  const f = new Float32Array(count);
  let v = base;
  for (let i = 0; i < count; i++) f[i] = v += (rnd() - 0.5) * noise;
  const bytes = new Uint8Array(f.buffer);
  const out = new Uint8Array(count * 4);
  for (let i = 0; i < count; i++) for (let b = 0; b < 4; b++) out[b * count + i] = bytes[i * 4 + b] as number;
  return out;
}

describe('zstdCompress', () => {
  it('writes a frame with the content size and no checksum', () => {
    const frame = roundTrip(new TextEncoder().encode('opensensor '.repeat(40)));
    expect(Array.from(frame.subarray(0, 4))).toEqual([0x28, 0xb5, 0x2f, 0xfd]);
    // Single segment, 2-byte content size (440 - 256), no checksum, no dictionary.
    expect(frame[4]).toBe(0x60);
    expect((frame[5] as number) | ((frame[6] as number) << 8)).toBe(440 - 256);
    expect(frame.length).toBeLessThan(40);
  });

  it('round-trips empty and tiny inputs, every length up to 300', () => {
    for (let n = 0; n <= 300; n++) {
      const rnd = random(n);
      roundTrip(new Uint8Array(n).map(() => Math.floor(rnd() ** 3 * (n % 7 === 0 ? 2 : 200))));
    }
  });

  it('stores a run of one byte as a run, in every block', () => {
    for (const n of [2, 5, 131072, 131073, 300_000]) {
      const frame = roundTrip(new Uint8Array(n).fill(0x41));
      expect(frame.length).toBeLessThanOrEqual(9 + 4 * Math.ceil(n / 131072));
    }
  });

  it('stores incompressible bytes raw, across block boundaries', () => {
    const rnd = random(7);
    for (const n of [6, 1023, 1024, 1025, 16_384, 140_000]) {
      const input = new Uint8Array(n).map(() => Math.floor(rnd() * 256));
      expect(roundTrip(input).length).toBeGreaterThanOrEqual(n);
    }
  });

  it('codes literals with Huffman tables in one and four streams, weights direct and FSE-coded', () => {
    const rnd = random(11);
    // Alphabets within 0..127 (weights written directly) and across 0..255 (weights FSE-coded); sizes
    // around the single-stream limit (1,023) and the 14- and 18-bit header formats.
    for (const alphabet of [4, 100, 128, 129, 256]) {
      for (const n of [40, 1000, 1023, 1024, 5000, 16_383, 16_384, 70_000]) {
        const input = new Uint8Array(n).map(() => Math.floor(rnd() ** 4 * alphabet));
        const frame = roundTrip(input);
        // rnd() ** 4 skews every alphabet, so entropy coding pays, about as well as in the reference.
        if (n >= 1000) expect(frame.length).toBeLessThan(n);
        expect(frame.length).toBeLessThanOrEqual(reference.compress(input, 3).length * 1.03 + 8);
      }
    }
  });

  it('finds matches, repeat offsets and overlapping runs', () => {
    const rnd = random(3);
    const text = new TextEncoder().encode(
      Array.from(
        { length: 3000 },
        (_, i) => `station=${i % 17} temperature=${(20 + (i % 9) / 10).toFixed(1)}\n`,
      ).join(''),
    );
    expect(roundTrip(text).length).toBeLessThan(text.length / 10);
    // Many short matches at the same few offsets (the repeat-offset codes, 3-byte matches).
    const periodic = new Uint8Array(200_000).map((_, i) => (i % 4 === 3 ? Math.floor(rnd() * 256) : i % 4));
    roundTrip(periodic);
    // Structured data of every kind the random mix below produces.
    for (let t = 0; t < 60; t++) {
      const n = Math.floor(rnd() ** 3 * 200_000);
      const alphabet = 1 + Math.floor(rnd() * 256);
      const repeat = rnd();
      const input = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        input[i] =
          i > 8 && rnd() < repeat
            ? (input[i - 1 - Math.floor(rnd() * 8)] as number)
            : Math.floor(rnd() ** 2 * alphabet);
      }
      roundTrip(input);
    }
  });

  it('matches within 16 MiB only, so every offset fits the bits it is written with', () => {
    // 1 MiB of noise, 16 MiB of zeros, the noise again (beyond the reach of a match) and once more
    // (within reach of the second copy): the third copy is a match, the second must be literals.
    const rnd = random(17);
    const noise = new Uint8Array(1 << 20).map(() => Math.floor(rnd() * 256));
    const input = new Uint8Array((1 << 20) * 3 + (1 << 24));
    input.set(noise, 0);
    input.set(noise, (1 << 20) + (1 << 24));
    input.set(noise, (2 << 20) + (1 << 24));
    const frame = roundTrip(input);
    expect(frame.length).toBeGreaterThan(2 << 20);
    expect(frame.length).toBeLessThan((2 << 20) + (1 << 16));
  }, 60_000);

  it('is no larger than the reference library at level 3 on the lake pages it is for', () => {
    const rnd = random(5);
    let ours = 0;
    let theirs = 0;
    for (let page = 0; page < 40; page++) {
      const input = floatPage(180, rnd, 900 + page * 10, page % 2 ? 0.5 : 0.01);
      ours += roundTrip(input).length;
      theirs += reference.compress(input, 3).length;
    }
    expect(ours).toBeLessThanOrEqual(theirs);
  });
});
