import { BitWriter, highBit } from './bits.js';
import {
  FseEncoder,
  fseCost,
  fseEncode,
  fseFlush,
  fseInitState,
  normalize,
  writeFseDescription,
} from './fse.js';
import { huffmanCode, writeHuffmanTree } from './huffman.js';

/*
 * A zstd compressor (RFC 8878) in TypeScript, for Parquet pages on Node without `zlib.zstdCompressSync`:
 * one frame per call, the content size in its header, no checksum (Parquet pages carry their own sizes
 * and readers check them). Matches come from hash chains with one step of lazy evaluation and zstd's
 * repeat offsets; literals are Huffman-coded; sequences use the predefined, RLE or own FSE tables,
 * whichever costs least. Any block that would not shrink is stored raw, so the output is never more
 * than the input plus 3 bytes per 128 KiB and a header of at most 9 bytes.
 */

const BLOCK_MAX = 1 << 17;
const MIN_MATCH = 4;
const SEARCH_DEPTH = 24;
/**
 * The farthest match: offset codes then take at most 24 extra bits, what `BitWriter.add` writes in one
 * call (a longer distance's bits were silently cut). Pages are far smaller; an input larger than this
 * only loses matches farther back.
 */
const MAX_DISTANCE = (1 << 24) - 4;
/**
 * What a new match must be worth: 4 per byte, less the bits of its offset. A short match far away costs
 * more to code than its bytes as literals (measured: 10 keeps lake pages as small and loses nothing on
 * larger inputs, where 0 let 4-byte matches at 16-bit offsets cost 4 %).
 */
const MIN_GAIN = 10;
/** Literals per extra byte of step while no match is found. */
const SKIP_STRENGTH = 6;

// Code tables of RFC 8878 §3.1.1.3.2.1.1.
const LL_BASE = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512,
  1024, 2048, 4096, 8192, 16384, 32768, 65536,
];
const LL_BITS = [
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14,
  15, 16,
];
const ML_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
  32, 33, 34, 35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771,
  65539,
];
const ML_BITS = [
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1,
  2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
];
// Predefined distributions (RFC 8878 §3.1.1.3.2.2).
const LL_DEFAULT = [
  4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1,
  -1,
];
const ML_DEFAULT = [
  1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
];
const OF_DEFAULT = [
  1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1,
];

/** One kind of sequence symbol, with its scratch (reused: compression is synchronous). */
class SymbolKind {
  readonly predefined: FseEncoder;
  readonly own: FseEncoder;
  readonly counts: Uint32Array;
  readonly norm: Int16Array;
  readonly bestNorm: Int16Array;
  readonly description = new Uint8Array(128);
  descriptionLength = 0;

  constructor(
    readonly defaultNorm: readonly number[],
    readonly defaultLog: number,
    readonly maxLog: number,
    readonly symbols: number,
  ) {
    this.predefined = new FseEncoder(defaultLog, defaultNorm.length).build(defaultNorm, defaultLog);
    this.own = new FseEncoder(maxLog, symbols);
    this.counts = new Uint32Array(symbols);
    this.norm = new Int16Array(symbols);
    this.bestNorm = new Int16Array(symbols);
  }
}
const LL = new SymbolKind(LL_DEFAULT, 6, 9, 36);
const OF = new SymbolKind(OF_DEFAULT, 5, 8, 32);
const ML = new SymbolKind(ML_DEFAULT, 6, 9, 53);

/**
 * Scratch reused between calls (compression is synchronous; each thread has its own module), grown
 * to the largest block seen: a page of a few hundred bytes keeps it at a few kilobytes.
 */
class Scratch {
  chain = new Int32Array(0);
  head = new Int32Array(0);
  literals = new Uint8Array(0);
  litLength = new Int32Array(0);
  matchLength = new Int32Array(0);
  offBase = new Int32Array(0);
  llCode = new Uint8Array(0);
  mlCode = new Uint8Array(0);
  ofCode = new Uint8Array(0);
  counts = new Uint32Array(256);
  out = new Uint8Array(0);

