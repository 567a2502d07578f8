import { describe, expect, it } from 'vitest';
import { simulatedPlace, simulatedStationId } from './station-ids.js';

describe('simulated fleets', () => {
  it('the same seed names and places the same stations, each differently, near the made-up town', () => {
    const fleet = Array.from({ length: 25 }, (_, i) => simulatedPlace('opensensor', i));
    expect(fleet).toEqual(Array.from({ length: 25 }, (_, i) => simulatedPlace('opensensor', i)));
    expect(new Set(fleet.map((p) => p.name)).size).toBe(25);
    expect(fleet[0]?.name).toBe('Harbour (sim 1)');
    for (const p of fleet) {
      expect(Math.abs(p.latitude - 52.37)).toBeLessThanOrEqual(0.09);
      expect(Math.abs(p.longitude - 4.9)).toBeLessThanOrEqual(0.15);
    }
    expect(simulatedPlace('other', 0)).not.toEqual(fleet[0]);
    expect(simulatedStationId('opensensor', 0)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8/);
  });
});
