import { OptionalDependencyError, SensorError } from '@opensensor/sensors-enviroplus';
import { describeError } from './command-bus.js';

/** What detection found for one sensor of a board. */
export interface SensorStatus<S extends string = string> {
  sensor: S;
  chip: string;
  /** I2C address as `i2cdetect` prints it. */
  address: string;
  /** `ok`: answered; `absent`: did not answer; `error`: answered, then failed; `disabled`: turned off by options. */
  state: 'ok' | 'absent' | 'error' | 'disabled';
  detail?: string;
}

/** Outcome of one sensor in one reading. */
export type SensorReadState = 'ok' | 'absent' | 'error' | 'timeout' | 'busy' | 'disabled';

export interface SensorReadResult {
  state: SensorReadState;
  error?: string;
}

interface Driver {
  init(): Promise<void>;
}

export interface SlotPolicy {
  timeoutMs: number;
  reinitAfterFailures: number;
}

/**
 * One sensor of a board facade: set up once, read with a timeout, counted when it fails,
 * re-initialised after repeated failures (it may have lost power), never throwing.
 */
export class SensorSlot<S extends string, D extends Driver> {
  status: SensorStatus<S>;
  errors = 0;
  driver: D | undefined;
  private pending = false;
  private needsInit = true;
  private failuresInRow = 0;

  constructor(
    sensor: S,
    chip: string,
    address: string,
    private readonly create: () => D | undefined,
    private readonly policy: SlotPolicy,
    disabled = false,
  ) {
    this.status = { sensor, chip, address, state: disabled ? 'disabled' : 'absent' };
  }

  get sensor(): S {
    return this.status.sensor;
  }

  /** Sets the sensor up; a chip that never answered is `absent`, one that answered badly is `error`. */
  async init(noBusReason?: string): Promise<void> {
    if (this.status.state === 'disabled') return;
    const driver = this.driver ?? this.create();
    if (!driver) {
      this.status = { ...this.status, state: 'absent', detail: `no I2C bus: ${noBusReason ?? 'not opened'}` };
      return;
    }
    try {
      await withTimeout(driver.init(), this.policy.timeoutMs, () => this.timeoutError('set-up'));
    } catch (error) {
      const absent =
        error instanceof OptionalDependencyError ||
        (error instanceof SensorError && (error.code === 'not-found' || error.code === 'wrong-chip'));
      if (absent && !this.driver) {
        this.status = { ...this.status, state: 'absent', detail: describeError(error) };
      } else {
        this.driver = driver;
        this.needsInit = true;
        this.status = { ...this.status, state: 'error', detail: describeError(error) };
      }
      return;
    }
    this.driver = driver;
    this.needsInit = false;
    this.failuresInRow = 0;
    this.status = { ...this.status, state: 'ok' };
    delete this.status.detail;
  }

  async read<R>(op: (driver: D) => Promise<R>): Promise<{ value: R | null; result: SensorReadResult }> {
    if (this.status.state === 'disabled') return { value: null, result: { state: 'disabled' } };
    const driver = this.driver;
    if (!driver || this.status.state === 'absent') {
      const detail = this.status.detail;
      return { value: null, result: { state: 'absent', ...(detail ? { error: detail } : {}) } };
    }
    if (this.pending) {
      this.errors++;
      return { value: null, result: { state: 'busy', error: 'the previous read has not finished' } };
    }
    this.pending = true;
    const attempt = (async () => {
      if (this.needsInit) {
        await driver.init();
        this.needsInit = false;
      }
      return op(driver);
    })();
    const release = () => {
      this.pending = false;
    };
    attempt.then(release, release);
    try {
      const value = await withTimeout(attempt, this.policy.timeoutMs, () => this.timeoutError('read'));
      this.failuresInRow = 0;
      if (this.status.state !== 'ok') {
        this.status = { ...this.status, state: 'ok' };
        delete this.status.detail;
      }
      return { value, result: { state: 'ok' } };
    } catch (error) {
      this.errors++;
      this.failuresInRow++;
      if (this.failuresInRow >= this.policy.reinitAfterFailures) this.needsInit = true;
      this.status = { ...this.status, state: 'error', detail: describeError(error) };
      const timedOut = error instanceof SensorError && error.code === 'timeout';
      return { value: null, result: { state: timedOut ? 'timeout' : 'error', error: describeError(error) } };
    }
  }

  private timeoutError(what: string): SensorError {
    return new SensorError(
      this.status.chip,
      this.status.address,
      'timeout',
      `${what} took longer than ${this.policy.timeoutMs} ms`,
    );
  }
}

/** Rejects with `onTimeout()` unless `promise` settles within `ms`; the timer never outlives the race. */
function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  if (!Number.isFinite(ms) || ms <= 0) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
