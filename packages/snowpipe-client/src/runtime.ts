import { type Clock, type Sleep, uuidString } from '@opensensor/errors';

/** Uniform in [0, 1), like `Math.random`; injectable for deterministic jitter. */
export type Random = () => number;

/** A UUID v4 built from the injected random source, so request ids are reproducible in tests. */
export function uuidFrom(random: Random): string {
  const bytes = new Array<number>(16);
  for (let i = 0; i < 16; i++) bytes[i] = Math.floor(random() * 256) & 0xff;
  return uuidString(bytes, 4);
}

/**
 * At most `max` events in any window of `windowMs`: the (max+1)-th waits until the oldest of the
 * last `max` has left the window. A sliding window, not a token bucket, so bursts can never exceed
 * the server's per-second limit whatever the phase of its counting window.
 */
export class SlidingWindowLimiter {
  private readonly times: number[] = [];
  private next = 0;

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly clock: Clock,
    private readonly sleep: Sleep,
  ) {}

  /** Resolves with the milliseconds waited. */
  async acquire(): Promise<number> {
    if (this.times.length < this.max) {
      this.times.push(this.clock.now());
      return 0;
    }
    const oldest = this.times[this.next] ?? 0;
    const wait = oldest + this.windowMs - this.clock.now();
    if (wait > 0) await this.sleep(wait);
    this.times[this.next] = this.clock.now();
    this.next = (this.next + 1) % this.max;
    return Math.max(0, wait);
  }
}
