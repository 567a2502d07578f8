import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

const T = Date.UTC(2026, 10, 27, 8, 30, 0, 123);

function capture(opts: Parameters<typeof createLogger>[0] = {}) {
  const lines: string[] = [];
  const log = createLogger({ now: () => T, write: (l) => lines.push(l), ...opts });
  return { log, lines };
}

describe('createLogger', () => {
  it('writes one JSON object per line with time, level, message and fields', () => {
    const { log, lines } = capture({ json: true });
    log.child({ component: 'journal' }).info('segment deleted', { segment: 3, err: new Error('x') });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      time: '2026-11-27T08:30:00.123Z',
      level: 'info',
      msg: 'segment deleted',
      component: 'journal',
      segment: 3,
      err: { name: 'Error', message: 'x' },
    });
  });

  it('writes readable text and filters below the level', () => {
    const { log, lines } = capture({ level: 'warn' });
    log.info('hidden');
    log.debug('hidden');
    log.warn('sensor missing', { sensor: 'pms5003', path: '/dev/serial0', note: 'two words' });
    expect(lines).toEqual([
      '08:30:00.123 WARN  sensor missing sensor=pms5003 path=/dev/serial0 note="two words"\n',
    ]);
  });

  it('never writes a configured secret', () => {
    const { log, lines } = capture({ json: true, redact: ['s3cr3t-value'] });
    log.error('upload failed: bad signature for s3cr3t-value', { detail: 'key s3cr3t-value' });
    expect(lines.join('')).not.toContain('s3cr3t-value');
    expect(lines.join('')).toContain('***');
  });
});
