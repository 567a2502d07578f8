import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBuiltBinIsFresh, BUILT_BIN, RunningProcess, runProcess } from '../testing-process.js';

/**
 * `opensensor start --simulate` and the clock policy, as real processes: the agent asks
 * `timedatectl` on PATH, so a stand-in that answers what a file holds plays a Pi whose NTP has not
 * synchronised yet.
 */
const STATION = '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f';
const agents: RunningProcess[] = [];
afterEach(() => {
  for (const a of agents.splice(0)) a.child.kill('SIGKILL');
});
beforeAll(() => {
  assertBuiltBinIsFresh();
});

/** A station directory with a fake `timedatectl` that prints the content of `ntp` ("yes"/"no"). */
function station(ntp: 'yes' | 'no') {
  const dir = mkdtempSync(join(tmpdir(), 'os-start-clock-'));
  const bin = join(dir, 'fake-bin');
  mkdirSync(bin);
  const answer = join(dir, 'ntp');
  writeFileSync(answer, `${ntp}\n`);
  writeFileSync(join(bin, 'timedatectl'), `#!/bin/sh\ncat ${JSON.stringify(answer)}\n`);
  chmodSync(join(bin, 'timedatectl'), 0o755);
  const env = (extra: Record<string, string> = {}) => ({
    PATH: `${bin}${delimiter}${process.env.PATH}`,
    OPENSENSOR_STATION_ID: STATION,
    OPENSENSOR_READ_INTERVAL: '1',
    OPENSENSOR_HEALTH_ENABLED: 'false',
    OPENSENSOR_LOG_JSON: 'true',
    ...extra,
  });
  const start = (extra: Record<string, string> = {}) => {
    const agent = new RunningProcess(BUILT_BIN, ['start', '--simulate'], { cwd: dir, env: env(extra) });
    agents.push(agent);
    return agent;
  };
  const status = async (json: boolean) => {
    const r = await runProcess(BUILT_BIN, ['status', ...(json ? ['--json'] : [])], { cwd: dir, env: env() });
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };
  return { dir, answer, start, status };
}

async function stop(agent: RunningProcess) {
  agent.child.kill('SIGTERM');
  const r = await agent.exited;
  expect(r.code, r.stderr).toBe(0);
}

describe('opensensor start --simulate and the clock', () => {
  it('trusts the clock by default, and status says so and what the system reports (not "synchronised")', async () => {
    const s = station('no');
    const agent = s.start();
    // Logged right after "started", and the pipe may hand the two lines over in separate reads.
    await agent.waitForStderr(/"msg":"started"/);
    await agent.waitForStderr(/the simulation trusts the system clock without checking it/);
    const report = JSON.parse(await s.status(true));
    expect(report.clock).toMatchObject({
      policy: 'trust-system-clock',
      policySource: 'simulation',
      system: { ntpSynchronized: false, plausible: true },
    });
    expect(await s.status(false)).toMatch(
      /^Clock {7}not checked: the simulation trusts the system clock \(OPENSENSOR_CLOCK_POLICY=wait-for-sync exercises the policy\); the system reports it NOT synchronised$/m,
    );
    await stop(agent);
  }, 60_000);

  it('with OPENSENSOR_CLOCK_POLICY=wait-for-sync, a simulated station holds its readings until NTP synchronises', async () => {
    const s = station('no');
    const agent = s.start({ OPENSENSOR_CLOCK_POLICY: 'wait-for-sync' });
    await agent.waitForStderr(/"msg":"started"/);
    expect(agent.stderr).not.toContain('the simulation trusts the system clock');
    const report = JSON.parse(await s.status(true));
    expect(report.clockSynced).toBe(false);
    expect(report.clock).toMatchObject({ policy: 'wait-for-sync', policySource: 'environment' });
    expect(await s.status(false)).toMatch(
      /^Clock {7}NOT synchronised \(readings wait to be dated\); the system reports it NOT synchronised$/m,
    );
    // NTP synchronises: the next reading sees it and journals the marker that re-dates the held ones.
    writeFileSync(s.answer, 'yes\n');
    await agent.waitForStderr(/system clock synchronised; readings taken before are re-dated/);
    await stop(agent);
    expect(JSON.parse(await s.status(true)).clockSynced).toBe(true);
  }, 60_000);

  it('an explicit trust-system-clock is reported as trusted, with what the system says', async () => {
    const s = station('no');
    const agent = s.start({ OPENSENSOR_CLOCK_POLICY: 'trust-system-clock' });
    await agent.waitForStderr(/"msg":"started"/);
    await stop(agent);
    expect(await s.status(false)).toMatch(
      /^Clock {7}trusted as it is \(OPENSENSOR_CLOCK_POLICY=trust-system-clock\); the system reports it NOT synchronised$/m,
    );
  }, 60_000);
});
