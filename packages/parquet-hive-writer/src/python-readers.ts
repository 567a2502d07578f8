import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';

/**
 * Polars and PyArrow as independent readers of our files, for this package's tests (not exported).
 * `OPENSENSOR_TEST_PYTHON` picks the interpreter; `.ci/run` installs both libraries.
 */
export const PYTHON = process.env.OPENSENSOR_TEST_PYTHON ?? 'python3';

const probe = spawnSync(PYTHON, ['-c', 'import polars, pyarrow'], { encoding: 'utf8' });

/** Why the Python readers cannot run here (the tests skip, saying so), or null. */
export const pythonReadersMissing: string | null =
  probe.error || probe.status !== 0 ? `${PYTHON} with polars and pyarrow is not available` : null;

/** Runs `script` with `paths` as its arguments; it must exit 0 with nothing on stderr. Its stdout, parsed as JSON. */
export function readWithPython<T>(script: string, paths: readonly string[]): T {
  const run = spawnSync(PYTHON, ['-c', script, ...paths], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout) as T;
}
