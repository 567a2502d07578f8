import { hash3, seedFromString } from '@opensensor/simulation';

/**
 * Station ids derived from a seed: the same seed always names the same fleet, so a backfill can be
 * repeated or extended. They are RFC 9562 version-8 (custom) UUIDs, valid wherever a UUID is expected.
 */
export function simulatedStationId(seed: string, index: number): string {
  const s = seedFromString(seed);
  const words = [0, 1, 2, 3].map((k) => hash3(s, index, k).toString(16).padStart(8, '0'));
  const hex = words.join('');
  const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The numeric seed of one station's physics. */
export function stationSeed(seed: string, index: number): number {
  return hash3(seedFromString(seed), index, 99);
}
