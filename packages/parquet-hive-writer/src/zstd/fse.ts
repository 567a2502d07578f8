import { type BitWriter, highBit } from './bits.js';

/**
 * Finite State Entropy tables as RFC 8878 §4.1 defines them: a distribution normalised to
 * `2 ** log` (a probability of -1 means "less than 1": one cell, read with `log` bits), spread over the
 * table the way every decoder spreads it, and the encoder's view of that table.
 */
export class FseEncoder {
  log = 0;
  /** Encoder state (`2 ** log + cell`) by symbol rank: each symbol's cells in increasing order. */
  readonly stateTable: Uint16Array;
  readonly deltaNbBits: Int32Array;
  readonly deltaFindState: Int32Array;
  /** Where each symbol's cells start in `stateTable`. */
  readonly start: Int32Array;
  private readonly cells: Uint8Array;

  /** Room for tables up to `2 ** maxLog` cells over `symbols` symbols; `build` fills it. */
  constructor(maxLog: number, symbols: number) {
    this.stateTable = new Uint16Array(1 << maxLog);
    this.cells = new Uint8Array(1 << maxLog);
    this.deltaNbBits = new Int32Array(symbols);
    this.deltaFindState = new Int32Array(symbols);
    this.start = new Int32Array(symbols + 1);
  }

  /** Builds the encoder for a normalised distribution (`norm[s]` for symbols 0..norm.length-1). */
  build(norm: ArrayLike<number>, log: number): this {
    const size = 1 << log;
    const mask = size - 1;
    const symbols = norm.length;
    const { cells, start, stateTable, deltaNbBits, deltaFindState } = this;
    this.log = log;
    let high = size - 1;
    for (let s = 0; s < symbols; s++) {
      const p = norm[s] as number;
      if (p === -1) {
        cells[high--] = s;
        start[s + 1] = (start[s] as number) + 1;
      } else {
        start[s + 1] = (start[s] as number) + p;
      }
    }
    const step = (size >> 1) + (size >> 3) + 3;
    let pos = 0;
    for (let s = 0; s < symbols; s++) {
      const p = norm[s] as number;
      for (let i = 0; i < p; i++) {
        cells[pos] = s;
        do pos = (pos + step) & mask;
        while (pos > high);
      }
    }
    // Each symbol's cells in increasing order; `deltaFindState` first borrows the running index.
    for (let s = 0; s < symbols; s++) deltaFindState[s] = start[s] as number;
    for (let u = 0; u < size; u++) {
      const s = cells[u] as number;
      stateTable[deltaFindState[s] as number] = size + u;
      deltaFindState[s] = (deltaFindState[s] as number) + 1;
    }
    for (let s = 0; s < symbols; s++) {
      const p = norm[s] as number;
      if (p === -1 || p === 1) {
        deltaNbBits[s] = (log << 16) - size;
        deltaFindState[s] = (start[s] as number) - 1;
      } else if (p > 1) {
        const maxBitsOut = log - highBit(p - 1);
        deltaNbBits[s] = (maxBitsOut << 16) - (p << maxBitsOut);
        deltaFindState[s] = (start[s] as number) - p;
      }
    }
    return this;
  }
}

/**
 * The first state for the last symbol of a stream: the symbol's first cell, the one a decoder leaves
 * with the most bits. A stream that ends by running out of bits (Huffman weights) relies on that.
 */
export function fseInitState(e: FseEncoder, symbol: number): number {
  return e.stateTable[e.start[symbol] as number] as number;
}

/** Writes the bits that lead a decoder from `symbol` back to `state`; returns the state for `symbol`. */
export function fseEncode(w: BitWriter, e: FseEncoder, state: number, symbol: number): number {
  const nb = (state + (e.deltaNbBits[symbol] as number)) >> 16;
  w.add(state & ((1 << nb) - 1), nb);
  return e.stateTable[(state >> nb) + (e.deltaFindState[symbol] as number)] as number;
}

/** Writes the final state: the first thing a decoder reads. */
export function fseFlush(w: BitWriter, e: FseEncoder, state: number): void {
  w.add(state & ((1 << e.log) - 1), e.log);
}

/**
 * Normalises `counts` (symbols 0..maxSymbol, `total` their sum) to `2 ** log`, every present symbol at
 * least 1, into the start of `into`. The caller picks `log` with `2 ** log >=` the number of present
 * symbols.
 */
export function normalize(
  counts: ArrayLike<number>,
  maxSymbol: number,
  total: number,
  log: number,
  into: Int16Array,
): Int16Array {
  const size = 1 << log;
  const norm = into.subarray(0, maxSymbol + 1).fill(0);
  let sum = 0;
  let largest = 0;
  for (let s = 0; s <= maxSymbol; s++) {
    const c = counts[s] as number;
    if (c === 0) continue;
    const p = Math.max(1, Math.round((c * size) / total));
    norm[s] = p;
    sum += p;
    if (c > (counts[largest] as number)) largest = s;
  }
  if (sum < size) norm[largest] = (norm[largest] as number) + size - sum;
  // Rounding up the rare symbols can overshoot: take the excess from the largest probabilities.
  while (sum > size) {
    let s = 0;
    for (let t = 1; t <= maxSymbol; t++) if ((norm[t] as number) > (norm[s] as number)) s = t;
    const take = Math.min(sum - size, (norm[s] as number) - 1, Math.max(1, (norm[s] as number) >> 2));
    norm[s] = (norm[s] as number) - take;
    sum -= take;
  }
  return norm;
}

/** Bits to code `counts` with `norm` (an estimate: each symbol costs `log - log2(p)`). */
export function fseCost(counts: ArrayLike<number>, norm: ArrayLike<number>, log: number): number {
  let bits = 0;
  for (let s = 0; s < norm.length; s++) {
    const c = counts[s] as number;
    if (c === 0) continue;
    const p = norm[s] as number;
    if (p === 0) return Number.POSITIVE_INFINITY;
    bits += c * (log - Math.log2(p === -1 ? 1 : p));
  }
  return bits;
}

/** Writes a distribution's description (RFC 8878 §4.1.1); `norm` ends with its last present symbol. */
export function writeFseDescription(w: BitWriter, norm: ArrayLike<number>, log: number): void {
  const size = 1 << log;
  w.add(log - 5, 4);
  let remaining = size + 1;
  let threshold = size;
  let nbBits = log + 1;
  let symbol = 0;
  let previousZero = false;
  const symbols = norm.length;
  while (symbol < symbols && remaining > 1) {
    if (previousZero) {
      let from = symbol;
      while (symbol < symbols && norm[symbol] === 0) symbol++;
      while (symbol >= from + 24) {
        from += 24;
        w.add(0xffff, 16);
      }
      while (symbol >= from + 3) {
        from += 3;
        w.add(3, 2);
      }
      w.add(symbol - from, 2);
    }
    let count = norm[symbol++] as number;
    const max = 2 * threshold - 1 - remaining;
    remaining -= count < 0 ? -count : count;
    count++;
    if (count >= threshold) count += max;
    w.add(count, count < max ? nbBits - 1 : nbBits);
    previousZero = count === 1;
    while (remaining < threshold) {
      nbBits--;
      threshold >>= 1;
    }
  }
  w.align();
}
