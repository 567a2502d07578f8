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

const PLACES = [
  'Harbour',
  'Market square',
  'Riverside',
  'School yard',
  'Station road',
  'Town hall roof',
  'Park pavilion',
  'Ring road',
  'Library',
  'Allotments',
] as const;

/**
 * A simulated station's name and place: the same seed always puts the fleet in the same spots, spread
 * over about 20 × 20 km around a made-up town centre (52.37° N, 4.90° E), so the dashboard's map and
 * fleet table have something to show. The user's own OPENSENSOR_STATION_* settings win over these.
 */
export function simulatedPlace(
  seed: string,
  index: number,
): { name: string; latitude: number; longitude: number } {
  const s = seedFromString(seed);
  const unit = (k: number) => hash3(s, index, 200 + k) / 4294967296 - 0.5;
  const round = (v: number) => Math.round(v * 1e5) / 1e5;
  return {
    name: `${PLACES[index % PLACES.length]} (sim ${index + 1})`,
    latitude: round(52.37 + unit(0) * 0.18),
    longitude: round(4.9 + unit(1) * 0.3),
  };
}
