import { mkdirSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { inspectJournal } from '@opensensor/buffer';
import { lakeGlob, openLakeReader, seededRandom } from '@opensensor/parquet-hive-writer/testing';
import type { FakeSnowpipeServer } from '@opensensor/snowpipe-client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lifetime, unexplainedGaps } from './gaps.js';
import { duplicateReadings } from './lake.js';
import { CliProcess, killAll, runCli, sleep, type TempDir, tempDir, waitForLog } from './processes.js';
import { fakeSnowflakeForAgent } from './snowflake-fake.js';

const STATION = '0193a5c1-4e2f-7b3a-8c1d-5f10c0ffee01';
const CHANNEL = `opensensor_${STATION}`;
const HEALTH_CHANNEL = `${CHANNEL}_health`;
const STATION_NAME = 'Roof, north side';
const ACCOUNT = 'MYORG-STATIONS';
const USER = 'OPENSENSOR_STREAMING';

/** Polls until `check` holds; fails after `timeoutMs` with `what`. */
async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

describe('Snowpipe Streaming to the fake server across SIGKILL and restarts', () => {
  let dir: TempDir;
  let output: string;
  let fake: FakeSnowpipeServer;
  let env: Record<string, string>;
  const processes: CliProcess[] = [];

  beforeAll(async () => {
    dir = tempDir('snowflake');
    output = join(dir.path, 'output');
    const snowflake = await fakeSnowflakeForAgent(dir.path, ACCOUNT, USER);
    fake = snowflake.fake;
    expect(statSync(snowflake.keyFile).mode & 0o777).toBe(0o600);
    env = {
      OPENSENSOR_STATE_DIR: join(dir.path, 'state'),
      OPENSENSOR_LOG_LEVEL: 'info',
      OPENSENSOR_LOG_JSON: 'true',
      ...snowflake.env,
      OPENSENSOR_STATION_NAME: STATION_NAME,
    };
  }, 60_000);

  afterAll(async () => {
    await killAll(processes);
    await fake?.stop();
    dir?.remove();
  });

  it('every reading and every health record is committed exactly once across SIGKILLs and an outage, and the committed rows are the lake', async () => {
    const random = seededRandom(4242);
    const runArgs = [
      'run',
      '--station-id',
      STATION,
      '--read-interval',
      '0.05',
      '--batch-duration',
      '60',
      '--output',
      output,
    ];
    const start = async () => {
      const p = new CliProcess('sim', runArgs, { cwd: dir.path, env });
      processes.push(p);
      await waitForLog(p, 'simulated station started');
      return p;
    };
    const committed = () => fake.rows(CHANNEL).length;

    // 1. Killed before its first batch (every 10 s) went out: its readings wait in the journal.
    // It is killed once it has journaled at least 15 records (readings and health), however slowly
    // the machine lets it read, then at a random moment.
    const first = await start();
    const journal = join(env.OPENSENSOR_STATE_DIR as string, 'sim', STATION, 'journal');
    await until(
      'the first run has journaled 15 records',
      async () => (await inspectJournal(journal)).lastSeq >= 15,
    );
    await sleep(random() * 700);
    const firstKilledAt = Date.now();
    expect(await first.kill()).toEqual({ code: null, signal: 'SIGKILL' });

    // 2-3. Each restart sends the backlog at once; kill it at a random moment after Snowflake has
    // committed rows, maybe before the journal cursor caught up. The first append's answer is
    // lost on the way back (the rows are accepted): the client must not send them twice.
    fake.inject({ kind: 'dropConnection', endpoint: 'append' });
    for (let i = 0; i < 2; i++) {
      const before = committed();
      const p = await start();
      await until('the restart has committed the backlog', () => committed() > before);
      await sleep(random() * 400);
      expect(await p.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    }
    expect(fake.stats.droppedConnections).toBe(1);

    // 4. An outage of Snowflake while the station reads on: nothing gets through, the rows wait in
    // the journal; once Snowflake is back, both channels catch up. Then a clean stop: what was sent
    // and committed stays; the rest waits in the journal.
    const before = committed();
    const last = await start();
    await until('the last run has committed the backlog', () => committed() > before);
    fake.setOutage(true);
    const outageStarted = Date.now();
    await sleep(1000 + random() * 1000);
    await until('the outage has refused requests of both channels', () => fake.stats.outageRequests >= 2);
    fake.setOutage(false);
    const outageEnded = Date.now();
    await until(
      'readings and health taken during the outage are committed',
      () =>
        fake.rows(CHANNEL).some((r) => Date.parse(String(r.timestamp)) > outageEnded) &&
        fake.rows(HEALTH_CHANNEL).some((r) => Date.parse(String(r.timestamp)) > outageStarted),
      60_000,
    );
    last.signal('SIGTERM');
    expect(await last.exited, last.stderr).toEqual({ code: 0, signal: null });

    // 5. A backfill of the next minute for the same station drains the journal into Snowflake.
    const from = Math.ceil(Date.now() / 60_000) * 60_000 + 60_000;
    const backfill = await runCli(
      'sim',
      [
        'backfill',
        '--station-id',
        STATION,
        '--start',
        new Date(from).toISOString(),
        '--end',
        new Date(from + 60_000).toISOString(),
        '--batch-duration',
        '60',
        '--output',
        output,
        '--json',
      ],
      { cwd: dir.path, env },
    );
    expect(backfill.code, backfill.stderr).toBe(0);

    for (const p of processes) expect(p.stderr).not.toMatch(/"level":"error"/);
    const rows = fake.rows(CHANNEL);
    const reader = await openLakeReader();
    try {
      expect(await duplicateReadings(reader, output)).toEqual([]);
      const lake = await reader.rows(
        `SELECT epoch_ms(timestamp)::DOUBLE AS t, temperature, pm25 FROM ${lakeGlob(output)} ORDER BY t`,
      );
      const lakeByTime = new Map(lake.map((r) => [r.t as number, r]));
      const times = rows.map((r) => Date.parse(String(r.timestamp)));
      expect(new Set(times).size).toBe(times.length); // exactly once
      expect(rows.every((r) => r.station_id === STATION)).toBe(true);
      expect([...times].sort((a, b) => a - b)).toEqual([...lakeByTime.keys()]); // and every one
      // The same values: Snowflake gets the shortest decimal of each 32-bit float in the lake.
      for (const r of rows) {
        const l = lakeByTime.get(Date.parse(String(r.timestamp)));
        expect([r.timestamp, Math.fround(r.temperature as number), r.pm25]).toEqual([
          r.timestamp,
          l?.temperature,
          l?.pm25,
        ]);
      }
      // The readings of the process killed before its first batch arrived through a later one.
      expect(times.filter((t) => t < firstKilledAt).length).toBeGreaterThan(10);
      // And the backfill's minute: 12 readings at the default 5 s.
      expect(times.filter((t) => t >= from)).toHaveLength(12);
    } finally {
      reader.close();
    }
    expect(fake.channel(CHANNEL)?.rowsErrorCount).toBe(0);
    expect(fake.stats.opens).toBeGreaterThanOrEqual(5);

    // The health records: their own channel, each once, each with the host and the station's name,
    // and exactly the health lake's records.
    const health = fake.rows(HEALTH_CHANNEL);
    const healthTimes = health.map((r) => Date.parse(String(r.timestamp)));
    expect(new Set(healthTimes).size).toBe(healthTimes.length);
    expect(health.every((r) => r.station_id === STATION)).toBe(true);
    expect(health.every((r) => r.hostname === hostname() && r.station_name === STATION_NAME)).toBe(true);
    const healthReader = await openLakeReader();
    try {
      const lakeHealth = await healthReader.rows(
        `SELECT epoch_ms(timestamp)::DOUBLE AS t, uptime_seconds::DOUBLE AS uptime FROM ${lakeGlob(`${output}-health`)} ORDER BY t`,
      );
      expect([...healthTimes].sort((a, b) => a - b)).toEqual(lakeHealth.map((r) => r.t));
      const uptimeByTime = new Map(health.map((r) => [Date.parse(String(r.timestamp)), r.uptime_seconds]));
      expect(lakeHealth.map((r) => uptimeByTime.get(r.t as number))).toEqual(lakeHealth.map((r) => r.uptime));
    } finally {
      healthReader.close();
    }
    // Some health records were taken by the processes killed before they streamed them.
    expect(healthTimes.filter((t) => t < firstKilledAt).length).toBeGreaterThan(0);
    expect(fake.channel(HEALTH_CHANNEL)?.rowsErrorCount).toBe(0);
  }, 180_000);

  it('opensensor start --simulate: killed mid-stream and restarted, every reading it sent is there exactly once', async () => {
    const station = '0193a5c1-4e2f-7b3a-8c1d-5f10c0ffee02';
    const channel = `opensensor_${station}`;
    const cwd = join(dir.path, 'agent');
    mkdirSync(cwd);
    const agentEnv = { ...env, OPENSENSOR_STATION_ID: station, OPENSENSOR_READ_INTERVAL: '1' };
    const lifetimes: Lifetime[] = [];
    const committed = () => fake.rows(channel).length;
    const start = async () => {
      const p = new CliProcess('agent', ['start', '--simulate'], { cwd, env: agentEnv });
      processes.push(p);
      const readyAt = await waitForLog(p, 'started');
      return { p, readyAt };
    };

    // Killed before its first batch: nothing of it has reached Snowflake yet.
    const first = await start();
    await sleep(2500);
    const firstEnd = Date.now();
    expect(await first.p.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    lifetimes.push({ readyAt: first.readyAt, endedAt: firstEnd });
    expect(committed()).toBe(0);

    // The restart sends that backlog at once and reads on; killed after Snowflake committed the backlog.
    const second = await start();
    await until('the restart has committed the backlog', () => committed() > 0);
    await sleep(1500);
    const secondEnd = Date.now();
    expect(await second.p.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    lifetimes.push({ readyAt: second.readyAt, endedAt: secondEnd });

    const before = committed();
    const third = await start();
    await until('the second restart has committed its backlog', () => committed() > before);
    third.p.signal('SIGTERM');
    const thirdEnd = Date.now();
    expect(await third.p.exited, third.p.stderr).toEqual({ code: 0, signal: null });
    lifetimes.push({ readyAt: third.readyAt, endedAt: thirdEnd });

    const times = fake.rows(channel).map((r) => Date.parse(String(r.timestamp)));
    expect(new Set(times).size).toBe(times.length);
    const sorted = [...times].sort((a, b) => a - b);
    // Readings of both killed processes arrived, and none is missing among them.
    expect(sorted.filter((t) => t < firstEnd).length).toBeGreaterThanOrEqual(1);
    expect(sorted.filter((t) => t > second.readyAt && t < secondEnd).length).toBeGreaterThanOrEqual(1);
    expect(
      unexplainedGaps(sorted, lifetimes, { intervalMs: 1000, lossSlackMs: 1250, resumeSlackMs: 1500 }),
    ).toEqual([]);
    // What the agent sent but had not committed when stopped is in its journal for the next start.
    const status = await runCli('agent', ['status', '--json'], { cwd, env: agentEnv });
    expect(status.code, status.stderr).toBe(0);
    const report = JSON.parse(status.stdout);
    expect(report.snowflake).toMatchObject({
      enabled: true,
      channel,
      state: { state: 'stopped', errors: 0 },
    });
    expect(fake.channel(channel)?.lastCommittedOffsetToken).toBe(String(report.snowflake.state.committedSeq));
  }, 60_000);
});
