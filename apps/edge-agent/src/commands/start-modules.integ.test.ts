import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectJournal } from '@opensensor/buffer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuiltBinIsFresh, BUILT_BIN, RunningProcess, runProcess } from '../testing-process.js';

/**
 * What `opensensor start` must not load while it only reads and journals: each of these costs the
 * agent memory for its whole life (docs/performance.md, "Agent memory"). Sync, Snowflake, metrics and
 * the lake jobs load theirs when they are switched on or run; zod and commander are compiled into
 * the packages that use them (tsup.config.ts), so a copy from node_modules means two copies.
 */
const MUST_STAY_UNLOADED: readonly [string, RegExp][] = [
  ['the AWS SDK (loaded by the first sync)', /\/@aws-sdk\/|\/@smithy\//],
  ['prom-client (loaded with OPENSENSOR_METRICS_PORT)', /\/prom-client\//],
  ['node:http (the metrics endpoint)', /^node:http$/],
  ["node:crypto (a new journal's id comes from /dev/urandom)", /^node:crypto$/],
  ['DuckDB (lake jobs only)', /\/@duckdb\//],
  ['the lake jobs', /\/packages\/lake\/|\/@opensensor\/lake\//],
  ['the dashboard', /\/dashboard\//],
  ['the Snowpipe client (loaded with Snowflake on)', /snowpipe-client/],
  ['zod from node_modules', /\/node_modules\/zod\//],
  ['commander from node_modules', /\/node_modules\/commander\//],
  ['hyparquet from node_modules', /\/node_modules\/hyparquet(-writer)?\//],
];

// An ESM load hook in the agent's process that writes down the URL of every module it loads.
const HOOKS = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.OPENSENSOR_TEST_MODULE_LOG, url + '\\n');
  return next(url, context);
}
`;
const REGISTER = `import { register } from 'node:module';
register('./hooks.mjs', import.meta.url);
`;

let dir: string;
beforeAll(() => {
  assertBuiltBinIsFresh();
  dir = mkdtempSync(join(tmpdir(), 'os-start-modules-'));
  writeFileSync(join(dir, 'hooks.mjs'), HOOKS);
  writeFileSync(join(dir, 'register.mjs'), REGISTER);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(process.platform === 'win32')('the agent loads only what it uses', () => {
  it('journals readings without loading sync, metrics, Snowflake, lake or dashboard code, or a second zod or commander', async () => {
    const log = join(dir, 'modules.txt');
    const agent = new RunningProcess(
      process.execPath,
      ['--import', join(dir, 'register.mjs'), '--', BUILT_BIN, 'start', '--simulate'],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          OPENSENSOR_STATION_ID: '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f',
          OPENSENSOR_READ_INTERVAL: '1',
          OPENSENSOR_LOG_JSON: 'true',
          OPENSENSOR_TEST_MODULE_LOG: log,
        },
      },
    );
    try {
      await agent.waitForStderr(/"msg":"started"/, 120_000);
      // The agent sets its own V8 tiering flags (v8-flags.ts), and says so.
      expect(agent.stderr).toContain(
        '"v8Flags":["--max-opt=1","--no-maglev","--no-turbofan","--liftoff-only"]',
      );
      // Wait for readings in the journal (however long that takes here), not for a fixed time.
      const journal = join(dir, 'state', 'journal');
      const deadline = Date.now() + 120_000;
      while (
        (await inspectJournal(journal).then(
          (j) => j.lastSeq,
          () => 0,
        )) < 2
      ) {
        if (Date.now() > deadline) throw new Error(`no readings journaled:\n${agent.stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      agent.child.kill('SIGINT');
    }
    const result = await agent.exited;
    expect(result.code, result.stderr).toBe(0);
    const loaded = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    // The log works: the agent's own code is in it.
    expect(loaded.some((url) => url.endsWith('/cli.js'))).toBe(true);
    for (const [what, pattern] of MUST_STAY_UNLOADED) {
      expect(
        loaded.filter((url) => pattern.test(url)),
        what,
      ).toEqual([]);
    }
  });

  it('opensensor status without a bucket does not load the AWS SDK', async () => {
    const log = join(dir, 'status-modules.txt');
    const result = await runProcess(
      process.execPath,
      ['--import', join(dir, 'register.mjs'), '--', BUILT_BIN, 'status'],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          OPENSENSOR_STATION_ID: '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f',
          OPENSENSOR_TEST_MODULE_LOG: log,
        },
      },
    );
    expect(result.stdout, result.stderr).toContain('no bucket configured');
    const loaded = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    // It read the upload ledger's package (the log works), not the SDK.
    expect(loaded.some((url) => /s3-sync/.test(url))).toBe(true);
    expect(loaded.filter((url) => /\/@aws-sdk\/|\/@smithy\//.test(url))).toEqual([]);
  });
});
