import { describe, expect, it } from 'vitest';
import { randomUuid } from './random-id.js';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('randomUuid', () => {
  it('is a version 4 UUID, different every time', async () => {
    const ids = await Promise.all(Array.from({ length: 200 }, () => randomUuid()));
    for (const id of ids) expect(id).toMatch(V4);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('spreads its random bits over every hex digit', async () => {
    // 2,000 ids: every random hex position sees all 16 digits (a stuck nibble would not); the version
    // nibble is always 4 and the variant nibble one of 8, 9, a, b.
    const ids = await Promise.all(Array.from({ length: 2000 }, () => randomUuid()));
    const hex = ids.map((id) => id.replace(/-/g, ''));
    for (let p = 0; p < 32; p++) {
      const seen = new Set(hex.map((h) => h[p]));
      expect(seen.size).toBe(p === 12 ? 1 : p === 16 ? 4 : 16);
    }
  });

  it('falls back to node:crypto where the random device is missing', async () => {
    const id = await randomUuid('/nonexistent/urandom');
    expect(id).toMatch(V4);
  });
});
