import type { Enviroplus } from '@opensensor/sensors-enviroplus';
import type { SimulatedEnviroplus } from '@opensensor/simulation';
import type { Board } from './board.js';

/** The real Enviro+ facade as a pipeline board. */
export function enviroplusBoard(board: Enviroplus): Board {
  return {
    name: 'enviroplus',
    async read() {
      const s = await board.read();
      return { values: s.reading, warmup: s.warmup, errors: s.errors };
    },
    close: () => board.close(),
  };
}

/** A simulated Enviro+ as a pipeline board (no warm-up: the model has no heater to settle). */
export function simulatedBoard(board: SimulatedEnviroplus): Board {
  return {
    name: board.name,
    async read() {
      return {
        values: await board.read(),
        warmup: false,
        errors: board.errors as unknown as Record<string, number>,
      };
    },
    close: () => board.close(),
  };
}
