import { OpenSensorError } from '@opensensor/errors';
import { type BoardFacade, detectBoard, type SensorSlotStatus } from '@opensensor/sensors-core';
import { BOARD_KINDS, type BoardKind } from './schemas.js';

/** A board whose sensors are missing or wrong for the station, or a station that changed boards. */
export class BoardError extends OpenSensorError {
  override readonly name = 'BoardError';
  declare readonly code: 'BOARD_UNAVAILABLE';

  constructor(message: string, options?: { cause?: unknown }) {
    super('BOARD_UNAVAILABLE', message, options);
  }
}

/** How the real boards are opened: the settings the agent and `opensensor test` share. */
export interface BoardSettings {
  /** I2C bus number, default 1 (`/dev/i2c-1`). */
  busNumber?: number;
  /** Enviro+ PMS5003 serial device, default `/dev/serial0`. */
  pms5003Device?: string;
  /** Enviro+ CPU-heat compensation factor, or false for raw values; default the package's (2.25). */
  compensation?: number | false;
  /** Samples flagged as warm-up at start; default each board's own. */
  warmupReadings?: number;
  onWarning?: (message: string) => void;
}

/**
 * The real board facade of `kind`, its package loaded only now (a Sense HAT station never loads the
 * Enviro+ drivers).
 */
export async function createBoard(kind: BoardKind, settings: BoardSettings = {}): Promise<BoardFacade> {
  const common = {
    busNumber: settings.busNumber ?? 1,
    ...(settings.warmupReadings !== undefined ? { warmupReadings: settings.warmupReadings } : {}),
    ...(settings.onWarning ? { onWarning: settings.onWarning } : {}),
  };
  switch (kind) {
    case 'enviroplus': {
      const { Enviroplus } = await import('@opensensor/sensors-enviroplus');
      const c = settings.compensation;
      return new Enviroplus({
        ...common,
        pms5003: settings.pms5003Device ? { device: settings.pms5003Device } : {},
        ...(c === undefined ? {} : { compensation: c === false ? false : { factor: c } }),
      });
    }
    case 'sensehat': {
      const { SenseHat } = await import('@opensensor/sensors-sensehat');
      return new SenseHat(common);
    }
    case 'breakout': {
      const { Breakout } = await import('@opensensor/sensors-breakout');
      return new Breakout(common);
    }
  }
}

export interface OpenBoardOptions extends BoardSettings {
  /** Builds the board of a kind instead of the real one (simulated boards, fakes in tests). */
  create?: (kind: BoardKind) => BoardFacade | Promise<BoardFacade>;
}

/** The board {@link openBoard} opened, with what its detection found. */
export interface OpenedBoard {
  kind: BoardKind;
  board: BoardFacade;
  sensors: SensorSlotStatus[];
}

/**
 * Opens and detects the board the station has: `kind`, or with `auto` the first of Enviro+, Sense
 * HAT and breakouts one of whose signature chips answers (`detectBoard` of @opensensor/sensors-core).
 * A named board is returned even when none of its sensors answers (its columns will be null); `auto`
 * that finds none throws a {@link BoardError} saying what to check. The agent and `opensensor test`
 * both open their board here, so they always agree on which board is there.
 */
export async function openBoard(
  kind: BoardKind | 'auto',
  options: OpenBoardOptions = {},
): Promise<OpenedBoard> {
  const create = options.create ?? ((k: BoardKind) => createBoard(k, options));
  if (kind !== 'auto') {
    const board = await create(kind);
    try {
      return { kind, board, sensors: await board.detect() };
    } catch (error) {
      await board.close();
      throw error;
    }
  }
  const found = await detectBoard(BOARD_KINDS, create);
  if (found) return found;
  throw new BoardError(
    `board auto: no Enviro+, Sense HAT or breakout answers on I2C bus ${options.busNumber ?? 1}; ` +
      'check the wiring and that I2C is enabled (raspi-config nonint do_i2c 0), or name the board (OPENSENSOR_BOARD, opensensor test --board)',
  );
}
