import { BitWriter } from './bits.js';
import {
  FseEncoder,
  fseCost,
  fseEncode,
  fseFlush,
  fseInitState,
  normalize,
  writeFseDescription,
} from './fse.js';

/** Longest prefix code zstd's literals may use (RFC 8878 §4.2.1). */
const MAX_BITS = 11;
/** Largest accuracy log of the distribution that codes the weights. */
const WEIGHTS_MAX_LOG = 6;

/** A prefix code for bytes. One instance is reused: compression is synchronous. */
export interface HuffmanCode {
  /** Code length by byte value; 0 for bytes not present. */
  readonly bits: Uint8Array;
  readonly codes: Uint16Array;
  /** The longest code: what zstd calls the table log. */
  maxBits: number;
  /** The highest byte value present. */
  maxSymbol: number;
}

// Scratch of the code construction, allocated once (typed arrays this size live outside V8's heap,
// and allocating them per page cost more than the coding).
const keys = new Int32Array(256);
const freq = new Float64Array(511);
const parent = new Int32Array(511);
const depth = new Uint8Array(511);
const perLength = new Int32Array(MAX_BITS + 2);
const slot = new Int32Array(MAX_BITS + 2);
const code: HuffmanCode = {
  bits: new Uint8Array(256),
  codes: new Uint16Array(256),
  maxBits: 0,
  maxSymbol: 0,
};
const weights = new Uint8Array(256);
const weightCounts = new Uint32Array(MAX_BITS + 1);
const weightNorm = new Int16Array(MAX_BITS + 1);
const bestWeightNorm = new Int16Array(MAX_BITS + 1);
const weightTable = new FseEncoder(WEIGHTS_MAX_LOG, MAX_BITS + 1);

/**
 * A length-limited prefix code for `counts` (at least two byte values present), complete as zstd
 * requires, with codes assigned as every decoder assigns them from the weights.
 */
export function huffmanCode(counts: Uint32Array): HuffmanCode {
  // Byte values present, by count then value: count * 256 + value sorts as a plain number.
  let m = 0;
  let maxSymbol = 0;
  for (let s = 0; s < 256; s++) {
    const c = counts[s] as number;
    if (c === 0) continue;
    keys[m++] = c * 256 + s;
    maxSymbol = s;
  }
  const present = keys.subarray(0, m).sort();
  for (let i = 0; i < m; i++) present[i] = (present[i] as number) & 0xff;
  // Two-queue Huffman: leaves in order of count, then internal nodes in the order they are made.
  for (let i = 0; i < m; i++) freq[i] = counts[present[i] as number] as number;
  let leaf = 0;
  let node = m;
  for (let next = m; next < 2 * m - 1; next++) {
    let pick = 0;
    for (let k = 0; k < 2; k++) {
      const takeLeaf = leaf < m && (node >= next || (freq[leaf] as number) <= (freq[node] as number));
      const chosen = takeLeaf ? leaf++ : node++;
      parent[chosen] = next;
      pick += freq[chosen] as number;
    }
    freq[next] = pick;
  }
  depth[2 * m - 2] = 0;
  for (let i = 2 * m - 3; i >= 0; i--) depth[i] = (depth[parent[i] as number] as number) + 1;
  const { bits, codes } = code;
  bits.fill(0);
  for (let i = 0; i < m; i++) bits[present[i] as number] = Math.min(depth[i] as number, MAX_BITS);
  limitLengths(bits, present);
  let maxBits = 0;
  perLength.fill(0);
  slot.fill(0);
  for (let i = 0; i < m; i++) {
    const b = bits[present[i] as number] as number;
    perLength[b] = (perLength[b] as number) + 1;
    if (b > maxBits) maxBits = b;
  }
  // Canonical codes as the decoder builds them: by weight (longest code first), then byte value, each
  // symbol taking 2 ** (weight - 1) of the 2 ** maxBits slots in turn.
  for (let len = maxBits - 1; len >= 1; len--) {
    slot[len] = (slot[len + 1] as number) + ((perLength[len + 1] as number) << (maxBits - len - 1));
  }
  for (let s = 0; s <= maxSymbol; s++) {
    const len = bits[s] as number;
    if (len === 0) continue;
    codes[s] = (slot[len] as number) >> (maxBits - len);
    slot[len] = (slot[len] as number) + (1 << (maxBits - len));
  }
  code.maxBits = maxBits;
  code.maxSymbol = maxSymbol;
  return code;
}

