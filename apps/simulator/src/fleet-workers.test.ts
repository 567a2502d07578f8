import { describe, expect, it } from 'vitest';
import { WORKER_HEAP_LIMIT_MB, workerError } from './fleet-workers.js';

describe('workerError', () => {
  it('says which limit a thread ran into and what to run instead', () => {
    // What Node emits when a worker reaches its resourceLimits.
    const oom = Object.assign(
      new Error('Worker terminated due to reaching memory limit: JS heap out of memory'),
      {
        code: 'ERR_WORKER_OUT_OF_MEMORY',
      },
    );
    const err = workerError(oom) as Error;
    expect(err.message).toContain(`ran out of its ${WORKER_HEAP_LIMIT_MB} MB heap`);
    expect(err.message).toContain('JS heap out of memory');
    expect(err.message).toMatch(/--parallel.*--workers 1/);
  });

  it('passes any other error on unchanged', () => {
    const other = Object.assign(new Error('boom'), { code: 'ERR_SOMETHING' });
    expect(workerError(other)).toBe(other);
    expect(workerError('text')).toBe('text');
    expect(workerError(null)).toBe(null);
  });
});
