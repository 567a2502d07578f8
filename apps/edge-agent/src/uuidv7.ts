import { uuidString } from '@opensensor/errors';

const MAX_MS = 2 ** 48 - 1;

/**
 * A UUID version 7 (RFC 9562 §5.7): a 48-bit big-endian Unix timestamp in milliseconds, the version
 * nibble 7, 12 random bits, the variant bits `10` and 62 random bits. Ids sort by creation time,
 * which keeps a fleet's `station=` partitions in the order the stations were set up.
 *
 * `random(size)` must return `size` random bytes; only 10 are used.
 */
export function uuidv7(nowMs: number, random: (size: number) => Uint8Array = defaultRandom): string {
  if (!Number.isInteger(nowMs) || nowMs < 0 || nowMs > MAX_MS) {
    throw new RangeError(`uuidv7: timestamp must be an integer number of ms from 0 to 2^48-1, got ${nowMs}`);
  }
  const rand = random(10);
  if (rand.length < 10)
    throw new RangeError(`uuidv7: the random source returned ${rand.length} bytes, need 10`);
  const b = new Uint8Array(16);
  // 2^48 does not fit a 32-bit shift, so split the timestamp into its high 16 and low 32 bits.
  const high = Math.floor(nowMs / 2 ** 32);
  const low = nowMs >>> 0;
  b[0] = (high >>> 8) & 0xff;
  b[1] = high & 0xff;
  b[2] = (low >>> 24) & 0xff;
  b[3] = (low >>> 16) & 0xff;
  b[4] = (low >>> 8) & 0xff;
  b[5] = low & 0xff;
  b.set(rand.subarray(0, 10), 6);
  return uuidString(b, 7);
}

/** The millisecond timestamp of a UUIDv7 (for display and tests). */
export function uuidv7Timestamp(id: string): number {
  const hex = id.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex) || hex[12] !== '7') throw new RangeError(`not a UUIDv7: ${id}`);
  return Number.parseInt(hex.slice(0, 12), 16);
}

// The Web Crypto global, not node:crypto: loaded when an id is made, not when the CLI starts.
function defaultRandom(size: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(size));
}
