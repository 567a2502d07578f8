import type { SensorReadResult, SensorSlotStatus } from './sensor-slot.js';

/** Unit and meaning of a lake column. */
export interface ColumnInfo {
  unit: string;
  description: string;
}

/** One reading of a whole board. */
export interface BoardSample<S extends string = string, C extends string = string> {
  /** When the reading started, ms since the epoch, from the board's clock. */
  timestamp: number;
  /** Values by lake column; null where the sensor is missing or failed. */
  reading: Readonly<Record<C, number | null>>;
  /** True while the sensors settle: the collector does not store the reading. */
  warmup: boolean;
  /** What each sensor did in this reading. */
  sensors: Readonly<Record<S, SensorReadResult>>;
  /** Failed reads per sensor since the board was opened (absent and disabled sensors do not count). */
  errors: Readonly<Record<S, number>>;
}

/**
 * A board as the collector, `opensensor test` and your own code use it: the Enviro+, Sense HAT and
 * breakout facades, their simulated models and any board of your own implement it, and
 * `boardConformance()` of `./testing` checks that they do.
 */
export interface BoardFacade<
  S extends string = string,
  C extends string = string,
  Sample extends BoardSample<S, C> = BoardSample<S, C>,
> {
  /** The board kind, which decides the lake schema: `enviroplus`, `sensehat`, `breakout`, … */
  readonly kind: string;
  /** For logs and status: the kind, or e.g. `enviroplus (simulated)`. */
  readonly name: string;
  /** Sensor names, in the order of {@link detect} and {@link status}. */
  readonly sensors: readonly S[];
  /** Measurement columns in lake order (after `timestamp`). */
  readonly columns: readonly C[];
  readonly columnInfo: Readonly<Record<C, ColumnInfo>>;
  /**
   * The sensors only this board has: when `auto` looks for a board, this one is taken when one of
   * them answers (see `detectBoard`).
   */
  readonly signature: readonly S[];
  /** Probes every enabled sensor and sets up those that answer. Runs once; later calls return the same result. */
  detect(): Promise<SensorSlotStatus<S>[]>;
  /** Current status of every sensor. */
  status(): SensorSlotStatus<S>[];
  /** Takes one sample of all sensors (detecting first if needed). Never throws because of a sensor. */
  read(): Promise<Sample>;
  /** Releases the bus, ports and pins the board opened. */
  close(): Promise<void>;
}

/** A board found by {@link detectBoard}, with what its detection found. */
export interface DetectedBoard<K extends string = string> {
  kind: K;
  board: BoardFacade;
  sensors: SensorSlotStatus[];
}

/** True when one of the board's signature sensors answered. */
export function signatureAnswers(
  board: Pick<BoardFacade, 'signature'>,
  sensors: readonly SensorSlotStatus[],
): boolean {
  return sensors.some((s) => s.state === 'ok' && board.signature.includes(s.sensor));
}

/**
 * The `auto` rule: opens each kind in turn and keeps the first whose signature sensors answer (a
 * PMS5003 on the UART does not make an Enviro+, nor a stray chip at a shared address); the boards
 * passed over are closed again. Null when none is found.
 */
export async function detectBoard<K extends string>(
  kinds: readonly K[],
  open: (kind: K) => BoardFacade | Promise<BoardFacade>,
): Promise<DetectedBoard<K> | null> {
  for (const kind of kinds) {
    const board = await open(kind);
    let sensors: SensorSlotStatus[];
    try {
      sensors = await board.detect();
    } catch (error) {
      await board.close();
      throw error;
    }
    if (signatureAnswers(board, sensors)) return { kind, board, sensors };
    await board.close();
  }
  return null;
}
