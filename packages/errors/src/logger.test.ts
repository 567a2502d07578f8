import { describe, expect, it } from 'vitest';
import { childLogger, type LogFields, type Logger, silentLogger } from './logger.js';

function recorder() {
  const lines: Array<[string, string, LogFields | undefined]> = [];
  const logger: Logger = {
    debug: (m, f) => lines.push(['debug', m, f]),
    info: (m, f) => lines.push(['info', m, f]),
    warn: (m, f) => lines.push(['warn', m, f]),
    error: (m, f) => lines.push(['error', m, f]),
  };
  return { lines, logger };
}

describe('childLogger', () => {
  it('adds its fields to every line of a logger without child, the line fields winning', () => {
    const { lines, logger } = recorder();
    const journal = childLogger(logger, { component: 'journal', station: 'a' });
    journal.info('opened');
    journal.warn('torn tail', { station: 'b', bytes: 12 });
    childLogger(journal, { segment: 3 }).error('bad crc');
    expect(lines).toEqual([
      ['info', 'opened', { component: 'journal', station: 'a' }],
      ['warn', 'torn tail', { component: 'journal', station: 'b', bytes: 12 }],
      ['error', 'bad crc', { component: 'journal', station: 'a', segment: 3 }],
    ]);
  });

  it("uses the logger's own child when it has one", () => {
    const { logger } = recorder();
    const own: Logger = { ...silentLogger, info: () => {} };
    expect(childLogger({ ...logger, child: () => own }, { component: 'x' })).toBe(own);
  });

  it('console fits', () => {
    const log: Logger = console;
    expect(typeof childLogger(log, { component: 'x' }).info).toBe('function');
  });
});
