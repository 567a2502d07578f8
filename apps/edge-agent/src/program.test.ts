import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { reportPackageError, runCli } from './program.js';
import { memoryIo } from './testing-io.js';

const STATION = '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'os-program-'));
});

describe('errors of the packages', () => {
  it('are recognised by their base class, OpenSensorError, not by having a code', async () => {
    const { S3SyncOptionsError } = await import('@opensensor/s3-sync');
    const { LakeLockedError } = await import('@opensensor/pipeline');
    const { SnowpipeOptionsError } = await import('@opensensor/snowpipe-client');
    for (const err of [
      new S3SyncOptionsError('prefix', 'contains a ".." segment'),
      new LakeLockedError('st', '/lake/station=st', { pid: 1, label: null } as never),
      new SnowpipeOptionsError('url', 'must be https'),
    ]) {
      const out: string[] = [];
      expect(await reportPackageError(err, { stderr: (t) => out.push(t) })).toBe(1);
      expect(out.join('')).toBe(`error: ${err.message}\n`);
    }
    // A raw system error was not anticipated: it keeps its stack trace.
    const raw = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    await expect(reportPackageError(raw, { stderr: () => undefined })).rejects.toBe(raw);
  });

  it("the agent's own errors and the board packages' are OpenSensorErrors with UPPER_SNAKE codes", async () => {
    const { isErrorCode, OpenSensorError } = await import('@opensensor/errors');
    const { SensorError, OptionalDependencyError } = await import('@opensensor/sensors-enviroplus');
    const { CliError, EXIT } = await import('./io.js');
    const { UnitPathError } = await import('./systemd-unit.js');
    const { TokenFileError } = await import('./dashboard/tokens.js');
    const { DashboardServerError } = await import('./dashboard/server.js');
    const { PromptAbortedError } = await import('./prompt.js');
    const errors = [
      new SensorError('BME280', 0x76, 'NOT_FOUND', 'no device answers'),
      new OptionalDependencyError('i2c-bus', 'Reading the I2C bus'),
      new CliError('no lake at ./output', EXIT.usage),
      new CliError('sync failed'),
      new UnitPathError('user: "a b" is not a valid user name'),
      new TokenFileError('tokens.json: not valid JSON'),
      new DashboardServerError('TOKENS_REQUIRED', 'refusing to listen on 0.0.0.0 without access tokens'),
      new PromptAbortedError('no valid answer'),
    ];
    for (const err of errors) {
      expect(err, err.name).toBeInstanceOf(OpenSensorError);
      expect(isErrorCode(err.code), `${err.name} ${err.code}`).toBe(true);
    }
    expect(errors.map((e) => e.code)).toEqual([
      'NOT_FOUND',
      'OPTIONAL_DEPENDENCY_MISSING',
      'INVALID_USAGE',
      'COMMAND_FAILED',
      'INVALID_UNIT_SETTING',
      'INVALID_TOKEN_FILE',
      'TOKENS_REQUIRED',
      'PROMPT_ABORTED',
    ]);
  });

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

describe('numeric flags read decimal only, like the settings', () => {
  it.each([
    [['start', '--interval', '0x10'], '--interval (OPENSENSOR_READ_INTERVAL): expected a decimal number'],
    [['start', '--batch-size', '0x10'], '--batch-size: expected a whole number of readings'],
    [['start', '--batch-size', '1e1'], 'received "1e1"'],
  ])('%j exits 2 before anything starts', async (args, message) => {
    const t = memoryIo({ OPENSENSOR_STATION_ID: STATION }, dir);
    expect(await runCli(args, t.io)).toBe(2);
    expect(t.stderr()).toContain(message);
  });
});
