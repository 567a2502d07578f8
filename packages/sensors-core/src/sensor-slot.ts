import { describeError, OptionalDependencyError, SensorError } from './errors.js';
import { withTimeout } from './timing.js';

/** What detection found for one sensor of a board. */
export interface SensorSlotStatus<S extends string = string> {
  sensor: S;
  /** Chip name, e.g. `BME280`, `ADS1115 + MICS6814`. */
  chip: string;
  /** I2C address as `i2cdetect` prints it (`0x76`), or serial device. */
  address: string;
  /** `ok`: answered; `absent`: did not answer (or could not be opened); `error`: answered, then failed; `disabled`: turned off by options. */
  state: 'ok' | 'absent' | 'error' | 'disabled';
  /** Why it is absent or failing, or extra facts (ADC type, heater). */
  detail?: string;
}

/** Outcome of one sensor in one reading. */
export type SensorReadState = 'ok' | 'absent' | 'error' | 'timeout' | 'busy' | 'disabled';

export interface SensorReadResult {
  state: SensorReadState;
  error?: string;
}

/** What a {@link SensorSlot} needs of a driver. */
export interface SlotDriver {
  init(): Promise<void>;
}

export interface SlotPolicy {
  /** Longest a read (including a pending re-initialisation) may take, ms; 0 or less: no limit. */
  timeoutMs: number;
  /** Longest the set-up in {@link SensorSlot.init} may take, ms; default `timeoutMs`. */
  initTimeoutMs?: number;
  /** Re-initialise after this many failed reads in a row (the sensor may have lost power). */
  reinitAfterFailures: number;
}

/**
 * One sensor of a board facade: set up once, read with a timeout, counted when it fails,
 * re-initialised after repeated failures (it may have lost power), never throwing. A chip that does
 * not answer at set-up is `absent` and left alone until the facade calls {@link init} again.
 */
export class SensorSlot<S extends string, D extends SlotDriver> {
  status: SensorSlotStatus<S>;
  /** Failed and busy reads since construction. */
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
    protected readonly policy: SlotPolicy,
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
    const timeoutMs = this.policy.initTimeoutMs ?? this.policy.timeoutMs;
    try {
      await withTimeout(driver.init(), timeoutMs, () => this.timeoutError('set-up', timeoutMs));
    } catch (error) {
      const absent =
        error instanceof OptionalDependencyError ||
        (error instanceof SensorError && (error.code === 'NOT_FOUND' || error.code === 'WRONG_CHIP'));
      if (absent && !this.driver) {
        this.status = { ...this.status, state: 'absent', detail: describeError(error) };
      } else {
        // It answered before or answered badly: keep it, and let the next read try init again.
        this.driver = driver;
        this.needsInit = true;
        this.status = { ...this.status, state: 'error', detail: describeError(error) };
      }
      return;
    }
    this.driver = driver;
    this.needsInit = false;
    this.failuresInRow = 0;
    this.status = this.answering(driver);
  }

  /** Runs `op` on the driver (re-initialising it first when due) within the timeout. */
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
    const timeoutMs = this.policy.timeoutMs;
    try {
      const value = await withTimeout(attempt, timeoutMs, () => this.timeoutError('read', timeoutMs));
      this.failuresInRow = 0;
      if (this.status.state !== 'ok') this.status = this.answering(driver);
      return { value, result: { state: 'ok' } };
    } catch (error) {
      this.errors++;
      this.failuresInRow++;
      if (this.failuresInRow >= this.policy.reinitAfterFailures) this.needsInit = true;
      this.status = { ...this.status, state: 'error', detail: describeError(error) };
      const timedOut = error instanceof SensorError && error.code === 'TIMEOUT';
      return { value: null, result: { state: timedOut ? 'timeout' : 'error', error: describeError(error) } };
    }
  }

  /** The status once `driver` answers: `ok`, without the detail of an earlier failure. */
  protected answering(_driver: D): SensorSlotStatus<S> {
    const status: SensorSlotStatus<S> = { ...this.status, state: 'ok' };
    delete status.detail;
    return status;
  }

  /** The error a set-up or read that outlived its timeout fails with. */
  protected timeoutError(what: 'set-up' | 'read', timeoutMs: number): SensorError {
    return new SensorError(
      this.status.chip,
      this.status.address,
      'TIMEOUT',
      `${what} took longer than ${timeoutMs} ms`,
    );
  }
}
