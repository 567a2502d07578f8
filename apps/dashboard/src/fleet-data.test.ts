import { describe, expect, it } from 'vitest';
import { aqiBands } from './aqi.js';
import { uptimeOver, uptimeWindow } from './fleet-data.js';
import { placeText } from './format.js';
import { niceKm, project } from './views/map.js';

const DAY = 86_400_000;
const t = (iso: string) => Date.parse(iso);

describe('uptime over the 7-day window', () => {
  const window = uptimeWindow(t('2026-11-30T23:59:55Z'));

  it('runs from the start of the day six days before the newest reading to that reading', () => {
    expect(window).toEqual({ start: t('2026-11-24T00:00:00Z'), end: t('2026-11-30T23:59:55Z') });
  });

  it('counts days without data: 3 full days of a 7-day window are 3/7, not 100 %', () => {
    const full = (iso: string) => ({ day: t(iso), received: 17_280, interval_s: 5 });
    const u = uptimeOver(
      [full('2026-11-28T00:00:00Z'), full('2026-11-29T00:00:00Z'), full('2026-11-30T00:00:00Z')],
      window,
    );
    expect(u.expected).toBe(7 * 17_280);
    expect(u.received).toBe(3 * 17_280);
    expect(u.pct).toBeCloseTo((100 * 3) / 7, 10);
  });

  it('a station reading every interval over the whole window is at 100 %', () => {
    const days = Array.from({ length: 7 }, (_, i) => ({
      day: window.start + i * DAY,
      received: 17_280,
      interval_s: 5,
    }));
    expect(uptimeOver(days, window)).toEqual({ pct: 100, received: 7 * 17_280, expected: 7 * 17_280 });
  });

  it('ignores days outside the window; no day in it is 0 % of an unknown number', () => {
    const old = [{ day: window.start - DAY, received: 17_280, interval_s: 5 }];
    expect(uptimeOver(old, window)).toEqual({ pct: 0, received: 0, expected: null });
  });
});

describe('the map without tiles', () => {
  it('puts north up, east right, and keeps distances true near the fleet', () => {
    const { points, kmPerPx } = project(
      [
        { latitude: 52.3, longitude: 4.8 },
        { latitude: 52.4, longitude: 5.0 },
      ],
      720,
      360,
      48,
    );
    const [a, b] = points as [{ x: number; y: number }, { x: number; y: number }];
    expect(b.x).toBeGreaterThan(a.x);
    expect(b.y).toBeLessThan(a.y);
    // 0.2° of longitude at 52.35° N is about 13.6 km.
    expect((b.x - a.x) * kmPerPx).toBeCloseTo(0.2 * 111.32 * Math.cos((52.35 * Math.PI) / 180), 6);
  });

  it('centres a lone station', () => {
    expect(project([{ latitude: -33.9, longitude: 151.2 }], 720, 360, 48).points).toEqual([
      { x: 360, y: 180 },
    ]);
  });

  it('rounds the scale bar down to 1, 2 or 5 times a power of ten', () => {
    expect([niceKm(0.7), niceKm(3.2), niceKm(14), niceKm(60)]).toEqual([0.5, 2, 10, 50]);
  });

  it('writes a place with its hemispheres', () => {
    expect(placeText(-33.8688, 151.2093)).toBe('33.86880° S, 151.20930° E');
    expect(placeText(52.3731, -4.8922)).toBe('52.37310° N, 4.89220° W');
  });
});

describe('AQI category bands', () => {
  it('name every category with its range, end to end', () => {
    const bands = aqiBands();
    expect(bands.map((b) => b.label)).toEqual([
      'Good (0–50)',
      'Moderate (51–100)',
      'Unhealthy for Sensitive Groups (101–150)',
      'Unhealthy (151–200)',
      'Very Unhealthy (201–300)',
      'Hazardous (301–…)',
    ]);
    for (let i = 1; i < bands.length; i++) expect(bands[i]?.from).toBe(bands[i - 1]?.to);
  });
});
