/**
 * @opensensor/errors — the vocabulary every OpenSensor package shares, at the root of the dependency
 * graph (it depends on nothing):
 *
 * - errors: every error an OpenSensor package throws on purpose extends `OpenSensorError`: `code` is a
 *   stable UPPER_SNAKE string a caller can switch on (`JOURNAL_LOCKED`, `INVALID_OPTIONS`,
 *   `NO_SUCH_BUCKET`), and the message says what went wrong and what to do. A bad option given to a
 *   library is always a `<Package>OptionsError` with code `INVALID_OPTIONS`. Anything else that escapes
 *   (a `TypeError`, a raw `ENOENT`) is a bug or an unanticipated failure, which the CLIs report with
 *   its stack.
 * - time: `Clock` and `Sleep`, the parameters that make time injectable;
 * - logging: `Logger`, the structured logger the packages accept;
 * - hosts: `isLoopbackHost`, the one rule for "this machine" (plain-http warnings, the dashboard);
 * - ids: `uuidString`, 16 bytes as a UUID of a given version.
 */

export { isLoopbackHost } from './hosts.js';
export { childLogger, type LogFields, type Logger, silentLogger } from './logger.js';
export { type Clock, isoTime, realSleep, type Sleep, systemClock } from './time.js';
export { uuidString } from './uuid.js';

/**
 * A stable, machine-readable kind of failure: upper-case words joined by `_`. A code relayed from a
 * remote service keeps the service's spelling (`SnowpipeError.code` is Snowflake's, e.g. `390144`).
 */
export type ErrorCode = string;

const UPPER_SNAKE = /^[A-Z0-9]+(?:_[A-Z0-9]+)*$/;

/** Whether `code` is an UPPER_SNAKE error code. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && UPPER_SNAKE.test(code);
}

/** Base of every typed error of the OpenSensor packages. */
export class OpenSensorError extends Error {
  override name = 'OpenSensorError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    // Subclasses that do not set `name` still show as themselves in stack traces and logs.
    if (new.target !== OpenSensorError) this.name = new.target.name;
  }
}

/**
 * Whether `err` is an OpenSensor typed error. `instanceof OpenSensorError` suffices inside one
 * installation; this also recognises one from a second copy of this package (two versions installed
 * side by side), by its prototype chain's names and its code.
 */
export function isOpenSensorError(err: unknown): err is OpenSensorError {
  if (err instanceof OpenSensorError) return true;
  for (
    let p = err === null || typeof err !== 'object' ? null : Object.getPrototypeOf(err);
    p;
    p = Object.getPrototypeOf(p)
  )
    if (p.constructor?.name === 'OpenSensorError') return isErrorCode((err as { code?: unknown }).code);
  return false;
}
