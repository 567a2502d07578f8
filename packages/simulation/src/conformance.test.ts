import { boardConformance } from '@opensensor/sensors-core/testing';
import { describe, it } from 'vitest';
import { SimulatedBreakout } from './breakout-model.js';
import { SimulatedSenseHat } from './sensehat-model.js';
import { SimulatedEnviroplus } from './simulated-enviroplus.js';

const t0 = Date.UTC(2026, 5, 15, 12);

// The simulated boards pass the checks of the real ones: the pipeline reads both through one type.
describe.each([
  ['enviroplus', () => new SimulatedEnviroplus({ seed: 1, now: () => t0, faults: { dropout: 0.3 } })],
  ['sensehat', () => new SimulatedSenseHat({ seed: 1, now: () => t0, faults: { i2cError: 0.3 } })],
  ['breakout', () => new SimulatedBreakout({ seed: 1, now: () => t0 })],
])('simulated %s facade conformance', (_kind, open) => {
  for (const c of boardConformance({ open })) it(c.name, c.run);
});