  /** Room for `n` input bytes in blocks of up to `block` bytes, `capacity` bytes out. */
  ensure(n: number, block: number, capacity: number, hashLog: number): void {
    if (this.out.length < capacity) this.out = new Uint8Array(Math.max(capacity, this.out.length * 2));
    if (this.chain.length < n) this.chain = new Int32Array(Math.max(n, this.chain.length * 2));
    if (this.head.length < 1 << hashLog) this.head = new Int32Array(1 << hashLog);
    if (this.literals.length < block) {
      this.literals = new Uint8Array(block);
      // Repeat-offset matches may be 3 bytes long.
      const sequences = Math.floor(block / 3) + 1;
      this.litLength = new Int32Array(sequences);
      this.matchLength = new Int32Array(sequences);
      this.offBase = new Int32Array(sequences);
      this.llCode = new Uint8Array(sequences);
      this.mlCode = new Uint8Array(sequences);
      this.ofCode = new Uint8Array(sequences);
    }
  }
}
let scratch: Scratch | undefined;

/** Compresses `bytes` (up to 4 GiB - 1) into one zstd frame. */
export function zstdCompress(bytes: Uint8Array): Uint8Array {
  if (bytes.length > 0xffffffff)
    throw new RangeError(`zstdCompress: ${bytes.length} bytes is more than one frame's 4-byte content size`);
  scratch ??= new Scratch();
  const s = scratch;
  // A plain view: element access stays monomorphic and `subarray` is the built-in one, not Buffer's.
  const input =
    bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  const n = input.length;
  const blocks = Math.max(1, Math.ceil(n / BLOCK_MAX));
  const hashLog = Math.min(16, Math.max(8, highBit(Math.max(1, n)) + 1));
  s.ensure(n, Math.min(n, BLOCK_MAX), 14 + 3 * blocks + n + 64, hashLog);
  s.head.fill(-1, 0, 1 << hashLog);
  const out = s.out;
  let pos = writeFrameHeader(out, n);
  const matcher: Matcher = { src: input, s, hashLog, reps: [1, 4, 8], inserted: 0 };
  let start = 0;
  do {
    const end = Math.min(n, start + BLOCK_MAX);
    const last = end === n ? 1 : 0;
    const size = end - start;
    const contentAt = pos + 3;
    let type = 0;
    let contentEnd = contentAt + size;
    if (size > 1 && isRun(input, start, end)) {
      type = 1;
      out[contentAt] = input[start] as number;
      contentEnd = contentAt + 1;
    } else if (size > MIN_MATCH) {
      const saved = matcher.reps.slice();
      const compressedEnd = compressBlock(matcher, start, end, out, contentAt, contentAt + size - 1);
      if (compressedEnd >= 0) {
        type = 2;
        contentEnd = compressedEnd;
      } else {
        // Stored raw: the decoder's repeat offsets are not touched by a raw block.
        matcher.reps = saved;
      }
    }
    if (type === 0) out.set(input.subarray(start, end), contentAt);
    const header = last | (type << 1) | ((type === 2 ? contentEnd - contentAt : size) << 3);
    out[pos] = header & 0xff;
    out[pos + 1] = (header >>> 8) & 0xff;
    out[pos + 2] = (header >>> 16) & 0xff;
    pos = contentEnd;
    start = end;
  } while (start < n);
  return out.slice(0, pos);
}

function writeFrameHeader(out: Uint8Array, n: number): number {
  out[0] = 0x28;
  out[1] = 0xb5;
  out[2] = 0x2f;
  out[3] = 0xfd;
  // Single segment: no window descriptor, the content size is the window.
  if (n < 256) {
    out[4] = 0x20;
    out[5] = n;
    return 6;
  }
  if (n < 65536 + 256) {
    out[4] = 0x60;
    out[5] = (n - 256) & 0xff;
    out[6] = (n - 256) >>> 8;
    return 7;
  }
  out[4] = 0xa0;
  out[5] = n & 0xff;
  out[6] = (n >>> 8) & 0xff;
  out[7] = (n >>> 16) & 0xff;
  out[8] = (n >>> 24) & 0xff;
  return 9;
}

