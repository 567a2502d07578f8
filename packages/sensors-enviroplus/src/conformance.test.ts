import { boardConformance } from '@opensensor/sensors-core/testing';
import { describe, it } from 'vitest';
import { Enviroplus } from './enviroplus.js';
import { createFakeEnviroplusBus, FakeGpio, FakeI2cBus, FakePms5003Port } from './testing.js';

describe('Enviro+ facade conformance on the register-level fakes', () => {
  const open = () => {
    const port = new FakePms5003Port();
    port.startStreaming({ pm1: 2, pm25: 10, pm10: 12 }, 5);
    return new Enviroplus({
      bus: createFakeEnviroplusBus(),
      gpio: new FakeGpio(),
      pms5003: { port, readTimeoutMs: 5000 },
      cpuTemperature: async () => 50,
      warmupReadings: 0,
      sleep: async () => {},
    });
  };
  for (const c of boardConformance({ open })) it(c.name, c.run);
});

describe('Enviro+ facade conformance on an empty bus', () => {
  const open = () =>
    new Enviroplus({ bus: new FakeI2cBus(), gpio: false, pms5003: false, cpuTemperature: async () => 50 });
  for (const c of boardConformance({ open, present: false })) it(c.name, c.run);
});
