import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32.js';

describe('crc32', () => {
  it('gives the standard check value and the empty CRC', () => {
    expect(crc32(Buffer.from('123456789', 'latin1'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('matches zlib for every length up to 300 bytes and for large buffers, at any offset', () => {
    let seed = 12345;
    const next = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 24;
    };
    const big = Buffer.alloc(70_000);
    for (let i = 0; i < big.length; i++) big[i] = next();
    for (let len = 0; len <= 300; len++) {
      for (const start of [0, 1, 3, 7]) {
        expect(crc32(big, start, start + len)).toBe(zlibCrc32(big.subarray(start, start + len)));
      }
    }
    expect(crc32(big)).toBe(zlibCrc32(big));
    expect(crc32(big, 5, 65_541)).toBe(zlibCrc32(big.subarray(5, 65_541)));
  });

  it('sees a flipped bit anywhere', () => {
    const buf = Buffer.from('a journal record payload of some length', 'latin1');
    const good = crc32(buf);
    for (let i = 0; i < buf.length * 8; i += 5) {
      buf[i >> 3] = (buf[i >> 3] as number) ^ (1 << (i & 7));
      expect(crc32(buf)).not.toBe(good);
      buf[i >> 3] = (buf[i >> 3] as number) ^ (1 << (i & 7));
    }
  });
});
