import type { ByteSink } from './byte-sink.js';

/** Bit-packed runs are capped at 63 groups of 8 so their header stays one byte, as common writers do. */
const MAX_GROUPS = 63;

function runLength(levels: Uint8Array, from: number, n: number): number {
  const v = levels[from];
  let end = from + 1;
  while (end < n && levels[end] === v) end++;
  return end - from;
}

/**
 * Definition levels of a flat OPTIONAL column (1 = value present, 0 = null) in the RLE/bit-packed
 * hybrid encoding at bit width 1, without the length prefix (a V2 data page stores the length in its
 * header). A run of 8 or more equal levels is one RLE run; anything else is bit-packed in groups of 8,
 * the last group padded with zeros. Returns the number of bytes written.
 */
export function writeDefinitionLevels(sink: ByteSink, levels: Uint8Array, n: number): number {
  const start = sink.length;
  let i = 0;
  while (i < n) {
    const run = runLength(levels, i, n);
    if (run >= 8) {
      sink.varint(run * 2); // RLE header: count << 1
      sink.byte(levels[i] as number); // bit width 1 → one byte holds the value
      i += run;
      continue;
    }
    let groups = 0;
    const from = i;
    do {
      groups++;
      i += 8;
    } while (i < n && groups < MAX_GROUPS && runLength(levels, i, n) < 8);
    sink.byte((groups << 1) | 1); // bit-packed header: groups << 1 | 1 (groups ≤ 63: one byte)
    sink.reserve(groups);
    const bytes = sink.bytes;
    for (let g = 0; g < groups; g++) {
      let b = 0;
      const base = from + g * 8;
      for (let k = 0; k < 8; k++) {
        const j = base + k;
        if (j < n && levels[j] !== 0) b |= 1 << k;
      }
      bytes[sink.length++] = b;
    }
  }
  return sink.length - start;
}
