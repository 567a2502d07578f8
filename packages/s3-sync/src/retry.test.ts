import { describe, expect, it } from 'vitest';
import { S3SyncError } from './errors.js';
import {
  backoffDelay,
  classifyS3Error,
  DEFAULT_RETRY,
  noRedaction,
  redactorFor,
  validateRetryPolicy,
} from './retry.js';
import { networkError, s3ServiceError } from './testing.js';

describe('backoffDelay (full jitter)', () => {
  const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
  it('spans [0, base·2^(n-1)) and is capped', () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(0);
    expect(backoffDelay(1, policy, () => 0.5)).toBe(50);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(200);
    expect(backoffDelay(3, policy, () => 0.999999)).toBe(399);
    expect(backoffDelay(10, policy, () => 0.5)).toBe(500);
    expect(backoffDelay(10, policy, () => 1)).toBeLessThan(1000);
  });
  it('validates the policy', () => {
    expect(validateRetryPolicy(undefined)).toEqual(DEFAULT_RETRY);
    expect(() => validateRetryPolicy({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => validateRetryPolicy({ baseDelayMs: 10, maxDelayMs: 5 })).toThrow(
      /baseDelayMs <= maxDelayMs/,
    );
  });
});

describe('classifyS3Error', () => {
  const cases: [string, unknown, string, boolean][] = [
    ['connection refused', networkError('ECONNREFUSED'), 'NETWORK', true],
    ['reset', networkError('ECONNRESET'), 'NETWORK', true],
    ['dns offline', networkError('EAI_AGAIN'), 'NETWORK', true],
    ['TIMEOUT', Object.assign(new Error('t'), { name: 'TimeoutError' }), 'TIMEOUT', true],
    ['slow down', s3ServiceError('SlowDown', 503), 'THROTTLED', true],
    ['internal error', s3ServiceError('InternalError', 500), 'SERVER', true],
    ['no bucket', s3ServiceError('NoSuchBucket', 404), 'NO_SUCH_BUCKET', false],
    ['bad key', s3ServiceError('InvalidAccessKeyId', 403), 'BAD_CREDENTIALS', false],
    ['denied', s3ServiceError('AccessDenied', 403), 'ACCESS_DENIED', false],
    ['bad digest', s3ServiceError('BadDigest', 400), 'REJECTED', false],
    ['not implemented', s3ServiceError('NotImplemented', 501), 'REJECTED', false],
  ];
  it.each(cases)('%s', (_, err, code, retryable) => {
    const e = classifyS3Error(err, 'PUT', 'k/x.parquet', noRedaction);
    expect(e).toBeInstanceOf(S3SyncError);
    expect(e.code).toBe(code);
    expect(e.retryable).toBe(retryable);
    expect(e.key).toBe('k/x.parquet');
    expect(e.message).toMatch(/^PUT k\/x\.parquet: /);
  });

  it('says what to do about a skewed clock', () => {
    const e = classifyS3Error(s3ServiceError('RequestTimeTooSkewed', 403), 'PUT', 'k', noRedaction);
    expect(e.message).toMatch(/NTP/);
  });

  it('keeps secrets out of messages', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const err = s3ServiceError(
      'SignatureDoesNotMatch',
      403,
      `signature for AKIAEXAMPLE with ${secret} did not match`,
    );
    const e = classifyS3Error(err, 'PUT', 'k', redactorFor(['AKIAEXAMPLE', secret]));
    expect(e.message).not.toContain(secret);
    expect(e.message).not.toContain('AKIAEXAMPLE');
    expect(e.message).toContain('***');
    expect(JSON.stringify(e.toJSON())).not.toContain(secret);
  });
});
