import type { Board } from './board.js';

/** A board facade (Enviro+, Sense HAT, breakouts): one sample with the lake's column names. */
export interface FacadeLike {
  read(): Promise<{
    reading: Readonly<Record<string, number | null>>;
    warmup: boolean;
    errors: Readonly<Record<string, number>>;
  }>;
  close(): Promise<void>;
}

/** A simulated board: values at the clock's instant plus counted faults. */
interface SimulatedLike {
  readonly name: string;
  readonly errors: object;
  read(): Promise<Readonly<Record<string, number | null>>>;
  close(): Promise<void>;
}

/** A real board facade as a pipeline board. */
export function facadeBoard(name: string, board: FacadeLike): Board {
  return {
    name,
    async read() {
      const s = await board.read();
      return { values: s.reading, warmup: s.warmup, errors: s.errors };
    },
    close: () => board.close(),
  };
}

/** A simulated board as a pipeline board (no warm-up: a model has nothing to settle). */
export function simulatedBoard(board: SimulatedLike): Board {
  return {
    name: board.name,
    async read() {
      return { values: await board.read(), warmup: false, errors: board.errors as Record<string, number> };
    },
    close: () => board.close(),
  };
}