function isRun(src: Uint8Array, start: number, end: number): boolean {
  const b = src[start];
  for (let i = start + 1; i < end; i++) if (src[i] !== b) return false;
  return true;
}

interface Matcher {
  readonly src: Uint8Array;
  readonly s: Scratch;
  readonly hashLog: number;
  reps: number[];
  /** The next position that may be added to the hash chains (they are added in increasing order). */
  inserted: number;
}

/**
 * Adds position `i` to the hash chains (4-byte multiplicative hash). Positions go in increasing
 * order, and not all of them: those the parse visits and the first and last of each match, as
 * zstd's fast strategies do; inserting every byte cost a third of the time on noisy pages.
 */
function insertAt(m: Matcher, i: number): void {
  const { src } = m;
  if (i < m.inserted || i + 3 >= src.length) return;
  const v =
    (src[i] as number) |
    ((src[i + 1] as number) << 8) |
    ((src[i + 2] as number) << 16) |
    ((src[i + 3] as number) << 24);
  const h = Math.imul(v, 0x9e3779b1) >>> (32 - m.hashLog);
  m.s.chain[i] = m.s.head[h] as number;
  m.s.head[h] = i;
  m.inserted = i + 1;
}

/** The offset code a match at `p` would get after `ll` literals, given the repeat offsets. */
function offBaseOf(offset: number, ll: number, reps: number[]): number {
  const [r0, r1, r2] = reps as [number, number, number];
  if (ll > 0) {
    if (offset === r0) return 1;
    if (offset === r1) return 2;
    if (offset === r2) return 3;
  } else {
    if (offset === r1) return 1;
    if (offset === r2) return 2;
    if (offset === r0 - 1 && r0 > 1) return 3;
  }
  return offset + 3;
}

/** Updates the repeat offsets exactly as a decoder does for this sequence. */
function updateReps(reps: number[], offBase: number, ll: number): void {
  const [r0, r1, r2] = reps as [number, number, number];
  if (offBase > 3) {
    reps[0] = offBase - 3;
    reps[1] = r0;
    reps[2] = r1;
    return;
  }
  const idx = offBase - 1 + (ll === 0 ? 1 : 0);
  if (idx === 0) return;
  if (idx === 1) {
    reps[0] = r1;
    reps[1] = r0;
  } else if (idx === 2) {
    reps[0] = r2;
    reps[1] = r0;
    reps[2] = r1;
  } else {
    reps[0] = r0 - 1;
    reps[1] = r0;
    reps[2] = r1;
  }
}

interface Found {
  length: number;
  offset: number;
  gain: number;
}

/** The best match starting at `p` (within `end`), or length 0. */
function search(m: Matcher, p: number, anchor: number, end: number, found: Found): void {
  const { src, reps } = m;
  const ll = p - anchor;
  const first = src[p] as number;
  found.length = 0;
  found.gain = 0;
  // Repeat offsets first: they cost almost nothing to code.
  for (let k = 0; k < 3; k++) {
    const offset = ll > 0 ? (reps[k] as number) : k < 2 ? (reps[k + 1] as number) : (reps[0] as number) - 1;
    if (offset <= 0 || offset > p || offset > MAX_DISTANCE || src[p - offset] !== first) continue;
    let len = 1;
    while (p + len < end && src[p + len - offset] === src[p + len]) len++;
    if (len < 3) continue;
    const gain = len * 4 - (k === 0 ? 0 : 1);
    if (gain > found.gain) {
      found.length = len;
      found.offset = offset;
      found.gain = gain;
    }
  }
  if (p + MIN_MATCH > src.length) return;
  const { head, chain } = m.s;
  const v =
    first | ((src[p + 1] as number) << 8) | ((src[p + 2] as number) << 16) | ((src[p + 3] as number) << 24);
  let candidate = head[Math.imul(v, 0x9e3779b1) >>> (32 - m.hashLog)] as number;
  for (let depth = 0; depth < SEARCH_DEPTH && candidate >= 0; depth++) {
    // Older positions come later in the chain: the first one too far ends the search.
    if (p - candidate > MAX_DISTANCE) break;
    const best = found.length;
    if (src[candidate + best] === src[p + best] && src[candidate] === first) {
      let len = 1;
      while (p + len < end && src[candidate + len] === src[p + len]) len++;
      if (len >= MIN_MATCH) {
        const gain = len * 4 - (31 - Math.clz32(p - candidate + 3));
        if (gain > found.gain && gain > MIN_GAIN) {
          found.length = len;
          found.offset = p - candidate;
          found.gain = gain;
        }
      }
    }
    candidate = chain[candidate] as number;
  }
}

