/** Formats an I2C address the way `i2cdetect` prints it, so error messages match what users see. */
export function formatAddress(address: number | string): string {
  return typeof address === 'number' ? `0x${address.toString(16).padStart(2, '0')}` : address;
}

/** Why a sensor operation failed; lets callers tell a missing chip from a flaky one. */
export type SensorErrorCode =
  | 'not-found'
  | 'wrong-chip'
  | 'io'
  | 'timeout'
  | 'not-ready'
  | 'busy'
  | 'unavailable';

/**
 * A sensor could not be set up or read. The message names the chip and its address (an I2C address
 * such as `0x76`, or a serial device path) and says what to check.
 */
export class SensorError extends Error {
  override readonly name = 'SensorError';
  readonly chip: string;
  readonly address: string;
  readonly code: SensorErrorCode;

  constructor(
    chip: string,
    address: number | string,
    code: SensorErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${chip} at ${formatAddress(address)}: ${message}`, options);
    this.chip = chip;
    this.address = formatAddress(address);
    this.code = code;
  }
}

/** An optional native dependency (i2c-bus, serialport) is needed for real hardware but is not installed. */
export class OptionalDependencyError extends Error {
  override readonly name = 'OptionalDependencyError';
  readonly dependency: string;

  constructor(dependency: string, purpose: string, options?: { cause?: unknown }) {
    super(
      `${purpose} needs the optional package "${dependency}", which is not installed or failed to load. ` +
        `Install it on the device (npm install ${dependency}; it builds with node-gyp where no prebuilt binary exists), ` +
        'or pass your own implementation (tests can use FakeI2cBus from @opensensor/sensors-core/testing).',
      options,
    );
    this.dependency = dependency;
  }
}

/** Turns an unknown thrown value into a readable one-line reason. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code)
      ? `${error.message} (${code})`
      : error.message;
  }
  return String(error);
}
