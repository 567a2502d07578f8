import { describe, expect, it } from 'vitest';
import { SensorError } from './errors.js';
import { NOT_FOUND_HINT, toSensorError } from './io-errors.js';
import { i2cSystemError } from './testing.js';

describe('toSensorError', () => {
  it('maps a NACK on first contact to not-found, naming chip, address and what to check', () => {
    for (const code of ['EREMOTEIO', 'ENXIO', 'ENODEV']) {
      const error = toSensorError(i2cSystemError(code), 'HTS221', 0x5f, {
        what: 'probing',
        firstContact: true,
      });
      expect(error).toBeInstanceOf(SensorError);
      expect(error).toMatchObject({ chip: 'HTS221', address: '0x5f', code: 'NOT_FOUND' });
      expect(error.message).toMatch(new RegExp(`^HTS221 at 0x5f: no device answers \\(.*${code}.*\\); `));
      expect(error.message.endsWith(NOT_FOUND_HINT)).toBe(true);
    }
  });

  it('uses the given hint when nothing answers', () => {
    const error = toSensorError(i2cSystemError('EREMOTEIO'), 'SGP30', 0x58, {
      what: 'x',
      firstContact: true,
      notFoundHint: 'check the cable',
    });
    expect(error.message).toBe(
      'SGP30 at 0x58: no device answers (EREMOTEIO, Remote I/O error); check the cable',
    );
  });

  it('maps a NACK after first contact, and any other failure, to io with the step and the errno', () => {
    const nack = toSensorError(i2cSystemError('EREMOTEIO'), 'BME280', 0x76, { what: 'reading data' });
    expect(nack).toMatchObject({ code: 'IO' });
    expect(nack.message).toBe('BME280 at 0x76: I2C error while reading data: EREMOTEIO, Remote I/O error');
    const short = Object.assign(new Error('short read: 2 of 6 bytes'), { code: 'ESHORTREAD' });
    const io = toSensorError(short, 'LTR559', '0x23', { what: 'reading', firstContact: true });
    expect(io.message).toBe('LTR559 at 0x23: I2C error while reading: short read: 2 of 6 bytes (ESHORTREAD)');
    expect(io.cause).toBe(short);
    expect(toSensorError('boom', 'X', 1, { what: 'y' }).message).toBe('X at 0x01: I2C error while y: boom');
  });

  it('passes a SensorError through unchanged', () => {
    const original = new SensorError('X', 0x10, 'WRONG_CHIP', 'id is 0x00');
    expect(toSensorError(original, 'Y', 0x20, { what: 'z', firstContact: true })).toBe(original);
  });
});
