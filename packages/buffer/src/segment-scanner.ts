import { read } from 'node:fs';
import type { ResumePoint } from './cursor-store.js';
import { HEADER_BYTES, headerSeq, MAGIC, MAGIC_U32, recordChecksumOk } from './record.js';

/** One thing found while walking a segment file. */
export type ScanItem =
  | { kind: 'record'; seq: number; offset: number; end: number; payload: Buffer }
  /** Bytes that are not a valid record, followed by a valid one: skipped, the rest is kept. */
  | { kind: 'corrupt'; offset: number; end: number }
  /** Bytes after the last valid record that never form one: a torn write or garbage. */
  | { kind: 'tail'; offset: number; end: number };

const EMPTY = Buffer.alloc(0);

/** What a scanner reads from: a `FileHandle` of `fs/promises`, or `fdSource` of a descriptor. */
export interface ChunkSource {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

/**
 * Reads of a descriptor opened with `openSync`, one thread-pool round trip each: a `FileHandle` costs
 * two more round trips (its open and close) and an object to collect, for each read of the journal.
 */
export function fdSource(fd: number): ChunkSource {
  return {
    read: (buffer, offset, length, position) =>
      new Promise((resolve, reject) =>
        read(fd, buffer, offset, length, position, (err, bytesRead) =>
          err ? reject(err) : resolve({ bytesRead }),
        ),
      ),
  };
}

/**
 * Walks the records of one segment file in order, reading it in chunks so memory stays bounded by
 * the chunk size (plus one record). A record is accepted only if its magic, length bound, CRC and
 * seq order all hold; after a bad record it searches forward for the next magic that starts a valid
 * record, so damage in the middle costs only the damaged bytes.
 *
 * Chunks are freshly allocated rather than reused, because yielded payloads are views into them.
 */
export class SegmentScanner {
  private buf: Buffer = EMPTY;
  private bufStart = 0;
  private bufEnd = 0;
  private pos: number;
  private prevSeq: number;
  private pending: ScanItem | null = null;

  constructor(
    private readonly file: ChunkSource,
    /** Byte offset where the segment's data ends (its size when the scan started). */
    private readonly limit: number,
    start: { offset: number; prevSeq: number },
    private readonly maxPayload: number,
    private readonly chunkBytes = 64 * 1024,
  ) {
    this.pos = start.offset;
    this.prevSeq = start.prevSeq;
  }

  async next(): Promise<ScanItem | null> {
    if (this.pending) {
      const item = this.pending;
      this.pending = null;
      return item;
    }
    if (this.pos >= this.limit) return null;
    const record = await this.parseAt(this.pos);
    if (record) return this.accept(record);

    const damagedFrom = this.pos;
    let candidate = damagedFrom + 1;
    for (;;) {
      candidate = await this.findMagic(candidate);
      if (candidate < 0) {
        this.pos = this.limit;
        return { kind: 'tail', offset: damagedFrom, end: this.limit };
      }
      const found = await this.parseAt(candidate);
      if (found) {
        this.pending = this.accept(found);
        return { kind: 'corrupt', offset: damagedFrom, end: candidate };
      }
      candidate += 1;
    }
  }

  private accept(record: Extract<ScanItem, { kind: 'record' }>): ScanItem {
    this.pos = record.end;
    this.prevSeq = record.seq;
    return record;
  }

  /**
   * The next record when it lies wholly in the chunk already read and is valid, taken without an
   * await (most records of a read); `undefined` when it needs I/O or is not a plain valid record, and
   * then `next()` decides.
   */
  nextBuffered(): ScanItem | undefined {
    if (this.pending !== null || this.pos >= this.limit) return undefined;
    const record = this.recordIn(this.pos);
    return record ? this.accept(record) : undefined;
  }

  private async parseAt(offset: number): Promise<Extract<ScanItem, { kind: 'record' }> | null> {
    let record = this.recordIn(offset);
    if (record !== undefined) return record;
    if (!(await this.ensure(offset, HEADER_BYTES))) return null;
    record = this.recordIn(offset);
    if (record !== undefined) return record;
    // A valid header whose payload is not read yet.
    const length = this.buf.readUInt32LE(offset - this.bufStart + 8);
    if (!(await this.ensure(offset, HEADER_BYTES + length))) return null;
    return this.recordIn(offset) ?? null;
  }

