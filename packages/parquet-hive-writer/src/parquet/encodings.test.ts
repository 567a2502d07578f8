import { describe, expect, it } from 'vitest';
import { ByteSink } from './byte-sink.js';
import { writeDefinitionLevels } from './levels.js';
import { stringMaxBound, stringMinBound } from './statistics.js';
import { ThriftWriter } from './thrift.js';
import { bitWidth, writeByteStreamSplit, writeDeltaBinaryPacked, writeInt64Plain } from './values.js';

/** Expected bytes here are worked out by hand from the Parquet and Thrift specifications. */
const hex = (sink: ByteSink) => Buffer.from(sink.written()).toString('hex');

describe('definition levels (RLE / bit-packed hybrid, bit width 1)', () => {
  const levels = (values: number[]) => {
    const sink = new ByteSink(4);
    const length = writeDefinitionLevels(sink, Uint8Array.from(values), values.length);
    expect(length).toBe(sink.length);
    return hex(sink);
  };

  it('writes a run of 8 or more as one RLE run: count << 1, then the value', () => {
    expect(levels(new Array(10).fill(1))).toBe('1401');
    expect(levels(new Array(200).fill(0))).toBe('900300'); // varint(400)
  });

  it('bit-packs shorter runs in groups of 8, LSB first, the last group padded with zeros', () => {
    expect(levels([1, 0, 1, 1, 0, 0, 0, 1])).toBe('038d');
    expect(levels([1, 1, 0])).toBe('0303');
    expect(levels([1, 0, 1, 0, 1, 0, 1, 0, 1])).toBe('055501');
  });

  it('switches from bit-packed to RLE at a group boundary', () => {
    expect(levels([0, 1, 0, 1, 0, 1, 0, 1, ...new Array(9).fill(1)])).toBe('03aa1201');
    expect(levels([...new Array(8).fill(1), 0, 1])).toBe('10010302');
  });
});

describe('thrift compact protocol', () => {
  it('writes short field headers for deltas up to 15 and long ones beyond', () => {
    const sink = new ByteSink(4);
    const w = new ThriftWriter(sink);
    w.enter();
    w.i32(1, 2);
    w.i32(20, -1);
    w.bool(21, true);
    w.i64(22, 2 ** 40);
    w.list(23, 5, 2);
    w.listI32(1);
    w.listI32(-2);
    w.struct(24);
    w.string(1, 'é');
    w.end();
    w.end();
    // i32 1: 15 04 | i32 20: 05 28 01 | bool 21: 11 | i64 22: 16 + zigzag 2^41 = 80 80 80 80 80 40 |
    // list 23 of 2 i32: 19 25 02 03 | struct 24: 1c, string 1: 18 02 c3 a9, stop 00 | stop 00
    expect(hex(sink)).toBe('15040528011116808080808040192502031c1802c3a90000');
  });

  it('writes a list of 15 or more elements with its size as a varint', () => {
    const sink = new ByteSink(4);
    const w = new ThriftWriter(sink);
    w.list(1, 5, 15);
    expect(hex(sink)).toBe('19f50f');
  });
});

describe('DELTA_BINARY_PACKED', () => {
  const delta = (values: number[]) => {
    const sink = new ByteSink(4);
    writeDeltaBinaryPacked(sink, Float64Array.from(values), values.length);
    return hex(sink);
  };

  it('stores equal steps in no bits: header, then min delta and zero widths', () => {
    // block 128, 4 miniblocks, 5 values, first 1; min delta 1, widths 0 0 0 0
    expect(delta([1, 2, 3, 4, 5])).toBe('8001040502' + '02' + '00000000');
  });

  it('packs deltas minus the block minimum, padding the miniblock to 32 values', () => {
    // deltas -2 -2 -2 1 1 1 1 → min -2 (zigzag 3), adjusted 0 0 0 3 3 3 3 at 2 bits
    expect(delta([7, 5, 3, 1, 2, 3, 4, 5])).toBe(`800104080e0302000000c03f${'00'.repeat(6)}`);
  });

  it('writes only the header for a single value', () => {
    // zigzag(1.7e12) = 3.4e12 = 0x3179fcad000 → ULEB128, 7 bits at a time: 80 a0 ab fe f9 62
    expect(delta([1_700_000_000_000])).toBe('8001040180a0abfef962');
  });
});

describe('PLAIN INT64 from doubles and BYTE_STREAM_SPLIT', () => {
  it('writes two’s complement little-endian words', () => {
    const sink = new ByteSink(4);
    writeInt64Plain(sink, Float64Array.from([-1, 2 ** 32 + 5, Number.MIN_SAFE_INTEGER]), 3);
    const view = new DataView(sink.written().buffer, 0, 24);
    expect([0, 8, 16].map((o) => view.getBigInt64(o, true))).toEqual([
      -1n,
      2n ** 32n + 5n,
      -(2n ** 53n - 1n),
    ]);
  });

  it('splits each value’s bytes into streams', () => {
    const sink = new ByteSink(4);
    writeByteStreamSplit(sink, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), 2, 4);
    expect(hex(sink)).toBe('0105020603070408');
  });

  it('counts bit widths beyond 32 bits', () => {
    expect([0, 1, 255, 256, 2 ** 32 - 1, 2 ** 32, 2 ** 52].map(bitWidth)).toEqual([0, 1, 8, 9, 32, 33, 53]);
  });
});

describe('string statistics bounds', () => {
  const utf8 = (s: string) => new TextEncoder().encode(s);
  const text = (b: Uint8Array) => new TextDecoder().decode(b);

  it('keeps values of up to 16 bytes exactly', () => {
    expect(stringMinBound(utf8('0123456789abcdef'))).toEqual({
      bound: utf8('0123456789abcdef'),
      exact: true,
    });
    expect(stringMaxBound(utf8(''))).toEqual({ bound: utf8(''), exact: true });
  });

  it('cuts a min on a code point boundary', () => {
    const { bound, exact } = stringMinBound(utf8('abcdefghijklmno日本'));
    expect([text(bound), exact]).toEqual(['abcdefghijklmno', false]);
  });

  it('raises the last code point of a max prefix that has a successor', () => {
    expect(text(stringMaxBound(utf8('abcdefghijklmnopqrs')).bound)).toBe('abcdefghijklmnoq');
    expect(text(stringMaxBound(utf8(`a${'\u{10FFFF}'.repeat(5)}`)).bound)).toBe('b');
    expect(text(stringMaxBound(utf8('\ud7ff'.repeat(7))).bound)).toBe(`${'\ud7ff'.repeat(4)}\ue000`);
    expect(stringMaxBound(utf8('\u{10FFFF}'.repeat(5))).exact).toBe(true);
  });
});
