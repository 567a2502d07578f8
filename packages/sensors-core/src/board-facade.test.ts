import { describe, expect, it } from 'vitest';
import { type BoardFacade, detectBoard, signatureAnswers } from './board-facade.js';
import type { SensorSlotStatus } from './sensor-slot.js';

/** A board whose sensors answer as given; records whether it was closed. */
function board(kind: string, signature: string[], answering: string[], all = ['a', 'b', 'c']) {
  const sensors: SensorSlotStatus[] = all.map((sensor) => ({
    sensor,
    chip: sensor.toUpperCase(),
    address: '0x10',
    state: answering.includes(sensor) ? 'ok' : 'absent',
  }));
  const b = {
    kind,
    name: kind,
    sensors: all,
    columns: ['x'],
    columnInfo: { x: { unit: '1', description: 'x' } },
    signature,
    closed: 0,
    detect: async () => sensors,
    status: () => sensors,
    read: async () => {
      throw new Error('not read');
    },
    close: async () => {
      b.closed++;
    },
  };
  return b satisfies BoardFacade;
}

describe('detectBoard (the auto rule)', () => {
  it('keeps the first board whose signature answers, closing the ones passed over', async () => {
    // The first board answers, but only with a sensor any station may have (a PMS5003 on the UART).
    const first = board('enviroplus', ['a', 'b'], ['c']);
    const second = board('sensehat', ['a'], ['a']);
    const third = board('breakout', ['a'], ['a']);
    const opened: string[] = [];
    const boards = { enviroplus: first, sensehat: second, breakout: third };
    const found = await detectBoard(['enviroplus', 'sensehat', 'breakout'] as const, (kind) => {
      opened.push(kind);
      return boards[kind];
    });
    expect(found?.kind).toBe('sensehat');
    expect(found?.board).toBe(second);
    expect(found?.sensors.map((s) => s.state)).toEqual(['ok', 'absent', 'absent']);
    expect(opened).toEqual(['enviroplus', 'sensehat']);
    expect([first.closed, second.closed, third.closed]).toEqual([1, 0, 0]);
  });

  it('finds nothing when no signature answers, and closes every board', async () => {
    const boards = [board('x', ['a'], []), board('y', ['b'], ['a', 'c'])];
    expect(await detectBoard([0, 1].map(String), (k) => boards[Number(k)] as BoardFacade)).toBeNull();
    expect(boards.map((b) => b.closed)).toEqual([1, 1]);
  });

  it('closes a board whose detection throws, and passes the error on', async () => {
    const b = board('x', ['a'], ['a']);
    b.detect = async () => {
      throw new Error('bus gone');
    };
    await expect(detectBoard(['x'], () => b)).rejects.toThrow('bus gone');
    expect(b.closed).toBe(1);
  });

  it('signatureAnswers looks at answering signature sensors only', () => {
    const b = board('x', ['a'], []);
    const status = (state: SensorSlotStatus['state']): SensorSlotStatus[] => [
      { sensor: 'a', chip: 'A', address: '0x10', state },
    ];
    expect(signatureAnswers(b, status('ok'))).toBe(true);
    for (const state of ['absent', 'error', 'disabled'] as const)
      expect(signatureAnswers(b, status(state))).toBe(false);
  });
});
