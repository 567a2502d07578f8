import { isOpenSensorError } from '@opensensor/errors';
import { describe, expect, it } from 'vitest';
import { WORKER_HEAP_LIMIT_MB, workerError, workerHeapLimitMb } from './fleet-workers.js';

describe('workerError', () => {
  it('says which limit a thread ran into and what to run instead', () => {
    // What Node emits when a worker reaches its resourceLimits.
    const oom = Object.assign(
      new Error('Worker terminated due to reaching memory limit: JS heap out of memory'),
      {
        code: 'ERR_WORKER_OUT_OF_MEMORY',
      },
    );
    const err = workerError(oom, 300) as Error;
    // Typed: the CLI prints it in one line, not as an unexpected failure with a stack.
    expect(isOpenSensorError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'WORKER_OUT_OF_MEMORY', cause: oom });
    expect(err.message).toContain('ran out of its 300 MB heap');
    expect(err.message).toContain('JS heap out of memory');
    expect(err.message).toMatch(/--parallel.*--workers 1/);
  });

  it("gives a thread 512 MB, or the process's own heap limit where that is lower", () => {
    const limit = workerHeapLimitMb();
    expect(limit).toBeGreaterThan(0);
    expect(limit).toBeLessThanOrEqual(WORKER_HEAP_LIMIT_MB);
  });

  it('passes any other error on unchanged', () => {
    const other = Object.assign(new Error('boom'), { code: 'ERR_SOMETHING' });
    expect(workerError(other)).toBe(other);
    expect(workerError('text')).toBe('text');
    expect(workerError(null)).toBe(null);
  });
});
