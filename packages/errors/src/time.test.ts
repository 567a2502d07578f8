import { describe, expect, it } from 'vitest';
import { isoTime, realSleep, systemClock } from './time.js';

describe('systemClock', () => {
  it('reads Date.now', () => {
    const before = Date.now();
    const t = systemClock.now();
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Date.now());
  });
});

describe('realSleep', () => {
  it('resolves for a zero or negative wait', async () => {
    await expect(realSleep(0)).resolves.toBeUndefined();
    await expect(realSleep(-5)).resolves.toBeUndefined();
  });

  it('rejects with the reason of a signal that aborts while it waits', async () => {
    const controller = new AbortController();
    const reason = new Error('stopped');
    const sleeping = realSleep(60_000, controller.signal);
    controller.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
  });

  it('rejects at once when the signal has already aborted', async () => {
    const reason = new Error('already');
    await expect(realSleep(60_000, AbortSignal.abort(reason))).rejects.toBe(reason);
  });
});

describe('isoTime', () => {
  it('is toISOString for every kind of time from year 0 to 9999', () => {
    const times = [
      0, 1, 9, 10, 99, 100, 999, -1, -62167219200000, 253402300799999, 951782400000, 1765000000123,
    ];
    // A deterministic spread over the whole range, every field at its bounds somewhere.
    let s = 12345;
    for (let i = 0; i < 20_000; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      times.push(Math.floor((s / 2 ** 32) * (253402300799999 + 62167219200000)) - 62167219200000);
    }
    for (const t of times) expect(isoTime(t), String(t)).toBe(new Date(t).toISOString());
  });

  it('hands years outside 0–9999 to toISOString, and rejects what is not a time as it does', () => {
    expect(isoTime(-62167219200001)).toBe('-000001-12-31T23:59:59.999Z');
    expect(isoTime(253402300800000)).toBe('+010000-01-01T00:00:00.000Z');
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
    expect(() => isoTime(8.64e15 + 1)).toThrow(RangeError);
  });
});
