import { readFile } from 'node:fs/promises';

export const CPU_TEMPERATURE_PATH = '/sys/class/thermal/thermal_zone0/temp';
/** What the reference collector assumes when the CPU temperature cannot be read. */
export const CPU_TEMPERATURE_FALLBACK = 40.0;

/** Returns the CPU temperature in °C. */
export type CpuTemperatureSource = () => Promise<number>;

/**
 * Parses the sysfs thermal zone format: integer millidegrees (`"52000\n"` → 52.0 °C).
 */
export function parseThermalZone(text: string): number {
  const value = Number.parseInt(text.trim(), 10);
  if (!Number.isFinite(value)) throw new Error(`not a millidegree value: "${text.trim()}"`);
  return value / 1000;
}

/**
 * CPU temperature from a sysfs thermal zone file. When the file cannot be read it returns `fallback`
 * (40.0 °C, as the reference collector) so compensation still runs on machines without the file;
 * pass `fallback: null` to get the error instead.
 */
export function sysfsCpuTemperature(
  path: string = CPU_TEMPERATURE_PATH,
  options: { fallback?: number | null } = {},
): CpuTemperatureSource {
  const fallback = options.fallback === undefined ? CPU_TEMPERATURE_FALLBACK : options.fallback;
  return async () => {
    try {
      return parseThermalZone(await readFile(path, 'utf8'));
    } catch (error) {
      if (fallback === null) throw error;
      return fallback;
    }
  };
}

export interface CompensationOptions {
  /** "Decrease to adjust down, increase to adjust up"; 2.25 in every Pimoroni example and the reference. */
  factor?: number;
  /** CPU readings averaged, default 5. */
  history?: number;
}

export interface CompensatedClimate {
  temperature: number;
  humidity: number;
}

/** Dewpoint-based humidity correction (Pimoroni weather-and-light), clamped to 0..100 as the reference. */
export function correctHumidity(rawTemperature: number, rawHumidity: number, temperature: number): number {
  const dewpoint = rawTemperature - (100 - rawHumidity) / 5;
  return Math.min(100, Math.max(0, 100 - 5 * (temperature - dewpoint)));
}

/**
 * Corrects the BME280 for the heat of the Pi's CPU below it: `T = raw − (avgCpu − raw) / factor`
 * over the last 5 CPU readings, the history seeded with copies of the first one; humidity follows
 * through the dewpoint. Keeps state, so use one instance per board.
 */
export class TemperatureCompensator {
  readonly factor: number;
  private readonly cpu: Float64Array;
  private next = 0;
  private seeded = false;

  constructor(options: CompensationOptions = {}) {
    this.factor = options.factor ?? 2.25;
    const history = options.history ?? 5;
    if (!(this.factor > 0)) throw new RangeError(`compensation factor must be > 0, got ${this.factor}`);
    if (!Number.isInteger(history) || history < 1) {
      throw new RangeError(`compensation history must be a positive integer, got ${history}`);
    }
    this.cpu = new Float64Array(history);
  }

  /** Adds a CPU reading to the history and returns the current average. */
  addCpuTemperature(cpuTemperature: number): number {
    if (!this.seeded) {
      this.cpu.fill(cpuTemperature);
      this.seeded = true;
    } else {
      this.cpu[this.next] = cpuTemperature;
      this.next = (this.next + 1) % this.cpu.length;
    }
    let sum = 0;
    for (const value of this.cpu) sum += value;
    return sum / this.cpu.length;
  }

  /** Compensated temperature and humidity for one raw reading and the CPU temperature taken with it. */
  compensate(rawTemperature: number, rawHumidity: number, cpuTemperature: number): CompensatedClimate {
    const average = this.addCpuTemperature(cpuTemperature);
    const temperature = rawTemperature - (average - rawTemperature) / this.factor;
    return { temperature, humidity: correctHumidity(rawTemperature, rawHumidity, temperature) };
  }
}