  /**
   * The record at `offset` from the bytes already in `buf`: the record, null when no valid record
   * starts there, or `undefined` when its header or payload is not wholly read yet.
   */
  private recordIn(offset: number): Extract<ScanItem, { kind: 'record' }> | null | undefined {
    if (offset < this.bufStart || offset + HEADER_BYTES > this.bufEnd) return undefined;
    const at = offset - this.bufStart;
    if (this.buf.readUInt32LE(at) !== MAGIC_U32) return null;
    const length = this.buf.readUInt32LE(at + 8);
    if (length > this.maxPayload || offset + HEADER_BYTES + length > this.limit) return null;
    const end = offset + HEADER_BYTES + length;
    if (end > this.bufEnd) return undefined;
    if (!recordChecksumOk(this.buf, at, length)) return null;
    const seq = headerSeq(this.buf, at);
    if (seq <= this.prevSeq) return null;
    return {
      kind: 'record',
      seq,
      offset,
      end,
      payload: this.buf.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length),
    };
  }

  /** File offset of the next magic at or after `from`, or -1 when there is none before the limit. */
  private async findMagic(from: number): Promise<number> {
    let at = from;
    while (at + MAGIC.length <= this.limit) {
      if (at < this.bufStart || at + MAGIC.length > this.bufEnd) {
        await this.ensure(at, Math.min(this.chunkBytes, this.limit - at));
        // The file ended before the limit (it was cut short under us): nothing more to find.
        if (at + MAGIC.length > this.bufEnd) return -1;
      }
      const window = this.buf.subarray(at - this.bufStart, this.bufEnd - this.bufStart);
      const hit = window.indexOf(MAGIC);
      if (hit >= 0) return at + hit;
      // Keep the last few bytes: a magic may straddle the window's end.
      at = Math.max(at + 1, this.bufEnd - (MAGIC.length - 1));
      await this.ensure(at, Math.min(this.chunkBytes, this.limit - at));
    }
    return -1;
  }

  /** Makes file bytes [offset, offset + n) available in `buf`; false when they pass the limit. */
  private async ensure(offset: number, n: number): Promise<boolean> {
    if (offset >= this.bufStart && offset + n <= this.bufEnd) return true;
    if (offset + n > this.limit) return false;
    const size = Math.max(this.chunkBytes, n);
    const next = Buffer.allocUnsafe(size);
    let filled = 0;
    if (offset >= this.bufStart && offset < this.bufEnd) {
      filled = this.buf.copy(next, 0, offset - this.bufStart, this.bufEnd - this.bufStart);
    }
    const want = Math.min(size, this.limit - offset);
    while (filled < want) {
      const { bytesRead } = await this.file.read(next, filled, want - filled, offset + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    this.buf = next;
    this.bufStart = offset;
    this.bufEnd = offset + filled;
    return filled >= n;
  }
}

/**
 * A scanner of the newest segment (first seq `base`, `bytes` long) for finding its end, and its first
 * item: from the furthest of the consumers' resume points (`cursors`, as loaded) in it whose offset
 * holds an intact record with that seq (finding the end needs only a record boundary), else from the
 * segment's start.
 */
export async function scanToEnd(
  file: ChunkSource,
  bytes: number,
  base: number,
  cursors: Iterable<{ resume?: ResumePoint }>,
  maxPayload: number,
): Promise<{ scanner: SegmentScanner; first: ScanItem | null; prevSeq: number }> {
  const candidates: ResumePoint[] = [];
  for (const { resume: r } of cursors) if (r && r.segment === base && r.offset < bytes) candidates.push(r);
  candidates.sort((a, b) => b.offset - a.offset);
  for (const r of candidates) {
    const scanner = new SegmentScanner(file, bytes, { offset: r.offset, prevSeq: r.seq - 1 }, maxPayload);
    const first = await scanner.next();
    if (first?.kind === 'record' && first.offset === r.offset && first.seq === r.seq)
      return { scanner, first, prevSeq: r.seq - 1 };
  }
  const scanner = new SegmentScanner(file, bytes, { offset: 0, prevSeq: base - 1 }, maxPayload);
  return { scanner, first: await scanner.next(), prevSeq: base - 1 };
}
