import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliProcess, killAll, runCli, sleep, type TempDir, tempDir, waitForLog } from './processes.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('a new user: opensensor setup --yes, then start --simulate, in an empty directory', () => {
  let dir: TempDir | undefined;
  const processes: CliProcess[] = [];
  afterAll(async () => {
    await killAll(processes);
    dir?.remove();
  });

  it('sets up, collects simulated readings until SIGTERM, and reports them', async () => {
    dir = tempDir('new-user');
    const cwd = dir.path;
    expect(readdirSync(cwd)).toEqual([]);
    const setup = await runCli('agent', ['setup', '--yes'], { cwd });
    expect(setup.code, setup.stderr).toBe(0);
    expect(setup.stdout).toMatch(/Next steps:/);

    const envFile = join(cwd, '.env');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const dotenv = readFileSync(envFile, 'utf8');
    const station = /^OPENSENSOR_STATION_ID=(.+)$/m.exec(dotenv)?.[1];
    expect(station).toMatch(UUID_V7);
    for (const d of ['output', 'output-health', 'logs', 'state'])
      expect(existsSync(join(cwd, d)), d).toBe(true);

    const config = await runCli('agent', ['config'], { cwd });
    expect(config.code, config.stderr).toBe(0);
    expect(config.stdout).toContain(station);

    // Only the read interval is shortened, so a few readings take seconds rather than half a minute.
    const env = { OPENSENSOR_READ_INTERVAL: '1' };
    const agent = new CliProcess('agent', ['start', '--simulate'], { cwd, env });
    processes.push(agent);
    await waitForLog(agent, 'started');
    // Stop once the journal holds a few readings and a health record, however slow the machine.
    const until = Date.now() + 30_000;
    let live: { agent: unknown; journal: { lastSeq: number } };
    for (;;) {
      const r = await runCli('agent', ['status', '--json'], { cwd, env });
      expect(r.code, r.stderr).toBe(0);
      live = JSON.parse(r.stdout);
      if (live.journal.lastSeq >= 4 || Date.now() > until) break;
      await sleep(250);
    }
    expect(live.agent).toMatchObject({ running: true, pid: agent.pid, simulate: true });
    agent.signal('SIGTERM');
    expect(await agent.exited, agent.stderr).toEqual({ code: 0, signal: null });
    expect(agent.stderr).not.toMatch(/"level":"(error|warn)"/);
    expect(agent.stderr).toMatch(/"msg":"stopped cleanly"/);
    // Its log file is where setup said.
    expect(readFileSync(join(cwd, 'logs', 'opensensor.log'), 'utf8')).toMatch(/"msg":"stopped cleanly"/);

    const status = await runCli('agent', ['status', '--json'], { cwd });
    expect(status.code, status.stderr).toBe(0);
    const report = JSON.parse(status.stdout);
    expect(report).toMatchObject({
      station,
      board: 'enviroplus (simulated)',
      agent: { running: false, simulate: true },
      clockSynced: true,
    });
    // Readings and a health record, all journaled; the clean stop wrote the open 15-minute window,
    // so nothing waits in the journal and `opensensor sync` would upload every reading now.
    expect(report.journal.exists).toBe(true);
    expect(report.journal.lastSeq).toBeGreaterThanOrEqual(4);
    expect(report.journal.backlog.parquet).toBe(0);
    expect(report.lake.files).toBeGreaterThanOrEqual(1);
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
  }, 60_000);
});