/**
 * Writes the block's literals and sequences at `at`; the end position, or -1 when they would pass
 * `limit` (the caller then stores the block raw).
 */
function compressBlock(
  m: Matcher,
  start: number,
  end: number,
  out: Uint8Array,
  at: number,
  limit: number,
): number {
  const { s, src } = m;
  const { literals: lits, litLength, matchLength, offBase: offBases } = s;
  let nbSeq = 0;
  let nLit = 0;
  let anchor = start;
  let p = start;
  const found: Found = { length: 0, offset: 0, gain: 0 };
  const next: Found = { length: 0, offset: 0, gain: 0 };
  const { head } = s;
  const shift = 32 - m.hashLog;
  while (p + MIN_MATCH <= end) {
    // Most positions of noisy data have no candidate at all: an empty hash bucket and no repeat offset
    // with the same first byte. Rejected here, without the search's call (this loop runs per byte).
    const first = src[p] as number;
    const v =
      first | ((src[p + 1] as number) << 8) | ((src[p + 2] as number) << 16) | ((src[p + 3] as number) << 24);
    const reps = m.reps;
    const pending = p > anchor;
    const o0 = pending ? (reps[0] as number) : (reps[1] as number);
    const o1 = pending ? (reps[1] as number) : (reps[2] as number);
    const o2 = pending ? (reps[2] as number) : (reps[0] as number) - 1;
    if (
      (head[Math.imul(v, 0x9e3779b1) >>> shift] as number) < 0 &&
      !(o0 > 0 && o0 <= p && src[p - o0] === first) &&
      !(o1 > 0 && o1 <= p && src[p - o1] === first) &&
      !(o2 > 0 && o2 <= p && src[p - o2] === first)
    ) {
      insertAt(m, p);
      p += 1 + ((p - anchor) >> SKIP_STRENGTH);
      continue;
    }
    search(m, p, anchor, end, found);
    insertAt(m, p);
    if (found.length === 0) {
      // The longer the run of literals, the bigger the step (as zstd's fast strategies do); a match
      // stepped into is extended backwards below.
      p += 1 + ((p - anchor) >> SKIP_STRENGTH);
      continue;
    }
    // One step of lazy evaluation: a better match one byte on wins.
    while (p + 1 + MIN_MATCH <= end) {
      search(m, p + 1, anchor, end, next);
      if (next.gain <= found.gain + 4) break;
      p++;
      insertAt(m, p);
      found.length = next.length;
      found.offset = next.offset;
      found.gain = next.gain;
    }
    // Extend backwards over literals the step skipped.
    while (p > anchor && p - found.offset > 0 && src[p - 1] === src[p - 1 - found.offset]) {
      p--;
      found.length++;
    }
    const ll = p - anchor;
    copyLiterals(lits, nLit, src, anchor, p);
    nLit += ll;
    const offBase = offBaseOf(found.offset, ll, m.reps);
    updateReps(m.reps, offBase, ll);
    litLength[nbSeq] = ll;
    matchLength[nbSeq] = found.length;
    offBases[nbSeq] = offBase;
    nbSeq++;
    const matchEnd = p + found.length;
    insertAt(m, p + 1);
    insertAt(m, p + 2);
    insertAt(m, matchEnd - 2);
    insertAt(m, matchEnd - 1);
    p = matchEnd;
    anchor = p;
  }
  copyLiterals(lits, nLit, src, anchor, end);
  nLit += end - anchor;
  const litEnd = writeLiterals(out, at, s.literals, nLit, s.counts);
  if (litEnd > limit) return -1;
  const seqEnd = writeSequences(out, litEnd, s, nbSeq);
  return seqEnd > limit || seqEnd > out.length ? -1 : seqEnd;
}

