import { describe, expect, it } from 'vitest';
import { isErrorCode, isOpenSensorError, OpenSensorError } from './index.js';

class WidgetOptionsError extends OpenSensorError {
  constructor(message: string) {
    super('INVALID_OPTIONS', message);
  }
}

describe('OpenSensorError', () => {
  it('carries an UPPER_SNAKE code and names subclasses after themselves', () => {
    const err = new WidgetOptionsError('size: must be positive');
    expect(err).toBeInstanceOf(OpenSensorError);
    expect(err).toMatchObject({ code: 'INVALID_OPTIONS', name: 'WidgetOptionsError' });
    expect(isOpenSensorError(err)).toBe(true);
    expect(isOpenSensorError(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe(false);
  });

  it('tells UPPER_SNAKE codes from other casings', () => {
    expect(isErrorCode('no-such-bucket')).toBe(false);
    expect(isErrorCode('NO_SUCH_BUCKET')).toBe(true);
    expect(isErrorCode('390144')).toBe(true);
    expect(isErrorCode('noSuchBucket')).toBe(false);
  });
});
