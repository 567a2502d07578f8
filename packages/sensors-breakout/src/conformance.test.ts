import { boardConformance } from '@opensensor/sensors-core/testing';
import { describe, it } from 'vitest';
import { Breakout } from './breakout.js';
import { createFakeBreakoutBus, FakeCommandI2cBus } from './testing.js';

describe('breakout facade conformance on the command-level fakes', () => {
  const open = () => {
    const { bus, time } = createFakeBreakoutBus();
    return new Breakout({ bus, clock: time.clock, sleep: time.sleep, sgp30EveryMs: 0, warmupReadings: 0 });
  };
  for (const c of boardConformance({ open })) it(c.name, c.run);
});

describe('breakout facade conformance on an empty bus', () => {
  const open = () => new Breakout({ bus: new FakeCommandI2cBus(), sleep: async () => {}, sgp30EveryMs: 0 });
  for (const c of boardConformance({ open, present: false })) it(c.name, c.run);
});
