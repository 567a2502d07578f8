import { describe, expect, it } from 'vitest';
import { realSleep, systemClock } from './time.js';

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