/** Makes the capped lengths a complete prefix code again (Kraft sum exactly `2 ** MAX_BITS`). */
function limitLengths(bits: Uint8Array, present: Int32Array): void {
  const full = 1 << MAX_BITS;
  let kraft = 0;
  for (const s of present) kraft += 1 << (MAX_BITS - (bits[s] as number));
  // Over-full: lengthen the rarest codes that can still grow.
  for (let i = 0; kraft > full; i = (i + 1) % present.length) {
    const s = present[i] as number;
    const len = bits[s] as number;
    if (len < MAX_BITS) {
      bits[s] = len + 1;
      kraft -= 1 << (MAX_BITS - len - 1);
    }
  }
  // Under-full: shorten the most frequent codes whose gain still fits.
  while (kraft < full) {
    for (let i = present.length - 1; i >= 0 && kraft < full; i--) {
      const s = present[i] as number;
      const len = bits[s] as number;
      if (len > 1 && kraft + (1 << (MAX_BITS - len)) <= full) {
        bits[s] = len - 1;
        kraft += 1 << (MAX_BITS - len);
      }
    }
  }
}

/**
 * Writes the tree description (RFC 8878 §4.2.1.1): the weights of bytes 0..maxSymbol-1, the last
 * one implied. Directly as 4-bit fields when at most 128 weights, or FSE-coded when that is smaller
 * (and possible). Returns -1 when neither can describe the code (the caller stores literals raw).
 */
export function writeHuffmanTree(out: Uint8Array, pos: number, code: HuffmanCode): number {
  const { bits, maxBits } = code;
  const n = code.maxSymbol;
  for (let s = 0; s < n; s++) {
    const b = bits[s] as number;
    weights[s] = b === 0 ? 0 : maxBits + 1 - b;
  }
  const fseEnd = writeFseWeights(out, pos, n);
  if (n <= 128) {
    const directSize = 1 + ((n + 1) >> 1);
    if (fseEnd < 0 || fseEnd - pos >= directSize) {
      out[pos] = 127 + n;
      for (let i = 0; i < n; i += 2) {
        out[pos + 1 + (i >> 1)] =
          ((weights[i] as number) << 4) | (i + 1 < n ? (weights[i + 1] as number) : 0);
      }
      return pos + directSize;
    }
  }
  return fseEnd;
}

/** FSE-coded weights with two interleaved states; -1 when they cannot be coded so. */
function writeFseWeights(out: Uint8Array, pos: number, n: number): number {
  if (n < 2) return -1;
  const counts = weightCounts.fill(0);
  let maxWeight = 0;
  let distinct = 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i] as number;
    if (counts[w] === 0) distinct++;
    counts[w] = (counts[w] as number) + 1;
    maxWeight = Math.max(maxWeight, w);
  }
  // One weight throughout has no bits to end the stream by; the format needs two symbols at least.
  if (distinct < 2) return -1;
  let bestLog = 0;
  let bestCost = Number.POSITIVE_INFINITY;
  const norm = bestWeightNorm.subarray(0, maxWeight + 1);
  for (let log = 5; log <= WEIGHTS_MAX_LOG; log++) {
    const tried = normalize(counts, maxWeight, n, log, weightNorm);
    const cost = fseCost(counts, tried, log);
    if (cost < bestCost) {
      bestCost = cost;
      bestLog = log;
      norm.set(tried);
    }
  }
  const w = new BitWriter(out, pos + 1);
  writeFseDescription(w, norm, bestLog);
  // Not worth coding when the estimate already loses to the direct form.
  if (n <= 128 && w.pos + (bestCost + 2 * bestLog) / 8 >= pos + 1 + ((n + 1) >> 1)) return -1;
  const e = weightTable.build(norm, bestLog);
  // From the last symbol back: even indexes on the first state, odd on the second, as the decoder
  // alternates; the last two symbols are the states' starting points.
  let i = n - 2;
  let s1 = fseInitState(e, weights[(n - 1) & 1 ? n - 2 : n - 1] as number);
  let s2 = fseInitState(e, weights[(n - 1) & 1 ? n - 1 : n - 2] as number);
  while (i > 0) {
    const j = --i;
    if (j & 1) s2 = fseEncode(w, e, s2, weights[j] as number);
    else s1 = fseEncode(w, e, s1, weights[j] as number);
  }
  fseFlush(w, e, s2);
  fseFlush(w, e, s1);
  const end = w.close();
  const size = end - pos - 1;
  if (size >= 128 || end > out.length) return -1;
  out[pos] = size;
  return end;
}
