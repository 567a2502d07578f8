import { boardConformance, FakeI2cBus } from '@opensensor/sensors-core/testing';
import { describe, it } from 'vitest';
import { SenseHat } from './sensehat.js';
import { createFakeSenseHatBus } from './testing.js';

describe('Sense HAT facade conformance on the register-level fakes', () => {
  const open = () => new SenseHat({ bus: createFakeSenseHatBus(), sleep: async () => {}, warmupReadings: 0 });
  for (const c of boardConformance({ open })) it(c.name, c.run);
});

describe('Sense HAT facade conformance on an empty bus', () => {
  const open = () => new SenseHat({ bus: new FakeI2cBus(), sleep: async () => {} });
  for (const c of boardConformance({ open, present: false })) it(c.name, c.run);
});
