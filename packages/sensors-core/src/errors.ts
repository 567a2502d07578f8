import { isOpenSensorError, OpenSensorError } from '@opensensor/errors';

/** Formats an I2C address the way `i2cdetect` prints it, so error messages match what users see. */
export function formatAddress(address: number | string): string {
  return typeof address === 'number' ? `0x${address.toString(16).padStart(2, '0')}` : address;
}

/**
 * Why a sensor operation failed; lets callers tell a missing chip from a flaky one. UPPER_SNAKE like
 * every OpenSensor error code (before 0.1 these were kebab-case: `not-found`, `wrong-chip`, …).
 */
export type SensorErrorCode =
  | 'NOT_FOUND'
  | 'WRONG_CHIP'
  | 'IO'
  | 'TIMEOUT'
  | 'NOT_READY'
  | 'BUSY'
  | 'UNAVAILABLE';

/**
 * A sensor could not be set up or read. The message names the chip and its address (an I2C address
 * such as `0x76`, or a serial device path) and says what to check.
 */
export class SensorError extends OpenSensorError {
  override readonly name = 'SensorError';
  readonly chip: string;
  readonly address: string;
  declare readonly code: SensorErrorCode;

  constructor(
    chip: string,
    address: number | string,
    code: SensorErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, `${chip} at ${formatAddress(address)}: ${message}`, options);
    this.chip = chip;
    this.address = formatAddress(address);
  }
}

/**
 * An optional native dependency (i2c-bus, serialport) is needed for real hardware but is not
 * installed. Code `OPTIONAL_DEPENDENCY_MISSING`.
 */
export class OptionalDependencyError extends OpenSensorError {
  override readonly name = 'OptionalDependencyError';
  readonly dependency: string;

  constructor(dependency: string, purpose: string, options?: { cause?: unknown }) {
    super(
      'OPTIONAL_DEPENDENCY_MISSING',
      `${purpose} needs the optional package "${dependency}", which is not installed or failed to load. ` +
        `Install it on the device (npm install ${dependency}; it builds with node-gyp where no prebuilt binary exists), ` +
        'or pass your own implementation (tests can use FakeI2cBus from @opensensor/sensors-core/testing).',
      options,
    );
    this.dependency = dependency;
  }
}

/**
 * Turns an unknown thrown value into a readable one-line reason: a system error's code is appended
 * (`EIO`), an OpenSensor error's message is already the whole story.
 */
export function describeError(error: unknown): string {
  if (isOpenSensorError(error)) return error.message;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code)
      ? `${error.message} (${code})`
      : error.message;
  }
  return String(error);
}
