import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Enviroplus } from '@opensensor/sensors-enviroplus';
import {
  createFakeEnviroplusBus,
  FakeGpio,
  FakeI2cBus,
  FakePms5003Port,
} from '@opensensor/sensors-enviroplus/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestBoardOptions } from '../io.js';
import { runCli } from '../program.js';
import { memoryIo } from '../testing-io.js';

const FRAME = { pm1: 2, pm25: 10, pm10: 12, particles_03um: 582 };
const CPU = 52;
let dir: string;
let ports: FakePms5003Port[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'os-test-'));
  ports = [];
});
afterEach(() => {
  for (const p of ports) p.stopStreaming();
});

/** Builds a real Enviroplus on the register-level fakes, recording what the command asked for. */
function harness(board: { bus?: FakeI2cBus; pms?: boolean } = {}) {
  const gpio = new FakeGpio();
  const seen: TestBoardOptions[] = [];
  const waits: number[] = [];
  let closed = false;
  const t = memoryIo({}, dir);
  t.io.deps = {
    sleep: async (ms) => void waits.push(ms),
    createBoard: (options) => {
      seen.push(options);
      const port = new FakePms5003Port();
      ports.push(port);
      port.startStreaming(FRAME, 5);
      const env = new Enviroplus({
        bus: board.bus ?? createFakeEnviroplusBus(),
        gpio,
        pms5003: board.pms === false ? false : { port, readTimeoutMs: 1000 },
        cpuTemperature: async () => CPU,
        compensation: options.compensation === false ? false : { factor: options.compensation },
        warmupReadings: 0,
        onWarning: options.onWarning,
      });
      const close = env.close.bind(env);
      env.close = async () => {
        closed = true;
        await close();
      };
      return env;
    },
  };
  return { ...t, gpio, seen, waits, closed: () => closed };
}

describe('opensensor test', () => {
  it('prints the sensor table and N compensated readings, then closes the board (heater off)', async () => {
    const h = harness();
    expect(await runCli(['test', '--readings', '3', '--interval', '2', '--warmup', '5'], h.io)).toBe(0);
    const out = h.stdout();
    expect(out).toMatch(/bme280\s+BME280\s+0x76\s+ok/);
    expect(out).toMatch(/ltr559\s+LTR559\s+0x23\s+ok/);
    expect(out).toMatch(/gas\s+ADS1015 \+ MICS6814\s+0x49\s+ok\s+heater on/);
    expect(out).toMatch(/pms5003\s+PMS5003\s+\/dev\/fake-pms5003\s+ok/);
    // Compensation as the agent stores it: T = raw - (cpu - raw) / factor, raw 24.789 °C from the BME280 image.
    const raw = 24.7894877676;
    const compensated = (raw - (CPU - raw) / 2.25).toFixed(1);
    const rows = out.split('\n').filter((l) => /^\s+\d\d:\d\d:\d\d\s/.test(l));
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      const cells = row.trim().split(/\s+/);
      expect(cells.slice(1, 4)).toEqual([compensated, expect.any(String), '1006.6']);
      expect(cells.slice(7)).toEqual(['76141.8', '240', '2', '10', '12']);
    }
    expect(out).toContain('3 readings, no failed sensor reads.');
    expect(h.waits).toEqual([5000, 2000, 2000]);
    expect(h.closed()).toBe(true);
    expect(h.gpio.values.get(24)).toBe(0);
  });

  it('--json prints one document with statuses and raw and compensated values', async () => {
    const h = harness();
    expect(await runCli(['test', '-r', '2', '-i', '0', '-w', '0', '--json'], h.io)).toBe(0);
    const doc = JSON.parse(h.stdout()) as {
      ok: boolean;
      sensors: { sensor: string; state: string }[];
      readings: { timestamp: string; reading: Record<string, number | null>; cpuTemperature: number }[];
      errors: Record<string, number>;
    };
    expect(doc.ok).toBe(true);
    expect(doc.sensors.map((s) => `${s.sensor}:${s.state}`)).toEqual([
      'bme280:ok',
      'ltr559:ok',
      'gas:ok',
      'pms5003:ok',
    ]);
    expect(doc.readings).toHaveLength(2);
    const first = doc.readings[0];
    expect(first?.reading.raw_temperature).toBeCloseTo(24.7894877676, 9);
    expect(first?.reading.pm25).toBe(10);
    expect(first?.cpuTemperature).toBe(CPU);
    expect(new Date(first?.timestamp ?? '').toISOString()).toBe(first?.timestamp);
    expect(doc.errors).toEqual({ bme280: 0, ltr559: 0, gas: 0, pms5003: 0 });
    expect(h.waits).toEqual([0]);
  });

  it('exits 1 with a hint when no sensor answers, and takes no readings', async () => {
    const h = harness({ bus: new FakeI2cBus(), pms: false });
    expect(await runCli(['test', '-w', '0'], h.io)).toBe(1);
    expect(h.stdout()).toMatch(/bme280\s+BME280\s+0x76\s+absent/);
    expect(h.stdout()).not.toContain('Live readings');
    expect(h.stderr()).toMatch(/No sensor answered.*i2c, dialout and gpio groups/);
    expect(h.closed()).toBe(true);

    const json = harness({ bus: new FakeI2cBus(), pms: false });
    expect(await runCli(['test', '--json'], json.io)).toBe(1);
    expect(JSON.parse(json.stdout())).toMatchObject({ ok: false, readings: [] });
  });

  it('shows a board without the gas sensor as absent and its columns as -', async () => {
    const h = harness({ bus: createFakeEnviroplusBus({ gas: false }) });
    expect(await runCli(['test', '-r', '1', '-w', '0'], h.io)).toBe(0);
    expect(h.stdout()).toMatch(/gas\s+\S.*\s+0x49\s+absent/);
    const row =
      h
        .stdout()
        .split('\n')
        .find((l) => /^\s+\d\d:\d\d:\d\d\s/.test(l)) ?? '';
    expect(row.trim().split(/\s+/).slice(4, 7)).toEqual(['-', '-', '-']);
  });

  it('passes the configured PMS5003 device and compensation, and works before setup', async () => {
    writeFileSync(
      join(dir, '.env'),
      'OPENSENSOR_PMS5003_DEVICE=/dev/ttyAMA0\nOPENSENSOR_TEMP_COMPENSATION_FACTOR=1.5\n',
    );
    const h = harness();
    expect(await runCli(['test', '-r', '0'], h.io)).toBe(0);
    expect(h.seen[0]).toMatchObject({ pms5003Device: '/dev/ttyAMA0', compensation: 1.5 });

    const raw = harness();
    raw.io.env = { OPENSENSOR_TEMP_COMPENSATION_ENABLED: 'false' };
    expect(await runCli(['test', '-r', '1', '-w', '0', '--json'], raw.io)).toBe(0);
    expect(raw.seen[0]?.compensation).toBe(false);
    const reading = JSON.parse(raw.stdout()).readings[0].reading;
    expect(reading.temperature).toBe(reading.raw_temperature);
  });

  it('rejects bad numbers with exit 2 and reports a broken configuration', async () => {
    for (const args of [
      ['-r', '-1'],
      ['-r', '1.5'],
      ['-i', 'soon'],
      ['-w', ''],
    ]) {
      const h = harness();
      expect(await runCli(['test', ...args], h.io)).toBe(2);
      expect(h.stderr()).toMatch(/expected a (whole )?number from 0 to/);
    }
    const h = harness();
    h.io.env = { OPENSENSOR_TEMP_COMPENSATION_FACTOR: '-2' };
    expect(await runCli(['test'], h.io)).toBe(2);
    expect(h.stderr()).toContain('OPENSENSOR_TEMP_COMPENSATION_FACTOR');
    expect(h.seen).toHaveLength(0);
  });
});

