import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { endOnClosedOutput } from './closed-output.js';

const epipe = () => Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });

function setup(sigtermListeners: number) {
  const stdout = new EventEmitter();
  const stderr = new EventEmitter();
  const emitted: string[] = [];
  const exits: number[] = [];
  const dispose = endOnClosedOutput({
    streams: [stdout, stderr],
    process: {
      listenerCount: (event: string | symbol) => (event === 'SIGTERM' ? sigtermListeners : 0),
      emit: (event: string | symbol) => {
        emitted.push(String(event));
        return true;
      },
    } as unknown as Pick<NodeJS.Process, 'listenerCount' | 'emit'>,
    exit: (code) => exits.push(code),
  });
  return { stdout, stderr, emitted, exits, dispose };
}

describe('endOnClosedOutput', () => {
  it('ends a command that does not listen for signals at once, with exit code 0, once', () => {
    const t = setup(0);
    t.stdout.emit('error', epipe());
    t.stderr.emit('error', epipe());
    t.stdout.emit('error', Object.assign(new Error('destroyed'), { code: 'ERR_STREAM_DESTROYED' }));
    expect(t.exits).toEqual([0]);
    expect(t.emitted).toEqual([]);
  });

  it('stops a running command as SIGTERM would (a clean stop), once', () => {
    const t = setup(1);
    t.stderr.emit('error', epipe());
    t.stderr.emit('error', epipe());
    expect(t.emitted).toEqual(['SIGTERM']);
    expect(t.exits).toEqual([]);
  });

  it('leaves other write errors to fail loudly', () => {
    const t = setup(0);
    expect(() => t.stdout.emit('error', Object.assign(new Error('no space'), { code: 'ENOSPC' }))).toThrow(
      'no space',
    );
    expect(t.exits).toEqual([]);
  });

  it('removes its handlers when disposed', () => {
    const t = setup(0);
    t.dispose();
    expect(t.stdout.listenerCount('error')).toBe(0);
    expect(t.stderr.listenerCount('error')).toBe(0);
  });
});
