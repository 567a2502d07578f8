import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { OpenSensorError } from '@opensensor/errors';
import { describeError } from '@opensensor/sensors-core';

export type GpioValue = 0 | 1;

/** An output line this process has claimed. */
export interface GpioLine {
  write(value: GpioValue): Promise<void>;
  /** Gives the line back; the value it keeps afterwards depends on the driver. */
  release(): Promise<void>;
}

/**
 * Minimal GPIO access: claim a BCM-numbered pin as an output. Implement it over whatever your
 * platform offers; the package ships a libgpiod-tools implementation and a fake in `./testing`.
 */
export interface Gpio {
  output(pin: number, initial: GpioValue): Promise<GpioLine>;
}

/** GPIO cannot be used at all here (no tools, no permission, no character device). Code `GPIO_UNAVAILABLE`. */
export class GpioUnavailableError extends OpenSensorError {
  override readonly name = 'GpioUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('GPIO_UNAVAILABLE', message, options);
  }
}

export interface LibgpiodGpioOptions {
  /** Path or name of `gpioset` (package gpiod). */
  gpiosetPath?: string;
  /** Path or name of `gpiofind` (libgpiod v1 only). */
  gpiofindPath?: string;
  /** Consumer label shown by `gpioinfo` (libgpiod v2). */
  consumer?: string;
  /** How long a freshly started `gpioset` must stay up before the line counts as claimed. */
  settleMs?: number;
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 5000 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stderr: String(stderr).trim() }));
      else resolve(String(stdout));
    });
  });
}

/**
 * GPIO through the Linux character device using the libgpiod command-line tools, so no native addon
 * is needed. A line is held by a long-running `gpioset` (the character device releases a line when
 * its holder exits); changing the value restarts it. Lines are found by name (`GPIO24`), which also
 * works on a Pi 5 where the header is not gpiochip0.
 */
export class LibgpiodGpio implements Gpio {
  private readonly gpioset: string;
  private readonly gpiofind: string;
  private readonly consumer: string;
  private readonly settleMs: number;
  private major: Promise<number> | undefined;

  constructor(options: LibgpiodGpioOptions = {}) {
    this.gpioset = options.gpiosetPath ?? 'gpioset';
    this.gpiofind = options.gpiofindPath ?? 'gpiofind';
    this.consumer = options.consumer ?? 'opensensor';
    this.settleMs = options.settleMs ?? 150;
  }

  async output(pin: number, initial: GpioValue): Promise<GpioLine> {
    const major = await this.version();
    let target: string[];
    if (major >= 2) {
      target = ['--consumer', this.consumer];
    } else {
      let found: string;
      try {
        found = (await run(this.gpiofind, [`GPIO${pin}`])).trim();
      } catch (error) {
        throw new GpioUnavailableError(`gpiofind GPIO${pin} failed: ${describeError(error)}`, {
          cause: error,
        });
      }
      const [chip, offset] = found.split(/\s+/);
      if (!chip || !offset) throw new GpioUnavailableError(`gpiofind GPIO${pin} printed "${found}"`);
      target = ['--mode=signal', chip];
      pin = Number(offset);
    }
    const assignment = (value: GpioValue) =>
      major >= 2 ? [...target, `GPIO${pin}=${value}`] : [...target, `${pin}=${value}`];
    const line = new HeldLine(this.gpioset, assignment, this.settleMs, pin);
    await line.write(initial);
    return line;
  }

  private version(): Promise<number> {
    this.major ??= run(this.gpioset, ['--version']).then(
      (out) => {
        const match = /v(\d+)\./.exec(out);
        if (!match) throw new GpioUnavailableError(`cannot tell the libgpiod version from "${out.trim()}"`);
        return Number(match[1]);
      },
      (error: unknown) => {
        throw new GpioUnavailableError(
          `${this.gpioset} not usable (${describeError(error)}); install libgpiod tools (apt install gpiod) ` +
            'and add the user to the gpio group',
          { cause: error },
        );
      },
    );
    return this.major;
  }
}

class HeldLine implements GpioLine {
  private child: ChildProcess | undefined;
  private value: GpioValue | undefined;

  constructor(
    private readonly gpioset: string,
    private readonly args: (value: GpioValue) => string[],
    private readonly settleMs: number,
    private readonly pin: number,
  ) {}

  async write(value: GpioValue): Promise<void> {
    if (value === this.value && this.child) return;
    await this.stop();
    this.child = await this.start(value);
    this.value = value;
  }

  release(): Promise<void> {
    this.value = undefined;
    return this.stop();
  }

  private start(value: GpioValue): Promise<ChildProcess> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.gpioset, this.args(value), { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const fail = (why: string, cause?: unknown) => {
        clearTimeout(timer);
        reject(new GpioUnavailableError(`cannot drive GPIO${this.pin}: ${why}`, { cause }));
      };
      child.once('error', (error) => fail(describeError(error), error));
      child.once('exit', (code, signal) => fail(stderr.trim() || `gpioset exited (${code ?? signal})`));
      // gpioset prints nothing on success; staying alive past the settle time means it holds the line.
      const timer = setTimeout(() => {
        child.removeAllListeners('exit');
        child.removeAllListeners('error');
        child.on('error', () => {});
        resolve(child);
      }, this.settleMs);
    });
  }

  private stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

/** Wraps a {@link Gpio} so that a machine without GPIO access gets one clear warning, then no more tries. */
export class GpioGuard {
  private disabled = false;

  constructor(
    private readonly gpio: Gpio | undefined,
    private readonly warn: (message: string) => void,
  ) {}

  /** Claims `pin`, or returns null (after warning once) when GPIO is not available. */
  async output(pin: number, initial: GpioValue, purpose: string): Promise<GpioLine | null> {
    if (!this.gpio || this.disabled) return null;
    try {
      return await this.gpio.output(pin, initial);
    } catch (error) {
      if (error instanceof GpioUnavailableError) this.disabled = true;
      this.warn(
        `GPIO${pin} (${purpose}) not driven: ${describeError(error)}. ` +
          (this.disabled
            ? 'Further GPIO use is skipped; sensors still read, without heater/enable control.'
            : ''),
      );
      return null;
    }
  }
}

/** Default warning sink for libraries: a Node process warning, which users can route or silence. */
export function emitWarning(message: string): void {
  process.emitWarning(message, { code: 'OPENSENSOR_ENVIROPLUS' });
}
