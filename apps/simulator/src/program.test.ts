import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isErrorCode, OpenSensorError } from '@opensensor/errors';
import { describe, expect, it } from 'vitest';
import { defaultParallel, defaultWorkers, UsageError } from './commands.js';
import { runSim } from './program.js';
import { ClockStepsError } from './sim-clock.js';

function io() {
  const err: string[] = [];
  const cwd = mkdtempSync(join(tmpdir(), 'sim-program-'));
  return {
    err,
    io: { stdout: () => {}, stderr: (s: string) => err.push(s), env: {}, cwd, isTty: false },
  };
}

describe('errors of the simulator', () => {
  it('are OpenSensorErrors with UPPER_SNAKE codes', () => {
    for (const err of [
      new UsageError('--stations: expected a whole number'),
      new ClockStepsError('12x=+1h'),
    ]) {
      expect(err).toBeInstanceOf(OpenSensorError);
      expect(isErrorCode(err.code)).toBe(true);
    }
    expect(new UsageError('x').code).toBe('INVALID_USAGE');
    expect(new ClockStepsError('x').code).toBe('INVALID_CLOCK_STEPS');
  });

  it('a usage error is one line and exit 2, without a stack trace', async () => {
    const t = io();
    expect(await runSim(['backfill', '--stations', '0'], t.io)).toBe(2);
    expect(t.err.join('')).toMatch(/^--stations: expected a whole number from 1 to 100000, received 0\n$/);
  });

  it('--clock-steps and --journal-max-kib are checked before anything starts', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['run', '--clock-steps', '1d=+1h'],
        /^--clock-steps steps the simulated clock: use it with --speed\n$/,
      ],
      [
        ['run', '--speed', '600', '--clock-steps', '1d'],
        /^--clock-steps: expected after=by pairs .*received "1d"\n$/,
      ],
      [
        ['run', '--journal-max-kib', '2'],
        /^--journal-max-kib: expected a whole number of KiB from 4 to 1048576, received 2\n$/,
      ],
      [['run', '--journal-max-kib', '8.5'], /^--journal-max-kib: .*received 8.5\n$/],
    ];
    for (const [args, message] of cases) {
      const t = io();
      expect(await runSim(args, t.io), args.join(' ')).toBe(2);
      expect(t.err.join('')).toMatch(message);
    }
  });
});

describe('how a fleet backfill is spread by default', () => {
  it('uses a thread per core (at most 8, one per two stations) and fewer stations at once in each', () => {
    expect(defaultWorkers(1, 2)).toBe(1);
    expect(defaultWorkers(3, 2)).toBe(2);
    expect(defaultWorkers(1000, 2)).toBe(2);
    expect(defaultWorkers(1000, 1)).toBe(1);
    expect(defaultWorkers(1000, 32)).toBe(8);
    expect(defaultWorkers(6, 32)).toBe(3);
    expect(defaultParallel(1000, 1)).toBe(4);
    expect(defaultParallel(3, 1)).toBe(3);
    expect(defaultParallel(1000, 2)).toBe(2);
  });
});
