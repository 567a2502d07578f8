import { describe, expect, it } from 'vitest';
import { BoardBus, SensorSlots } from './board.js';
import { SensorSlot } from './sensor-slot.js';
import { FakeI2cBus } from './testing.js';

function group(sequential: boolean) {
  const order: string[] = [];
  const make = (name: 'a' | 'b' | 'c', answers: () => boolean, disabled = false) =>
    new SensorSlot(
      name,
      name.toUpperCase(),
      '0x10',
      () => ({
        init: async () => {
          order.push(`${name}>`);
          await Promise.resolve();
          order.push(`<${name}`);
          if (!answers()) throw Object.assign(new Error('gone'), { code: 'EIO' });
        },
      }),
      { timeoutMs: 0, reinitAfterFailures: 3 },
      disabled,
    );
  const slots = { a: make('a', () => true), b: make('b', () => false), c: make('c', () => true, true) };
  const g = new SensorSlots(['a', 'b', 'c'] as const, slots, { sequential });
  return { g, slots, order };
}

describe('SensorSlots', () => {
  it('sets up all sensors concurrently or in sequence, then only the absent ones', async () => {
    const concurrent = group(false);
    await concurrent.g.init('all');
    expect(concurrent.order).toEqual(['a>', 'b>', '<a', '<b']);
    const sequential = group(true);
    await sequential.g.init('all');
    expect(sequential.order).toEqual(['a>', '<a', 'b>', '<b']);
    expect(sequential.g.status().map((s) => s.state)).toEqual(['ok', 'error', 'disabled']);
  });

  it('retries absent sensors only, and reports status copies, error counts and enabled sensors', async () => {
    const { g, slots, order } = group(false);
    await g.init('absent', 'no bus');
    expect(order).toEqual(['a>', 'b>', '<a', '<b']);
    order.length = 0;
    await g.init('absent');
    expect(order).toEqual([]);
    // B answered badly: it is kept, and the read that sets it up again fails and counts.
    await slots.b.read(async () => 1);
    expect(g.errors()).toEqual({ a: 0, b: 1, c: 0 });
    const [first] = g.status();
    if (first) first.state = 'error';
    expect(slots.a.status.state).toBe('ok');
    expect(g.anyEnabled()).toBe(true);
    expect(g.anyEnabled(['c'])).toBe(false);
  });
});

describe('SensorSlots.setUp', () => {
  it('opens the bus when a sensor on it is enabled and passes on why it could not', async () => {
    const make = (name: 'a' | 'b', disabled: boolean, bus: BoardBus) =>
      new SensorSlot(
        name,
        name,
        '0x10',
        () => bus.bus && { init: async () => {} },
        { timeoutMs: 0, reinitAfterFailures: 3 },
        disabled,
      );
    const idle = new BoardBus({ busNumber: 252 });
    const off = new SensorSlots(
      ['a', 'b'] as const,
      { a: make('a', true, idle), b: make('b', false, idle) },
      {
        bus: idle,
        busSensors: ['a'],
      },
    );
    await off.setUp('all');
    expect(idle.error).toBeUndefined();
    expect(off.status()[1]).toMatchObject({ state: 'absent', detail: 'no I2C bus: not opened' });

    const fake = new FakeI2cBus();
    const given = new BoardBus({ bus: fake });
    const on = new SensorSlots(
      ['a', 'b'] as const,
      { a: make('a', false, given), b: make('b', false, given) },
      {
        bus: given,
      },
    );
    await on.setUp('all');
    expect(on.status().map((s) => s.state)).toEqual(['ok', 'ok']);

    const missing = new BoardBus({ busNumber: 253 });
    const none = new SensorSlots(
      ['a', 'b'] as const,
      { a: make('a', false, missing), b: make('b', true, missing) },
      {
        bus: missing,
      },
    );
    await none.setUp('absent');
    expect(none.status()[0]?.detail).toMatch(/^no I2C bus: .*i2c/);
  });
});

describe('BoardBus', () => {
  it('uses a bus passed in and never closes it', async () => {
    const fake = new FakeI2cBus();
    const b = new BoardBus({ bus: fake });
    await b.openIfNeeded(true);
    expect(b.bus).toBe(fake);
    await b.close();
    expect(fake.closed).toBe(false);
  });

  it('keeps the reason when the bus cannot be opened, and opens nothing when not needed', async () => {
    const b = new BoardBus({ busNumber: 251 });
    await b.openIfNeeded(false);
    expect(b.error).toBeUndefined();
    await b.openIfNeeded(true);
    expect(b.bus).toBeUndefined();
    expect(b.error).toMatch(/i2c/);
    await b.close();
  });
});
