import { describe, expect, it } from 'vitest';
import { OptionalDependencyError, SensorError } from './errors.js';
import { SensorSlot, type SlotPolicy } from './sensor-slot.js';

/** A driver whose set-up and reads do what the test says next. */
class Driver {
  inits = 0;
  initError: unknown;
  initHangs = false;
  async init(): Promise<void> {
    this.inits++;
    if (this.initHangs) return new Promise(() => {});
    if (this.initError) throw this.initError;
  }
}

const policy: SlotPolicy = { timeoutMs: 50, reinitAfterFailures: 3 };

function slot(driver: Driver | undefined, p: SlotPolicy = policy, disabled = false) {
  return new SensorSlot('thing', 'THING', '0x42', () => driver, p, disabled);
}

const notFound = () => new SensorError('THING', 0x42, 'NOT_FOUND', 'no device answers');
const hang = () => new Promise<number>(() => {});

describe('SensorSlot', () => {
  it('starts absent (or disabled) and is ok once the driver sets up', async () => {
    const s = slot(new Driver());
    expect(s.status).toEqual({ sensor: 'thing', chip: 'THING', address: '0x42', state: 'absent' });
    expect(s.sensor).toBe('thing');
    await s.init();
    expect(s.status.state).toBe('ok');
    expect(await s.read(async () => 7)).toEqual({ value: 7, result: { state: 'ok' } });

    const off = slot(new Driver(), policy, true);
    await off.init();
    expect(await off.read(async () => 7)).toEqual({ value: null, result: { state: 'disabled' } });
    expect(off.status.state).toBe('disabled');
  });

  it('is absent with the bus reason when there is no driver to make', async () => {
    const s = slot(undefined);
    await s.init('cannot open /dev/i2c-1');
    expect(s.status).toMatchObject({ state: 'absent', detail: 'no I2C bus: cannot open /dev/i2c-1' });
    await s.init();
    expect(s.status.detail).toBe('no I2C bus: not opened');
    expect(await s.read(async () => 1)).toEqual({
      value: null,
      result: { state: 'absent', error: 'no I2C bus: not opened' },
    });
    expect(s.errors).toBe(0);
  });

  it('is absent when the chip does not answer, wrong-chip or a missing package; error otherwise', async () => {
    for (const error of [
      notFound(),
      new SensorError('THING', 0x42, 'WRONG_CHIP', 'id'),
      new OptionalDependencyError('i2c-bus', 'x'),
    ]) {
      const d = new Driver();
      d.initError = error;
      const s = slot(d);
      await s.init();
      expect(s.status.state).toBe('absent');
      expect(s.driver).toBeUndefined();
    }
    const d = new Driver();
    d.initError = new SensorError('THING', 0x42, 'IO', 'EIO');
    const s = slot(d);
    await s.init();
    expect(s.status).toMatchObject({ state: 'error', detail: 'THING at 0x42: EIO' });
    // It answered badly: the driver is kept and the next read sets it up again.
    d.initError = undefined;
    expect((await s.read(async () => 1)).result).toEqual({ state: 'ok' });
    expect(d.inits).toBe(2);
    expect(s.status).toEqual({ sensor: 'thing', chip: 'THING', address: '0x42', state: 'ok' });
  });

  it('times out a hung set-up and a hung read, then reports busy until the read settles', async () => {
    const d = new Driver();
    d.initHangs = true;
    const s = slot(d, { timeoutMs: 20, initTimeoutMs: 10, reinitAfterFailures: 3 });
    await s.init();
    expect(s.status).toMatchObject({
      state: 'error',
      detail: 'THING at 0x42: set-up took longer than 10 ms',
    });

    const ok = slot(new Driver());
    await ok.init();
    const first = await ok.read(hang);
    expect(first).toEqual({
      value: null,
      result: { state: 'timeout', error: 'THING at 0x42: read took longer than 50 ms' },
    });
    expect(await ok.read(async () => 1)).toEqual({
      value: null,
      result: { state: 'busy', error: 'the previous read has not finished' },
    });
    expect(ok.errors).toBe(2);
  });

  it('re-initialises after N failures in a row, and a success resets the count', async () => {
    const d = new Driver();
    const s = slot(d);
    await s.init();
    const fail = async (): Promise<number> => {
      throw new SensorError('THING', 0x42, 'IO', 'EIO');
    };
    await s.read(fail);
    await s.read(fail);
    await s.read(async () => 1);
    await s.read(fail);
    await s.read(fail);
    expect(d.inits).toBe(1);
    expect(s.status).toMatchObject({ state: 'error', detail: 'THING at 0x42: EIO' });
    await s.read(fail);
    const next = await s.read(async () => 2);
    expect(next).toEqual({ value: 2, result: { state: 'ok' } });
    expect(d.inits).toBe(2);
    expect(s.errors).toBe(5);
    expect(s.status.detail).toBeUndefined();
  });

  it('lets a subclass describe the answering driver and word the timeouts', async () => {
    class Described extends SensorSlot<'thing', Driver> {
      protected override answering(driver: Driver) {
        return { ...this.status, state: 'ok' as const, detail: `inits ${driver.inits}` };
      }
      protected override timeoutError(what: 'set-up' | 'read', ms: number) {
        return new SensorError(this.status.chip, this.status.address, 'TIMEOUT', `${what} ${ms}`);
      }
    }
    const d = new Driver();
    const s = new Described('thing', 'THING', '0x42', () => d, policy);
    await s.init();
    expect(s.status.detail).toBe('inits 1');
    expect((await s.read(hang)).result.error).toBe('THING at 0x42: read 50');
  });
});
