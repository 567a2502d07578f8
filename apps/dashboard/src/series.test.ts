import { describe, expect, it } from 'vitest';
import { AQI_CATEGORIES, categoryOfAqi } from './aqi.js';
import { failedMarkers, hourOfDayProfile, splitByQc } from './series.js';

describe('chart columns', () => {
  it('keeps failed and suspect values, apart from the line', () => {
    expect(splitByQc([1, 2, 3, null], [1, 3, 4, 9])).toEqual({
      ok: [1, null, null, null],
      suspect: [null, 2, null, null],
      failed: [null, null, 3, null],
    });
  });

  it('marks the hours with failed values on the mean line, or at the last mean when none is left', () => {
    expect(failedMarkers([0, 2, null, 5, 5, 0], [10, 11, null, null, 12, 13])).toEqual([
      null,
      11,
      null,
      11,
      12,
      null,
    ]);
    expect(failedMarkers([3, 0], [null, 7])).toEqual([7, null]);
  });

  it('profiles by UTC hour of day', () => {
    const t = (iso: string) => Date.parse(iso);
    const p = hourOfDayProfile([
      { t: t('2026-11-29T05:00:00Z'), mean: 2 },
      { t: t('2026-11-30T05:00:00Z'), mean: 4 },
      { t: t('2026-11-30T06:00:00Z'), mean: null },
    ]);
    expect(p.mean[5]).toBe(3);
    expect([p.min[5], p.max[5]]).toEqual([2, 4]);
    expect(p.mean[6]).toBeNull();
  });
});

describe('AQI categories', () => {
  it('follow the EPA index ranges, and every one has a name', () => {
    expect(categoryOfAqi(50).name).toBe('Good');
    expect(categoryOfAqi(51).name).toBe('Moderate');
    expect(categoryOfAqi(301).name).toBe('Hazardous');
    expect(AQI_CATEGORIES.every((c) => c.name.length > 0)).toBe(true);
  });
});
