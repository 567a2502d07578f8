import { boardConformance } from '@opensensor/sensors-core/testing';
import { describe, it } from 'vitest';
import { SenseHat } from './sensehat.js';

// Runs on a Pi with a Sense HAT only: OPENSENSOR_TEST_I2C_BUS=1.
const busNumber = process.env.OPENSENSOR_TEST_I2C_BUS;
const SKIPPED = busNumber ? '' : ' (skipped: set OPENSENSOR_TEST_I2C_BUS=1 on a Pi with the board)';

describe.skipIf(!busNumber)(`Sense HAT facade conformance on real hardware${SKIPPED}`, () => {
  const open = () => new SenseHat({ busNumber: Number(busNumber), warmupReadings: 0 });
  for (const c of boardConformance({ open })) it(c.name, c.run, 30_000);
});
