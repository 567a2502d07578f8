import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './program.js';
import { memoryIo } from './testing-io.js';

const STATION = '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'os-program-'));
});

describe('errors of the packages', () => {
  it('a second agent on the same state directory is told what holds the journal, without a stack trace', async () => {
    const { Journal } = await import('@opensensor/buffer');
    const journal = await Journal.open({ dir: join(dir, 'state', 'journal'), consumers: ['parquet'] });
    try {
      const t = memoryIo({ OPENSENSOR_STATION_ID: STATION, OPENSENSOR_LOG_LEVEL: 'error' }, dir);
      expect(await runCli(['start', '--simulate'], t.io)).toBe(1);
      expect(t.stderr()).toMatch(
        /^error: The journal in .*state\/journal is already open by this process\./m,
      );
      expect(t.stderr()).toContain('Is the agent already running?');
      expect(t.stderr()).not.toMatch(/\n\s+at /);
    } finally {
      await journal.close();
    }
  });
});