function copyLiterals(to: Uint8Array, at: number, src: Uint8Array, from: number, end: number): void {
  if (end - from > 16) to.set(src.subarray(from, end), at);
  else for (let i = from; i < end; i++) to[at++] = src[i] as number;
}

function rawLiteralsHeader(out: Uint8Array, at: number, n: number, type: number): number {
  if (n < 32) {
    out[at] = type | (n << 3);
    return at + 1;
  }
  if (n < 4096) {
    out[at] = type | (1 << 2) | ((n & 0xf) << 4);
    out[at + 1] = n >>> 4;
    return at + 2;
  }
  out[at] = type | (3 << 2) | ((n & 0xf) << 4);
  out[at + 1] = (n >>> 4) & 0xff;
  out[at + 2] = n >>> 12;
  return at + 3;
}

/** The literals section (RFC 8878 §3.1.1.3.1): raw, a run, or Huffman-coded in one or four streams. */
function writeLiterals(
  out: Uint8Array,
  at: number,
  lits: Uint8Array,
  n: number,
  counts: Uint32Array,
): number {
  counts.fill(0);
  let distinct = 0;
  for (let i = 0; i < n; i++) {
    const b = lits[i] as number;
    if (counts[b] === 0) distinct++;
    counts[b] = (counts[b] as number) + 1;
  }
  if (distinct === 1 && n > 1) {
    const end = rawLiteralsHeader(out, at, n, 1);
    out[end] = lits[0] as number;
    return end + 1;
  }
  const rawEnd = (n < 32 ? 1 : n < 4096 ? 2 : 3) + n;
  if (distinct >= 2 && n > 16 && worthHuffman(counts, n)) {
    const code = huffmanCode(counts);
    const single = n <= 1023;
    // The payload goes after the longest header; moved back once its size is known.
    const payload = at + 5;
    const treeEnd = writeHuffmanTree(out, payload, code);
    if (treeEnd >= 0 && treeEnd - at < rawEnd) {
      let end: number;
      if (single) {
        end = huffmanStream(out, treeEnd, lits, 0, n, code);
      } else {
        const seg = (n + 3) >> 2;
        let p = treeEnd + 6;
        for (let k = 0; k < 4; k++) {
          const from = k * seg;
          const streamEnd = huffmanStream(out, p, lits, from, Math.min(n, from + seg), code);
          if (k < 3) {
            const size = streamEnd - p;
            if (size > 0xffff) return literalsRaw(out, at, lits, n);
            out[treeEnd + 2 * k] = size & 0xff;
            out[treeEnd + 2 * k + 1] = size >>> 8;
          }
          p = streamEnd;
        }
        end = p;
      }
      const compressed = end - payload;
      const big = Math.max(n, compressed);
      const format = single ? 0 : big < 1024 ? 1 : big < 16384 ? 2 : 3;
      const headerSize = format <= 1 ? 3 : format === 2 ? 4 : 5;
      if ((!single || compressed < 1024) && headerSize + compressed < rawEnd && big < 1 << 18) {
        const h = 2 | (format << 2);
        if (headerSize === 3) {
          const v = h | (n << 4) | (compressed << 14);
          out[at] = v & 0xff;
          out[at + 1] = (v >>> 8) & 0xff;
          out[at + 2] = (v >>> 16) & 0xff;
        } else if (headerSize === 4) {
          const v = h | (n << 4) | (compressed << 18);
          out[at] = v & 0xff;
          out[at + 1] = (v >>> 8) & 0xff;
          out[at + 2] = (v >>> 16) & 0xff;
          out[at + 3] = v >>> 24;
        } else {
          const v = h | (n << 4);
          out[at] = v & 0xff;
          out[at + 1] = (v >>> 8) & 0xff;
          out[at + 2] = ((v >>> 16) & 0x3f) | ((compressed & 0x3) << 6);
          out[at + 3] = (compressed >>> 2) & 0xff;
          out[at + 4] = (compressed >>> 10) & 0xff;
        }
        out.copyWithin(at + headerSize, payload, end);
        return at + headerSize + compressed;
      }
    }
  }
  return literalsRaw(out, at, lits, n);
}

