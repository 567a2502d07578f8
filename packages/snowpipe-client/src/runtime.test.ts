import { describe, expect, it } from 'vitest';
import { SlidingWindowLimiter, uuidFrom } from './runtime.js';

describe('runtime helpers', () => {
  it('never lets more than max events into any window', async () => {
    let now = 0;
    const limiter = new SlidingWindowLimiter(10, 1000, { now: () => now }, async (ms) => {
      now += ms;
    });
    const times: number[] = [];
    for (let i = 0; i < 35; i++) {
      await limiter.acquire();
      times.push(now);
      now += 7;
    }
    for (let i = 10; i < times.length; i++)
      expect((times[i] as number) - (times[i - 10] as number)).toBeGreaterThanOrEqual(1000);
  });

  it('makes request ids from the injected random source', () => {
    let seed = 1;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const id = uuidFrom(random);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
