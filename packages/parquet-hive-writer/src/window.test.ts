import { describe, expect, it } from 'vitest';
import { WindowError } from './errors.js';
import { BATCH_DURATIONS_SEC, nextWindow, windowOf } from './window.js';

const utc = (iso: string) => Date.parse(iso);

describe('windowOf', () => {
  it('aligns the default 900 s windows to :00/:15/:30/:45 and names the file after the window end', () => {
    const w = windowOf(utc('2025-03-14T09:07:31.250Z'), 900);
    expect(new Date(w.start).toISOString()).toBe('2025-03-14T09:00:00.000Z');
    expect(new Date(w.end).toISOString()).toBe('2025-03-14T09:15:00.000Z');
    expect(w.hhmm).toBe('0915');
    expect(w.fileName).toBe('data_0915.parquet');
    expect(w.partition).toEqual({ year: '2025', month: '03', day: '14' });
  });

  it('puts a timestamp exactly on a boundary into the window that starts there', () => {
    const w = windowOf(utc('2025-03-14T09:15:00.000Z'), 900);
    expect(w.hhmm).toBe('0930');
    expect(windowOf(w.start - 1, 900).hhmm).toBe('0915');
  });

  it('names the last window of a day data_0000 in that same day (no file holds two days)', () => {
    const w = windowOf(utc('2024-12-31T23:59:59.999Z'), 900);
    expect(w.partition).toEqual({ year: '2024', month: '12', day: '31' });
    expect(w.fileName).toBe('data_0000.parquet');
    expect(new Date(w.end).toISOString()).toBe('2025-01-01T00:00:00.000Z');
    const next = nextWindow(w);
    expect(next.partition).toEqual({ year: '2025', month: '01', day: '01' });
    expect(next.hhmm).toBe('0015');
  });

  it('handles leap days and hour-long windows', () => {
    const w = windowOf(utc('2024-02-29T23:30:00Z'), 3600);
    expect(w.partition).toEqual({ year: '2024', month: '02', day: '29' });
    expect(w.hhmm).toBe('0000');
    expect(nextWindow(w).partition).toEqual({ year: '2024', month: '03', day: '01' });
  });

  it('tiles a whole day for every supported duration, each window inside one day', () => {
    const dayStart = utc('2025-06-01T00:00:00Z');
    for (const d of BATCH_DURATIONS_SEC) {
      let w = windowOf(dayStart, d);
      const names = new Set<string>();
      while (w.start < dayStart + 86_400_000) {
        expect(w.partition.day).toBe('01');
        names.add(w.fileName);
        w = nextWindow(w);
      }
      expect(names.size).toBe(86_400 / d);
      expect(names.has('data_0000.parquet')).toBe(true);
    }
  });

  it('rejects durations that do not divide an hour into whole minutes', () => {
    for (const bad of [0, 59, 61, 420, 900.5, 7200, Number.NaN]) {
      expect(() => windowOf(0, bad)).toThrow(WindowError);
    }
    expect(() => windowOf(0, 420)).toThrow(/whole minutes that divide an hour/);
  });

  it('rejects non-finite timestamps', () => {
    expect(() => windowOf(Number.NaN, 900)).toThrow(/finite/);
    expect(() => windowOf(Number.POSITIVE_INFINITY, 900)).toThrow(WindowError);
  });
});
