import { describeError, SensorError } from './errors.js';

/** errno names Linux I2C adapters use when nothing acknowledges the address. */
const NO_DEVICE_CODES: ReadonlySet<string> = new Set(['ENXIO', 'EREMOTEIO', 'ENODEV']);

/** What to check when no device answers, for a chip on a HAT-style board. */
export const NOT_FOUND_HINT =
  'check that the board is seated, I2C is enabled (raspi-config nonint do_i2c 0) and the user is in the i2c group';

export interface IoErrorContext {
  /** The step that failed, for the message: `I2C error while <what>`. */
  what: string;
  /** First contact with the chip: a NACK then means "not fitted" (`not-found`) rather than `io`. */
  firstContact?: boolean;
  /** What to check when nothing answers; default {@link NOT_FOUND_HINT}. */
  notFoundHint?: string;
}

/**
 * Turns any failure of a bus transfer into a {@link SensorError} naming the chip and address (a
 * `SensorError` passes through). On first contact an errno that means "nothing acknowledged the
 * address" becomes `not-found`, which board facades report as absent; everything else is `io`.
 */
export function toSensorError(
  error: unknown,
  chip: string,
  address: number | string,
  context: IoErrorContext,
): SensorError {
  if (error instanceof SensorError) return error;
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (context.firstContact && typeof code === 'string' && NO_DEVICE_CODES.has(code)) {
    return new SensorError(
      chip,
      address,
      'NOT_FOUND',
      `no device answers (${describeError(error)}); ${context.notFoundHint ?? NOT_FOUND_HINT}`,
      { cause: error },
    );
  }
  return new SensorError(chip, address, 'IO', `I2C error while ${context.what}: ${describeError(error)}`, {
    cause: error,
  });
}
