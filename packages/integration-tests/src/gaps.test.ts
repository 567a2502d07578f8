import { describe, expect, it } from 'vitest';
import { downtimes, type Lifetime, unexplainedGaps } from './gaps.js';

const policy = { intervalMs: 50, lossSlackMs: 200, resumeSlackMs: 500 };

/** Readings every 50 ms from `from` (inclusive) to `to` (exclusive). */
const grid = (from: number, to: number) => {
  const out: number[] = [];
  for (let t = from; t < to; t += 50) out.push(t);
  return out;
};

describe('downtimes', () => {
  it('runs from each end to the next ready process; one killed before it was ready adds none', () => {
    const lives: Lifetime[] = [
      { readyAt: 1000, endedAt: 2000 },
      { readyAt: null, endedAt: 2300 },
      { readyAt: 2600, endedAt: 4000 },
    ];
    expect(downtimes(lives)).toEqual([{ from: 2000, to: 2600 }]);
  });
});

describe('unexplainedGaps', () => {
  const lives: Lifetime[] = [
    { readyAt: 1000, endedAt: 2000 },
    { readyAt: 3000, endedAt: 4000 },
  ];

  it('accepts a gap that lies within a downtime and its slack', () => {
    const ts = [...grid(1000, 1950), ...grid(3100, 4000)];
    expect(unexplainedGaps(ts, lives, policy)).toEqual([]);
  });

  it('reports a gap while the station was up', () => {
    const ts = [...grid(1000, 1400), ...grid(1600, 1950), ...grid(3100, 4000)];
    expect(unexplainedGaps(ts, lives, policy)).toEqual([
      { after: 1350, before: 1600, reason: expect.stringMatching(/no downtime overlaps it/) },
    ]);
  });

  it('accepts a gap while up that the station logged as skipped deadlines, and no longer one', () => {
    const ts = [...grid(1000, 1400), ...grid(1500, 1950), ...grid(3100, 4000)];
    const logged = (missed: number): Lifetime[] => [
      { readyAt: 1000, endedAt: 2000, overruns: [{ at: 1460, missed }] },
      { readyAt: 3000, endedAt: 4000 },
    ];
    // 1350 -> 1500: the deadlines 1400 and 1450 were skipped.
    expect(unexplainedGaps(ts, logged(2), policy)).toEqual([]);
    expect(unexplainedGaps(ts, logged(1), policy)[0]?.reason).toMatch(/1 skipped deadline/);
  });

  it('accepts a stall within the loss window just before a kill, which could not log its skipped deadlines', () => {
    // The 1850 tick woke late at 1950, journaled, and was killed at 2000 before it could log.
    const ts = [...grid(1000, 1850), 1950, ...grid(3100, 4000)];
    expect(unexplainedGaps(ts, lives, policy)).toEqual([]);
    // The same stall earlier in the run is a loss.
    const early = [...grid(1000, 1500), ...grid(1650, 1950), ...grid(3100, 4000)];
    expect(unexplainedGaps(early, lives, policy)).toHaveLength(1);
  });

  it('reports readings lost well before a kill', () => {
    const ts = [...grid(1000, 1500), ...grid(3100, 4000)];
    expect(unexplainedGaps(ts, lives, policy)[0]?.reason).toMatch(/before the kill/);
  });

  it('reports a restart that reads much later than it said it was ready', () => {
    const ts = [...grid(1000, 1950), ...grid(3600, 4000)];
    expect(unexplainedGaps(ts, lives, policy)[0]?.reason).toMatch(/after the restart was ready/);
  });

  it('reports a gap spanning a whole process that wrote nothing', () => {
    const three: Lifetime[] = [...lives, { readyAt: 5000, endedAt: 6000 }];
    const ts = [...grid(1000, 1950), ...grid(5000, 6000)];
    expect(unexplainedGaps(ts, three, policy)).toHaveLength(1);
  });

  it('reports readings outside every lifetime', () => {
    const ts = [...grid(1000, 1950), ...grid(3100, 4000), 9000];
    expect(unexplainedGaps(ts, lives, policy).map((g) => g.reason)).toContain(
      'reading outside every lifetime of the station',
    );
  });

  it('steps up to two intervals are no gap', () => {
    expect(unexplainedGaps([1000, 1100, 1200], [{ readyAt: 1000, endedAt: 1300 }], policy)).toEqual([]);
  });
});