describe('opensensor test on other boards', () => {
  it('reads a Sense HAT (here on its register-level fake) with its own columns', async () => {
    const { SenseHat } = await import('@opensensor/sensors-sensehat');
    const { createFakeSenseHatBus } = await import('@opensensor/sensors-sensehat/testing');
    const t = memoryIo({}, dir);
    const boards: string[] = [];
    t.io.deps = {
      sleep: async () => {},
      createBoard: (options) => {
        boards.push(options.board);
        return new SenseHat({ bus: createFakeSenseHatBus(), sleep: async () => {}, warmupReadings: 0 });
      },
    };
    expect(await runCli(['test', '--board', 'sensehat', '-r', '2', '-w', '0'], t.io)).toBe(0);
    expect(boards).toEqual(['sensehat']);
    expect(t.stdout()).toMatch(/Sensors \(sensehat\):/);
    expect(t.stdout()).toMatch(/hts221\s+HTS221/);
    expect(t.stdout()).toContain('pressure hPa');
    expect(t.stdout()).toContain('1023.35');
    expect(t.stdout()).toMatch(/2 readings, no failed sensor reads/);
  });

  it('auto takes the board whose signature chips answer, as the agent does: a PMS5003 alone is no Enviro+', async () => {
    const { SenseHat } = await import('@opensensor/sensors-sensehat');
    const { createFakeSenseHatBus } = await import('@opensensor/sensors-sensehat/testing');
    const t = memoryIo({}, dir);
    const tried: string[] = [];
    t.io.deps = {
      sleep: async () => {},
      createBoard: (options) => {
        tried.push(options.board);
        // A Sense HAT on I2C and a PMS5003 on the UART: the Enviro+ facade finds only the PMS5003.
        if (options.board === 'enviroplus') {
          const port = new FakePms5003Port();
          ports.push(port);
          port.startStreaming(FRAME, 5);
          return new Enviroplus({ bus: new FakeI2cBus(), gpio: false, pms5003: { port }, warmupReadings: 0 });
        }
        return new SenseHat({ bus: createFakeSenseHatBus(), sleep: async () => {}, warmupReadings: 0 });
      },
    };
    expect(await runCli(['test', '--board', 'auto', '-r', '0', '--json'], t.io)).toBe(0);
    expect(tried).toEqual(['enviroplus', 'sensehat']);
    expect(JSON.parse(t.stdout())).toMatchObject({ ok: true, board: 'sensehat' });
  });

  it('auto that finds no board says what to check and exits 1', async () => {
    const t = memoryIo({}, dir);
    t.io.deps = {
      sleep: async () => {},
      createBoard: () => new Enviroplus({ bus: new FakeI2cBus(), gpio: false, pms5003: false }),
    };
    expect(await runCli(['test', '--board', 'auto', '-r', '0'], t.io)).toBe(1);
    expect(t.stderr()).toMatch(/no Enviro\+, Sense HAT or breakout answers on I2C bus 1.*raspi-config/);
    const json = memoryIo({}, dir);
    json.io.deps = t.io.deps;
    expect(await runCli(['test', '--board', 'auto', '--json'], json.io)).toBe(1);
    expect(JSON.parse(json.stdout())).toMatchObject({ ok: false, board: 'auto', readings: [] });
  });

  it('rejects an unknown board', async () => {
    const t = memoryIo({}, dir);
    expect(await runCli(['test', '--board', 'unicorn'], t.io)).toBe(2);
    expect(t.stderr()).toMatch(/--board: expected one of enviroplus, sensehat, breakout or auto/);
  });
});
