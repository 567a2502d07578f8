import { boardConformance } from '@opensensor/sensors-core/testing';
import { describe, it } from 'vitest';
import { Breakout } from './breakout.js';

// Runs on a Pi with SCD4x / SGP30 / ICP-10125 breakouts only: OPENSENSOR_TEST_I2C_BUS=1.
const busNumber = process.env.OPENSENSOR_TEST_I2C_BUS;
const SKIPPED = busNumber ? '' : ' (skipped: set OPENSENSOR_TEST_I2C_BUS=1 on a Pi with the breakouts)';

describe.skipIf(!busNumber)(`breakout facade conformance on real hardware${SKIPPED}`, () => {
  const open = () => new Breakout({ busNumber: Number(busNumber), warmupReadings: 0 });
  for (const c of boardConformance({ open })) it(c.name, c.run, 30_000);
});
