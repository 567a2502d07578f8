import { type Clock, realSleep, type Sleep, systemClock } from '@opensensor/errors';
import { describeError, loadOptionalModule, SensorError, withTimeout } from '@opensensor/sensors-core';
import { emitWarning, type Gpio, GpioGuard, type GpioLine } from './gpio.js';
import { type Pms5003Frame, Pms5003FrameSync, type Pms5003SyncStats } from './pms5003-frame.js';

export const PMS5003_DEFAULT_DEVICE = '/dev/serial0';
export const PMS5003_ENABLE_PIN = 22;
export const PMS5003_RESET_PIN = 27;

/**
 * A byte source for the PMS5003: the part of a serial port the reader needs. {@link openSerialPort}
 * adapts `serialport`; `FakePms5003Port` in `./testing` emits frames, garbage and split chunks.
 */
export interface Pms5003Port {
  /** Device path or another label used in messages. */
  readonly path: string;
  /** Subscribes to received bytes; returns the unsubscribe function. */
  onData(listener: (chunk: Uint8Array) => void): () => void;
  /** Subscribes to port errors (e.g. the device disappeared); returns the unsubscribe function. */
  onError?(listener: (error: Error) => void): () => void;
  /** Discards bytes received but not yet delivered. */
  flush?(): Promise<void>;
  close(): Promise<void>;
}

interface SerialPortInstance {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
  open(callback: (error: Error | null) => void): void;
  close(callback: (error: Error | null) => void): void;
  flush(callback: (error: Error | null) => void): void;
  readonly isOpen: boolean;
}

interface SerialPortModule {
  SerialPort: new (options: {
    path: string;
    baudRate: number;
    dataBits: 8;
    parity: 'none';
    stopBits: 1;
    autoOpen: false;
  }) => SerialPortInstance;
}

/**
 * Opens a serial device at 9600 8N1 with the optional `serialport` package, loaded only now.
 * Permission errors usually mean the user is not in the dialout group or the serial console still
 * owns the UART.
 */
export async function openSerialPort(
  path: string = PMS5003_DEFAULT_DEVICE,
  options: { baudRate?: number; importer?: (specifier: string) => Promise<unknown> } = {},
): Promise<Pms5003Port> {
  const { SerialPort } = await loadOptionalModule<SerialPortModule>(
    'serialport',
    `Opening serial port ${path}`,
    options.importer,
  );
  const port = new SerialPort({
    path,
    baudRate: options.baudRate ?? 9600,
    dataBits: 8,
    parity: 'none',
    stopBits: 1,
    autoOpen: false,
  });
  await new Promise<void>((resolve, reject) => {
    port.open((error) => {
      if (!error) return resolve();
      reject(
        new SensorError(
          'PMS5003',
          path,
          'NOT_FOUND',
          `cannot open the serial port (${describeError(error)}); enable the UART without the serial console ` +
            '(raspi-config nonint do_serial_hw 0; do_serial_cons 1) and add the user to the dialout group',
          { cause: error },
        ),
      );
    });
  });
  const callback = (resolve: () => void, reject: (e: Error) => void) => (error: Error | null) =>
    error ? reject(error) : resolve();
  return {
    path,
    onData(listener) {
      port.on('data', listener);
      return () => port.off('data', listener);
    },
    onError(listener) {
      port.on('error', listener);
      return () => port.off('error', listener);
    },
    flush: () => new Promise((resolve, reject) => port.flush(callback(resolve, reject))),
    close: () =>
      port.isOpen
        ? new Promise((resolve, reject) => port.close(callback(resolve, reject)))
        : Promise.resolve(),
  };
}

export interface Pms5003Options {
  /** An open port; when absent {@link Pms5003.init} opens `device` with `serialport`. */
  port?: Pms5003Port;
  /** Serial device, default `/dev/serial0` (the reference collector's default). */
  device?: string;
  /** GPIO for the enable (SET) and reset pins; without one the pins are left alone. */
  gpio?: Gpio;
  gpioGuard?: GpioGuard;
  enablePin?: number;
  resetPin?: number;
  /** How long {@link Pms5003.read} waits for a valid frame, default 5000 ms (as the reference). */
  readTimeoutMs?: number;
  /** Length of the low pulse on the reset pin, default 100 ms. */
  resetPulseMs?: number;
  clock?: Clock;
  onWarning?: (message: string) => void;
  sleep?: Sleep;
}

export interface Pms5003ReadOptions {
  timeoutMs?: number;
  /** Accept the latest frame already received if it is at most this old (ms); default 0 = wait for a new one. */
  maxAgeMs?: number;
}

/**
 * Plantower PMS5003 in active mode: the sensor streams a frame every 0.2–2.3 s. The reader listens
 * continuously, keeps the latest valid frame and hands out fresh ones; bad frames are skipped.
 */
