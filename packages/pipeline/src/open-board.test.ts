import { Enviroplus } from '@opensensor/sensors-enviroplus';
import { FakeGpio, FakeI2cBus, FakePms5003Port } from '@opensensor/sensors-enviroplus/testing';
import { SenseHat } from '@opensensor/sensors-sensehat';
import { createFakeSenseHatBus } from '@opensensor/sensors-sensehat/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { BoardError, createBoard, openBoard } from './open-board.js';
import type { BoardKind } from './schemas.js';

const ports: FakePms5003Port[] = [];
afterEach(() => {
  for (const p of ports.splice(0)) p.stopStreaming();
});

/** A Pi with a Sense HAT on I2C and a PMS5003 on the UART: the Enviro+ facade finds only the PMS5003. */
function senseHatWithPms5003(opened: string[], closed: string[]) {
  return (kind: BoardKind) => {
    opened.push(kind);
    const board =
      kind === 'enviroplus'
        ? (() => {
            const port = new FakePms5003Port();
            ports.push(port);
            port.startStreaming({ pm25: 7 }, 5);
            return new Enviroplus({ bus: new FakeI2cBus(), gpio: new FakeGpio(), pms5003: { port } });
          })()
        : kind === 'sensehat'
          ? new SenseHat({ bus: createFakeSenseHatBus(), sleep: async () => {} })
          : new SenseHat({ bus: new FakeI2cBus() });
    const close = board.close.bind(board);
    board.close = async () => {
      closed.push(kind);
      await close();
    };
    return board;
  };
}

describe('openBoard', () => {
  it('auto takes the board whose signature chips answer, not the first with any sensor answering', async () => {
    const opened: string[] = [];
    const closed: string[] = [];
    const { kind, board, sensors } = await openBoard('auto', { create: senseHatWithPms5003(opened, closed) });
    expect(kind).toBe('sensehat');
    expect(board.kind).toBe('sensehat');
    expect(sensors.filter((s) => s.state === 'ok').map((s) => s.sensor)).toContain('hts221');
    expect(opened).toEqual(['enviroplus', 'sensehat']);
    expect(closed).toEqual(['enviroplus']);
    await board.close();
  });

  it('a named board is opened and detected even when none of its sensors answers', async () => {
    const { kind, board, sensors } = await openBoard('breakout', {
      create: () => new SenseHat({ bus: new FakeI2cBus() }),
    });
    expect(kind).toBe('breakout');
    expect(sensors.every((s) => s.state === 'absent')).toBe(true);
    await board.close();
  });

  it('auto that finds no board throws a BoardError saying what to check, with every board closed', async () => {
    const closed: string[] = [];
    const error = await openBoard('auto', {
      busNumber: 3,
      create: (kind) => {
        const b = new SenseHat({ bus: new FakeI2cBus() });
        b.close = async () => void closed.push(kind);
        return b;
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BoardError);
    expect((error as Error).message).toMatch(
      /no Enviro\+, Sense HAT or breakout answers on I2C bus 3.*raspi-config/,
    );
    expect(closed).toEqual(['enviroplus', 'sensehat', 'breakout']);
  });
});

describe('the board packages', () => {
  it('throw one SensorError class, so instanceof holds whichever board threw', async () => {
    const core = await import('@opensensor/sensors-core');
    const classes = await Promise.all(
      ['@opensensor/sensors-enviroplus', '@opensensor/sensors-sensehat', '@opensensor/sensors-breakout'].map(
        async (name) => ((await import(name)) as { SensorError: unknown }).SensorError,
      ),
    );
    for (const c of classes) expect(c).toBe(core.SensorError);
  });
});

describe('createBoard', () => {
  it('builds the real facade of each kind, loading its package only then', async () => {
    for (const kind of ['enviroplus', 'sensehat', 'breakout'] as const) {
      const board = await createBoard(kind, { busNumber: 250, warmupReadings: 0, onWarning: () => {} });
      expect(board.kind).toBe(kind);
      await board.close();
    }
  });
});
