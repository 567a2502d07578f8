import { describe, expect, it } from 'vitest';
import { uuidv7, uuidv7Timestamp } from './uuidv7.js';

const bytes =
  (...values: number[]) =>
  () =>
    Uint8Array.from(values);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidv7 (RFC 9562 §5.7)', () => {
  it('puts the 48-bit ms timestamp first, then version 7 and variant 10 over the random bits', () => {
    // 1700000000000 ms = 0x018BCFE56800
    expect(uuidv7(1_700_000_000_000, bytes(...Array(10).fill(0xff)))).toBe(
      '018bcfe5-6800-7fff-bfff-ffffffffffff',
    );
    expect(uuidv7(1_700_000_000_000, bytes(...Array(10).fill(0)))).toBe(
      '018bcfe5-6800-7000-8000-000000000000',
    );
    expect(uuidv7(0, bytes(0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x11, 0x22))).toBe(
      '00000000-0000-7234-9678-9abcdef01122',
    );
    expect(uuidv7(2 ** 48 - 1, bytes(...Array(10).fill(0)))).toBe('ffffffff-ffff-7000-8000-000000000000');
  });

  it('round-trips the timestamp and sorts by creation time', () => {
    const times = [1, 1_000, 2 ** 40 + 7, 1_700_000_000_000, 1_700_000_000_001];
    const ids = times.map((t) => uuidv7(t));
    for (const [i, id] of ids.entries()) {
      expect(id).toMatch(UUID);
      expect(uuidv7Timestamp(id)).toBe(times[i]);
    }
    expect([...ids].sort()).toEqual(ids);
  });

  it('uses the default random source (distinct ids within one millisecond)', () => {
    const ids = new Set(Array.from({ length: 100 }, () => uuidv7(1_700_000_000_000)));
    expect(ids.size).toBe(100);
  });

  it('rejects timestamps outside 48 bits and short random sources', () => {
    expect(() => uuidv7(-1)).toThrow(/0 to 2\^48-1/);
    expect(() => uuidv7(2 ** 48)).toThrow(/0 to 2\^48-1/);
    expect(() => uuidv7(1.5)).toThrow(/integer/);
    expect(() => uuidv7(1, bytes(1, 2, 3))).toThrow(/returned 3 bytes, need 10/);
    expect(() => uuidv7Timestamp('01936f3e-5b7c-4d1a-9f00-2c4e8b1a6d5f')).toThrow(/not a UUIDv7/);
  });
});