export class Pms5003 {
  readonly device: string;
  private port: Pms5003Port | undefined;
  private readonly ownsPort: boolean;
  private readonly guard: GpioGuard;
  private readonly enablePin: number;
  private readonly resetPin: number;
  private readonly readTimeoutMs: number;
  private readonly resetPulseMs: number;
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private readonly sync = new Pms5003FrameSync((frame) => this.deliver(frame));
  private readonly waiters = new Set<(frame: Pms5003Frame) => void>();
  private unsubscribe: (() => void)[] = [];
  private enableLine: GpioLine | null = null;
  private resetLine: GpioLine | null = null;
  private latest: Pms5003Frame | undefined;
  private latestAt = 0;
  private lastPortError: Error | undefined;
  private bytesReceived = 0;

  constructor(options: Pms5003Options = {}) {
    this.port = options.port;
    this.ownsPort = !options.port;
    this.device = options.port?.path ?? options.device ?? PMS5003_DEFAULT_DEVICE;
    this.guard = options.gpioGuard ?? new GpioGuard(options.gpio, options.onWarning ?? emitWarning);
    this.enablePin = options.enablePin ?? PMS5003_ENABLE_PIN;
    this.resetPin = options.resetPin ?? PMS5003_RESET_PIN;
    this.readTimeoutMs = options.readTimeoutMs ?? 5000;
    this.resetPulseMs = options.resetPulseMs ?? 100;
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? realSleep;
  }

  /** Frame counters (valid, bad checksum, skipped bytes) since init. */
  get stats(): Readonly<Pms5003SyncStats> & { bytesReceived: number } {
    return { ...this.sync.stats, bytesReceived: this.bytesReceived };
  }

  /**
   * Opens the port if needed, drives ENABLE high and pulses RESET, then starts listening. Calling it
   * again (the facade does after repeated failures) only pulses RESET, which wakes a stuck sensor.
   */
  async init(): Promise<void> {
    if (this.unsubscribe.length > 0) return this.reset();
    this.port ??= await openSerialPort(this.device);
    const port = this.port;
    this.enableLine ??= await this.guard.output(this.enablePin, 1, 'PMS5003 enable');
    this.resetLine ??= await this.guard.output(this.resetPin, 1, 'PMS5003 reset');
    this.unsubscribe.push(
      port.onData((chunk) => {
        this.bytesReceived += chunk.length;
        this.sync.push(chunk);
      }),
    );
    if (port.onError) {
      this.unsubscribe.push(
        port.onError((error) => {
          this.lastPortError = error;
        }),
      );
    }
    await this.reset();
  }

  /** Pulses the reset pin (when driven) and drops buffered bytes, as Pimoroni's `reset()` does. */
  async reset(): Promise<void> {
    if (this.resetLine) {
      await this.resetLine.write(0);
      await this.port?.flush?.();
      await this.sleep(this.resetPulseMs);
      await this.resetLine.write(1);
    } else {
      await this.port?.flush?.();
    }
    this.sync.reset();
  }

  /** The next valid frame (or a recent one, see `maxAgeMs`); rejects with a timeout SensorError. */
  read(options: Pms5003ReadOptions = {}): Promise<Pms5003Frame> {
    if (this.unsubscribe.length === 0) {
      return Promise.reject(
        new SensorError('PMS5003', this.device, 'NOT_READY', 'read() called before init()'),
      );
    }
    const maxAgeMs = options.maxAgeMs ?? 0;
    if (this.latest && maxAgeMs > 0 && this.clock.now() - this.latestAt <= maxAgeMs) {
      return Promise.resolve(this.latest);
    }
    let waiter: ((frame: Pms5003Frame) => void) | undefined;
    const next = new Promise<Pms5003Frame>((resolve) => {
      waiter = resolve;
      this.waiters.add(resolve);
    });
    const timeoutMs = options.timeoutMs ?? this.readTimeoutMs;
    return withTimeout(next, timeoutMs, () => {
      if (waiter) this.waiters.delete(waiter);
      const s = this.stats;
      const portError = this.lastPortError ? `; last port error: ${describeError(this.lastPortError)}` : '';
      return new SensorError(
        'PMS5003',
        this.device,
        'TIMEOUT',
        `no valid frame within ${timeoutMs} ms (${s.bytesReceived} bytes received, ${s.badFrames} bad frames)${portError}. ` +
          (s.bytesReceived === 0
            ? 'Check the cable, that the sensor is enabled (GPIO22 high) and not in passive mode.'
            : 'Data arrives but does not form frames: check the baud rate (9600) and that the serial console is off.'),
      );
    });
  }

  /** Stops listening, releases the pins and closes the port if this reader opened it. */
  async close(): Promise<void> {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    const lines = [this.enableLine, this.resetLine];
    this.enableLine = null;
    this.resetLine = null;
    for (const line of lines) await line?.release();
    if (this.ownsPort && this.port) {
      const port = this.port;
      this.port = undefined;
      await port.close();
    }
  }

  private deliver(frame: Pms5003Frame): void {
    this.latest = frame;
    this.latestAt = this.clock.now();
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const resolve of waiters) resolve(frame);
  }
}
