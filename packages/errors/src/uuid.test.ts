import { describe, expect, it } from 'vitest';
import { uuidString } from './uuid.js';

describe('uuidString', () => {
  it('lays out 16 bytes as 8-4-4-4-12 hex digits with the version and variant bits set', () => {
    const bytes = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
    expect(uuidString(bytes, 4)).toBe('00112233-4455-4677-8899-aabbccddeeff');
    expect(uuidString(bytes, 7)).toBe('00112233-4455-7677-8899-aabbccddeeff');
    const ones = new Uint8Array(16).fill(0xff);
    expect(uuidString(ones, 4)).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
    expect(uuidString(new Uint8Array(16), 7)).toBe('00000000-0000-7000-8000-000000000000');
  });

  it('leaves the bytes as they were', () => {
    const bytes = new Uint8Array(16).fill(0xff);
    uuidString(bytes, 4);
    expect([...bytes]).toEqual(new Array(16).fill(0xff));
  });
});
