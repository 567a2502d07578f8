import { boardConformance } from '@opensensor/sensors-core/testing';
import { describe, expect, it } from 'vitest';
import { Enviroplus } from './enviroplus.js';

// Runs on a Pi with an Enviro+ only: OPENSENSOR_TEST_I2C_BUS=1 [OPENSENSOR_TEST_PMS5003=/dev/serial0].
const busNumber = process.env.OPENSENSOR_TEST_I2C_BUS;
const pmsDevice = process.env.OPENSENSOR_TEST_PMS5003;

const SKIPPED = busNumber ? '' : ' (skipped: set OPENSENSOR_TEST_I2C_BUS=1 on a Pi with the board)';

describe.skipIf(!busNumber)(`Enviro+ facade conformance on real hardware${SKIPPED}`, () => {
  const open = () =>
    new Enviroplus({
      busNumber: Number(busNumber),
      pms5003: pmsDevice ? { device: pmsDevice } : false,
      warmupReadings: 0,
    });
  for (const c of boardConformance({ open })) it(c.name, c.run, 30_000);
});

describe.skipIf(!busNumber)(`Enviro+ on real hardware${SKIPPED}`, () => {
  it('detects the I2C sensors and reads plausible values', async () => {
    const env = new Enviroplus({
      busNumber: Number(busNumber),
      pms5003: pmsDevice ? { device: pmsDevice } : false,
      warmupReadings: 0,
    });
    try {
      const status = await env.detect();
      expect(status.filter((s) => s.sensor !== 'pms5003').map((s) => s.state)).toEqual(['ok', 'ok', 'ok']);
      await new Promise((resolve) => setTimeout(resolve, 1000)); // first BME280 measurement
      const { reading } = await env.read();
      expect(reading.raw_temperature).toBeGreaterThan(-40);
      expect(reading.raw_temperature).toBeLessThan(85);
      expect(reading.pressure).toBeGreaterThan(300);
      expect(reading.pressure).toBeLessThan(1100);
      expect(reading.raw_humidity).toBeGreaterThanOrEqual(0);
      expect(reading.lux).toBeGreaterThanOrEqual(0);
      expect(reading.oxidised).toBeGreaterThan(0);
      if (pmsDevice) expect(reading.pm25).toBeGreaterThanOrEqual(0);
    } finally {
      await env.close();
    }
  }, 30_000);
});
