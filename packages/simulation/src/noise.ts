/**
 * Stateless, seeded noise: every value is a pure function of (seed, channel, step), so a simulated
 * station produces the same reading for the same instant however often it is restarted or replayed.
 */

/** 32-bit integer mix (finaliser of a well-known avalanche hash); returns an unsigned 32-bit value. */
export function mix32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Hash of up to three integers (steps may exceed 2^32, so the high part is folded in). */
export function hash3(a: number, b: number, c: number): number {
  const hi = Math.floor(c / 4294967296);
  return mix32(mix32(mix32(a) ^ Math.imul(b, 0x9e3779b1)) ^ (c >>> 0) ^ mix32(hi + 0x632be5ab));
}

/** Uniform in [0, 1). */
export function uniform(seed: number, channel: number, step: number): number {
  return hash3(seed, channel, step) / 4294967296;
}

/** Standard normal (Box–Muller on two independent uniforms). */
export function gaussian(seed: number, channel: number, step: number): number {
  const u1 = uniform(seed, channel, step * 2) || 1e-12;
  const u2 = uniform(seed, channel, step * 2 + 1);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Smooth noise in roughly [-1, 1]: cosine interpolation between seeded values every `periodMs`. */
export function smooth(seed: number, channel: number, tMs: number, periodMs: number): number {
  const x = tMs / periodMs;
  const i = Math.floor(x);
  const f = x - i;
  const a = uniform(seed, channel, i) * 2 - 1;
  const b = uniform(seed, channel, i + 1) * 2 - 1;
  const w = (1 - Math.cos(Math.PI * f)) / 2;
  return a * (1 - w) + b * w;
}

/** A small seeded PRNG (sfc32-style state machine) for choices made once, e.g. station climate. */
export function seededRandom(seed: number): () => number {
  let a = mix32(seed ^ 0x9e3779b9);
  let b = mix32(a ^ 0x243f6a88);
  let c = mix32(b ^ 0xb7e15162);
  let d = 1;
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from any string (station ids, user-supplied seeds). */
export function seedFromString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix32(h);
}