/**
 * Whether Huffman coding could beat raw literals: the entropy of the counts (a bound no prefix code
 * beats) plus a table of about a nibble per byte value must leave a gain. Noisy mantissa bytes fail
 * this, and skip building a code that would be thrown away.
 */
function worthHuffman(counts: Uint32Array, n: number): boolean {
  let bits = 0;
  let maxSymbol = 0;
  for (let s = 0; s < 256; s++) {
    const c = counts[s] as number;
    if (c === 0) continue;
    bits += c * Math.log2(n / c);
    maxSymbol = s;
  }
  return bits / 8 + Math.min(maxSymbol / 2, 16) < n;
}

function literalsRaw(out: Uint8Array, at: number, lits: Uint8Array, n: number): number {
  const end = rawLiteralsHeader(out, at, n, 0);
  out.set(lits.subarray(0, n), end);
  return end + n;
}

/** One Huffman-coded stream of `lits[from..to)`, last literal first (the decoder reads backwards). */
function huffmanStream(
  out: Uint8Array,
  at: number,
  lits: Uint8Array,
  from: number,
  to: number,
  code: { bits: Uint8Array; codes: Uint16Array },
): number {
  // BitWriter.add inlined: this loop runs once per literal.
  const { bits, codes } = code;
  let acc = 0;
  let n = 0;
  let pos = at;
  for (let i = to - 1; i >= from; i--) {
    const b = lits[i] as number;
    acc |= (codes[b] as number) << n;
    n += bits[b] as number;
    if (n >= 16) {
      out[pos++] = acc & 0xff;
      out[pos++] = (acc >>> 8) & 0xff;
      acc >>>= 16;
      n -= 16;
    }
  }
  const w = new BitWriter(out, pos);
  w.add(acc, n);
  return w.close();
}

function llCodeOf(ll: number): number {
  if (ll < 16) return ll;
  if (ll >= 64) return highBit(ll) + 19;
  let c = 16;
  while ((LL_BASE[c + 1] as number) <= ll) c++;
  return c;
}

function mlCodeOf(ml: number): number {
  const base = ml - 3;
  if (base < 32) return base;
  if (base >= 128) return highBit(base) + 36;
  let c = 32;
  while ((ML_BASE[c + 1] as number) <= ml) c++;
  return c;
}

/** 0 predefined, 1 RLE (of `rleSymbol`), 2 the kind's own table and description. */
interface Table {
  mode: number;
  encoder: FseEncoder | null;
  rleSymbol: number;
}

/** The cheapest way to code one kind of symbol: predefined, RLE or a distribution of its own. */
function chooseTable(kind: SymbolKind, codes: Uint8Array, nbSeq: number): Table {
  const counts = kind.counts.fill(0);
  let maxSymbol = 0;
  let distinct = 0;
  for (let i = 0; i < nbSeq; i++) {
    const c = codes[i] as number;
    if (counts[c] === 0) distinct++;
    counts[c] = (counts[c] as number) + 1;
    if (c > maxSymbol) maxSymbol = c;
  }
  if (distinct === 1 && nbSeq > 1) return { mode: 1, encoder: null, rleSymbol: maxSymbol };
  let bestCost = Number.POSITIVE_INFINITY;
  if (maxSymbol < kind.defaultNorm.length) bestCost = fseCost(counts, kind.defaultNorm, kind.defaultLog);
  let bestLog = 0;
  // Own tables pay for their description; with a handful of sequences they never do, except for an
  // offset code past the predefined table, which has no other way.
  if (nbSeq > 4 || bestCost === Number.POSITIVE_INFINITY) {
    const minLog = Math.max(5, highBit(Math.max(1, distinct - 1)) + 1);
    for (let log = minLog; log <= kind.maxLog; log++) {
      const norm = normalize(counts, maxSymbol, nbSeq, log, kind.norm);
      const w = new BitWriter(kind.description, 0);
      writeFseDescription(w, norm, log);
      const cost = fseCost(counts, norm, log) + w.pos * 8;
      if (cost < bestCost) {
        bestCost = cost;
        bestLog = log;
        kind.bestNorm.set(norm);
      }
      if (1 << log >= nbSeq * 2) break;
    }
  }
  if (bestLog === 0) return { mode: 0, encoder: kind.predefined, rleSymbol: 0 };
  const norm = kind.bestNorm.subarray(0, maxSymbol + 1);
  const w = new BitWriter(kind.description, 0);
  writeFseDescription(w, norm, bestLog);
  kind.descriptionLength = w.pos;
  return { mode: 2, encoder: kind.own.build(norm, bestLog), rleSymbol: 0 };
}

