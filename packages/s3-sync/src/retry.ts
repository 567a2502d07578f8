import { S3SyncError, type S3SyncErrorCode, UploadError } from './errors.js';

/** How failed requests are retried: exponential backoff with full jitter. */
export interface RetryPolicy {
  /** Attempts per file, the first included. Default 5. */
  readonly maxAttempts: number;
  /** Upper bound of the first backoff. Default 500 ms. */
  readonly baseDelayMs: number;
  /** Cap of any single backoff. Default 20 s. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 20_000 };

/**
 * Full jitter: a uniform delay in [0, min(cap, base·2^(n-1))). Spreading retries over the whole window
 * keeps a fleet of stations that lost Wi-Fi together from hammering the store together when it returns.
 * `failures` counts the failed attempts so far (1 after the first failure).
 */
export function backoffDelay(failures: number, policy: RetryPolicy, random: () => number): number {
  const exp = policy.baseDelayMs * 2 ** Math.max(0, failures - 1);
  const ceiling = Math.min(policy.maxDelayMs, exp);
  const r = random();
  const unit = r < 0 ? 0 : r >= 1 ? 0.999999 : r;
  return Math.floor(unit * ceiling);
}

export function validateRetryPolicy(p: Partial<RetryPolicy> | undefined): RetryPolicy {
  const merged = { ...DEFAULT_RETRY, ...(p ?? {}) };
  if (!Number.isInteger(merged.maxAttempts) || merged.maxAttempts < 1)
    throw new S3SyncError(
      'INVALID_OPTIONS',
      `retry.maxAttempts: must be an integer >= 1, got ${merged.maxAttempts}`,
    );
  if (!(merged.baseDelayMs >= 0) || !(merged.maxDelayMs >= merged.baseDelayMs))
    throw new S3SyncError(
      'INVALID_OPTIONS',
      `retry: need 0 <= baseDelayMs <= maxDelayMs, got ${merged.baseDelayMs} and ${merged.maxDelayMs}`,
    );
  return merged;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const THROTTLE_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequests',
  'RequestLimitExceeded',
]);
const CREDENTIAL_NAMES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'CredentialsProviderError',
  'TokenRefreshRequired',
]);

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  errors?: unknown[];
  $metadata?: { httpStatusCode?: number };
}

/** The HTTP status of an SDK error, if the store answered at all. */
export function httpStatusOf(err: unknown): number | undefined {
  const e = err as SdkLikeError | undefined;
  const s = e?.$metadata?.httpStatusCode;
  return typeof s === 'number' ? s : undefined;
}

/** The S3 error code (`NoSuchBucket`, `PreconditionFailed`, …) or Node errno code of an error. */
export function errorNameOf(err: unknown): string {
  const e = err as SdkLikeError | undefined;
  if (!e) return 'Error';
  if (typeof e.code === 'string' && e.code.length > 0) return e.code;
  // Node's happy-eyeballs connect reports an AggregateError whose members carry the errno.
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const c = (inner as SdkLikeError | undefined)?.code;
      if (typeof c === 'string') return c;
    }
  }
  return typeof e.name === 'string' ? e.name : 'Error';
}

/** Removes every secret the caller knows of from a message. */
export type Redactor = (text: string) => string;

export const noRedaction: Redactor = (t) => t;

/** Builds a redactor for the given secrets (empty and very short strings are ignored). */
export function redactorFor(secrets: readonly (string | undefined)[]): Redactor {
  const list = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
  if (list.length === 0) return noRedaction;
  return (text) => {
    let out = text;
    for (const s of list) out = out.split(s).join('***');
    return out;
  };
}

function hintFor(code: S3SyncErrorCode): string {
  switch (code) {
    case 'NETWORK':
      return 'the store is unreachable; the file stays pending and the next sync retries it';
    case 'TIMEOUT':
      return 'the request timed out; the next sync retries it';
    case 'THROTTLED':
      return 'the store asked us to slow down; retried with backoff';
    case 'SERVER':
      return 'the store failed; retried with backoff';
    case 'NO_SUCH_BUCKET':
      return 'create the bucket or fix the bucket name';
    case 'BAD_CREDENTIALS':
      return 'check the access key id and secret (and the region for AWS)';
    case 'ACCESS_DENIED':
      return 'grant s3:PutObject on the prefix (and s3:GetObject to verify existing objects), see docs/s3-sync.md';
    case 'CLOCK_SKEW':
      return "the station's clock is off; retried with the store's time, but synchronise the clock (NTP)";
    default:
      return 'the store refused the request; it will not be retried';
  }
}

/**
 * Turns anything an S3 call threw into an `UploadError` that says whether a retry can help.
 * Transport errors without an HTTP answer are retryable: on a station they are almost always Wi-Fi.
 */
export function classifyS3Error(
  err: unknown,
  op: string,
  key: string | undefined,
  redact: Redactor,
): S3SyncError {
  if (err instanceof S3SyncError) return err;
  const status = httpStatusOf(err);
  const name = errorNameOf(err);
  let code: S3SyncErrorCode;
  let retryable: boolean;
  if (name === 'AbortError') {
    code = 'ABORTED';
    retryable = true;
  } else if (TIMEOUT_CODES.has(name) || status === 408) {
    code = 'TIMEOUT';
    retryable = true;
  } else if (THROTTLE_NAMES.has(name) || status === 429 || status === 503) {
    code = 'THROTTLED';
    retryable = true;
  } else if (name === 'RequestTimeTooSkewed') {
    // The SDK learns the offset from the refusal, so the next attempt is signed with a corrected time.
    code = 'CLOCK_SKEW';
    retryable = true;
  } else if (name === 'NoSuchBucket') {
    code = 'NO_SUCH_BUCKET';
    retryable = false;
  } else if (CREDENTIAL_NAMES.has(name)) {
    code = 'BAD_CREDENTIALS';
    retryable = false;
  } else if (name === 'AccessDenied' || status === 403) {
    code = 'ACCESS_DENIED';
    retryable = false;
  } else if (name === 'ConditionalRequestConflict' || status === 409) {
    // Another writer is completing the same key right now; asking again settles it.
    code = 'SERVER';
    retryable = true;
  } else if (status !== undefined && status >= 500 && status !== 501) {
    code = 'SERVER';
    retryable = true;
  } else if (status !== undefined) {
    code = 'REJECTED';
    retryable = false;
  } else if (
    NETWORK_CODES.has(name) ||
    name.startsWith('UND_ERR') ||
    name === 'Error' ||
    name === 'TypeError'
  ) {
    code = 'NETWORK';
    retryable = true;
  } else {
    code = 'NETWORK';
    retryable = true;
  }
  const raw = (err as SdkLikeError | undefined)?.message ?? '';
  const detail = redact(raw).replace(/\s+/g, ' ').slice(0, 200);
  const statusText = status === undefined ? '' : ` (HTTP ${status})`;
  const where = key === undefined ? op : `${op} ${key}`;
  const message = `${where}: ${name}${statusText}${detail && detail !== name ? `: ${detail}` : ''} — ${hintFor(code)}`;
  return new UploadError(code, message, {
    retryable,
    ...(key === undefined ? {} : { key }),
    ...(status === undefined ? {} : { status }),
  });
}
