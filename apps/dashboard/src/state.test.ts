import { describe, expect, it } from 'vitest';
import { daysCovering, defaultRange, formatState, parseState, rangeMs, shiftRange } from './state.js';

describe('URL state', () => {
  it('round-trips every field', () => {
    const state = {
      view: 'compare' as const,
      stations: ['a-1', 'b-2'],
      m: 'pm25',
      from: '2026-11-01',
      to: '2026-11-07',
      sort: '-aqi',
    };
    expect(parseState(formatState(state))).toEqual(state);
    expect(formatState(state)).toBe(
      '?view=compare&stations=a-1,b-2&m=pm25&from=2026-11-01&to=2026-11-07&sort=-aqi',
    );
  });

  it('ignores what it does not understand', () => {
    expect(parseState('?view=admin&m=pm25;drop&from=yesterday&sort=<x>')).toEqual({ view: 'fleet' });
  });
});

describe('ranges', () => {
  it('an inclusive day range is a half-open time range', () => {
    expect(rangeMs('2026-11-30', '2026-11-30')).toEqual({
      start: Date.parse('2026-11-30T00:00:00Z'),
      end: Date.parse('2026-12-01T00:00:00Z'),
    });
  });

  it('a zoom selection becomes the days that hold it', () => {
    expect(daysCovering(Date.parse('2026-11-30T10:00:00Z'), Date.parse('2026-12-01T00:00:00Z'))).toEqual({
      from: '2026-11-30',
      to: '2026-11-30',
    });
  });

  it('the default is the last 7 days, not before the first reading', () => {
    const last = Date.parse('2026-11-30T23:59:55Z');
    expect(defaultRange(last)).toEqual({ from: '2026-11-24', to: '2026-11-30' });
    expect(defaultRange(last, 7, Date.parse('2026-11-28T00:00:00Z'))).toEqual({
      from: '2026-11-28',
      to: '2026-11-30',
    });
  });

  it('earlier and later move by the range length', () => {
    expect(shiftRange('2026-11-29', '2026-11-30', -1)).toEqual({ from: '2026-11-27', to: '2026-11-28' });
    expect(shiftRange('2026-11-30', '2026-11-30', 1)).toEqual({ from: '2026-12-01', to: '2026-12-01' });
  });
});