function writeTable(out: Uint8Array, p: number, t: Table, kind: SymbolKind): number {
  if (t.mode === 1) out[p++] = t.rleSymbol;
  if (t.mode !== 2) return p;
  out.set(kind.description.subarray(0, kind.descriptionLength), p);
  return p + kind.descriptionLength;
}

/** The sequences section (RFC 8878 §3.1.1.3.2). */
function writeSequences(out: Uint8Array, at: number, s: Scratch, nbSeq: number): number {
  let p = at;
  if (nbSeq < 128) {
    out[p++] = nbSeq;
  } else if (nbSeq < 0x7f00) {
    out[p++] = (nbSeq >>> 8) + 128;
    out[p++] = nbSeq & 0xff;
  } else {
    out[p++] = 255;
    out[p++] = (nbSeq - 0x7f00) & 0xff;
    out[p++] = (nbSeq - 0x7f00) >>> 8;
  }
  if (nbSeq === 0) return p;
  const { litLength, matchLength, offBase, llCode, mlCode, ofCode } = s;
  for (let i = 0; i < nbSeq; i++) {
    llCode[i] = llCodeOf(litLength[i] as number);
    mlCode[i] = mlCodeOf(matchLength[i] as number);
    ofCode[i] = highBit(offBase[i] as number);
  }
  const ll = chooseTable(LL, llCode, nbSeq);
  const of = chooseTable(OF, ofCode, nbSeq);
  const ml = chooseTable(ML, mlCode, nbSeq);
  out[p++] = (ll.mode << 6) | (of.mode << 4) | (ml.mode << 2);
  p = writeTable(out, p, ll, LL);
  p = writeTable(out, p, of, OF);
  p = writeTable(out, p, ml, ML);
  const w = new BitWriter(out, p);
  const last = nbSeq - 1;
  let sLL = ll.encoder ? fseInitState(ll.encoder, llCode[last] as number) : 0;
  let sOF = of.encoder ? fseInitState(of.encoder, ofCode[last] as number) : 0;
  let sML = ml.encoder ? fseInitState(ml.encoder, mlCode[last] as number) : 0;
  for (let i = last; i >= 0; i--) {
    const llc = llCode[i] as number;
    const mlc = mlCode[i] as number;
    const ofc = ofCode[i] as number;
    if (i < last) {
      if (of.encoder) sOF = fseEncode(w, of.encoder, sOF, ofc);
      if (ml.encoder) sML = fseEncode(w, ml.encoder, sML, mlc);
      if (ll.encoder) sLL = fseEncode(w, ll.encoder, sLL, llc);
    }
    w.add((litLength[i] as number) - (LL_BASE[llc] as number), LL_BITS[llc] as number);
    w.add((matchLength[i] as number) - (ML_BASE[mlc] as number), ML_BITS[mlc] as number);
    w.add((offBase[i] as number) - (1 << ofc), ofc);
  }
  if (ml.encoder) fseFlush(w, ml.encoder, sML);
  if (of.encoder) fseFlush(w, of.encoder, sOF);
  if (ll.encoder) fseFlush(w, ll.encoder, sLL);
  return w.close();
}
