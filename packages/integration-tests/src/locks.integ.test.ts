import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectJournal } from '@opensensor/buffer';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CliProcess,
  killAll,
  logLines,
  REPO_ROOT,
  runCli,
  sleep,
  type TempDir,
  tempDir,
  waitForLog,
} from './processes.js';

const STATION = '0193a5c1-4e2f-7b3a-8c1d-2f6e9a0b4c7d';
const hasProc = existsSync('/proc/1/stat') && existsSync('/proc/sys/kernel/random/boot_id');

let dir: TempDir | undefined;
const processes: CliProcess[] = [];
afterEach(async () => {
  await killAll(processes.splice(0));
  dir?.remove();
  dir = undefined;
});

function start(cli: 'agent' | 'sim', args: string[], env: Record<string, string>): CliProcess {
  const p = new CliProcess(cli, args, { cwd: (dir as TempDir).path, env });
  processes.push(p);
  return p;
}

const tookOver = (p: CliProcess) => logLines(p).filter((l) => l.msg === 'took over a stale lock');

describe('two writers for one station: the second is refused', () => {
  it('opensensor start and opensensor-sim run with the same station id and output, each with its own journal', async () => {
    dir = tempDir('two-writers');
    const output = join(dir.path, 'output');
    const stationDir = join(output, `station=${STATION}`);
    const agentEnv = {
      OPENSENSOR_STATION_ID: STATION,
      OPENSENSOR_OUTPUT_DIR: output,
      OPENSENSOR_STATE_DIR: join(dir.path, 'agent-state'),
      OPENSENSOR_READ_INTERVAL: '1',
      OPENSENSOR_LOG_JSON: 'true',
      OPENSENSOR_LOG_LEVEL: 'info',
    };
    const simEnv = {
      OPENSENSOR_STATE_DIR: join(dir.path, 'sim-state'),
      OPENSENSOR_LOG_JSON: 'true',
      OPENSENSOR_LOG_LEVEL: 'info',
    };
    const simArgs = ['run', '--station-id', STATION, '--output', output, '--read-interval', '0.2'];

    // The agent runs; the simulator for the same station and lake is refused at once, with one line.
    const agent = start('agent', ['start', '--simulate'], agentEnv);
    await waitForLog(agent, 'started');
    const refusedSim = await runCli('sim', simArgs, { cwd: dir.path, env: simEnv });
    expect(refusedSim.code, refusedSim.stderr).toBe(1);
    expect(refusedSim.stderr).toBe(
      `opensensor-sim: Station ${STATION} is already being written to ${stationDir} by process ${agent.pid} (opensensor start --simulate); ` +
        "two writers with their own journals would drop each other's readings. " +
        'Stop that process first, or give this one another station id or output directory.\n',
    );
    // The refused simulator journaled nothing: it stopped before its first reading.
    expect((await inspectJournal(join(simEnv.OPENSENSOR_STATE_DIR, 'sim', STATION, 'journal'))).lastSeq).toBe(
      0,
    );
    expect(agent.running).toBe(true);
    agent.signal('SIGTERM');
    expect(await agent.exited, agent.stderr).toEqual({ code: 0, signal: null });
    expect(existsSync(join(stationDir, '.lock'))).toBe(false);

    // The other way round: the simulator runs, the agent is refused and says so in one line.
    const sim = start('sim', simArgs, simEnv);
    await waitForLog(sim, 'simulated station started');
    const refusedAgent = await runCli('agent', ['start', '--simulate'], { cwd: dir.path, env: agentEnv });
    expect(refusedAgent.code, refusedAgent.stderr).toBe(1);
    expect(refusedAgent.stderr).toBe(
      `error: Station ${STATION} is already being written to ${stationDir} by process ${sim.pid} (opensensor-sim run); ` +
        "two writers with their own journals would drop each other's readings. " +
        'Stop that process first, or give this one another station id or output directory.\n',
    );
    // status names the other writer of this station's lake.
    const whileSim = await runCli('agent', ['status', '--json'], { cwd: dir.path, env: agentEnv });
    expect(JSON.parse(whileSim.stdout)).toMatchObject({
      agent: { running: false },
      lake: { writer: { pid: sim.pid, label: 'opensensor-sim run' } },
    });

    // kill -9 leaves the lake lock behind; the next writer takes it over instead of staying down.
    expect(await sim.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(existsSync(join(stationDir, '.lock'))).toBe(true);
    const again = start('agent', ['start', '--simulate'], agentEnv);
    await waitForLog(again, 'started');
    expect(tookOver(again)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: 'warn',
          lock: join(stationDir, '.lock'),
          pid: sim.pid,
          holder: 'opensensor-sim run',
          reason: 'its process is gone',
        }),
      ]),
    );
    const live = await runCli('agent', ['status', '--json'], { cwd: dir.path, env: agentEnv });
    expect(JSON.parse(live.stdout)).toMatchObject({
      agent: { running: true, pid: again.pid, holder: 'opensensor start --simulate' },
      lake: { writer: { pid: again.pid } },
    });
    again.signal('SIGTERM');
    expect(await again.exited, again.stderr).toEqual({ code: 0, signal: null });

    for (const p of [agent, again]) {
      expect(p.stderr).not.toContain('window already partly in the lake');
      expect(p.stderr).not.toMatch(/"level":"error"/);
    }
    expect(existsSync(join(stationDir, '.lock'))).toBe(false);
    expect(existsSync(join(`${output}-health`, `station=${STATION}`, '.lock'))).toBe(false);
  }, 90_000);
});

describe.skipIf(!hasProc)('a lock left by a killed agent whose pid now belongs to another process', () => {
  it('does not keep the station down: status says not running, start takes the lock over', async () => {
    dir = tempDir('reused-pid');
    const env = {
      OPENSENSOR_STATION_ID: STATION,
      OPENSENSOR_READ_INTERVAL: '1',
      OPENSENSOR_LOG_JSON: 'true',
      OPENSENSOR_LOG_LEVEL: 'info',
    };
    const first = start('agent', ['start', '--simulate'], env);
    await waitForLog(first, 'started');
    const statusPath = join(dir.path, 'state', 'status.json');
    // The status file is published just after the 'started' line.
    for (let waited = 0; !existsSync(statusPath) && waited < 20_000; waited += 50) await sleep(50);
    await first.kill();

    // The killed agent's pid now belongs to another process of this boot: pid 1 stands for it. The
    // LOCK and the status file keep everything else the agent wrote (its boot id and start time).
    const lockPath = join(dir.path, 'state', 'journal', 'LOCK');
    const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
    expect(lock).toMatchObject({ pid: first.pid, label: 'opensensor start --simulate' });
    writeFileSync(lockPath, JSON.stringify({ ...lock, pid: 1 }));
    writeFileSync(statusPath, JSON.stringify({ ...JSON.parse(readFileSync(statusPath, 'utf8')), pid: 1 }));

    const down = await runCli('agent', ['status', '--json'], { cwd: dir.path, env });
    expect(down.code, down.stderr).toBe(0);
    expect(JSON.parse(down.stdout).agent).toMatchObject({ running: false, pid: null });

    const second = start('agent', ['start', '--simulate'], env);
    await waitForLog(second, 'started');
    expect(second.stderr).not.toContain('already open');
    expect(tookOver(second)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ lock: lockPath, pid: 1, reason: 'its pid now belongs to another process' }),
      ]),
    );
    const up = await runCli('agent', ['status', '--json'], { cwd: dir.path, env });
    expect(JSON.parse(up.stdout).agent).toMatchObject({ running: true, pid: second.pid });
    second.signal('SIGTERM');
    expect(await second.exited, second.stderr).toEqual({ code: 0, signal: null });
  }, 60_000);
});

describe('a stale lock found by several processes at once', () => {
  it('is taken by exactly one of them', async () => {
    dir = tempDir('lock-race');
    mkdirSync(join(dir.path, 'lake'));
    const lockPath = join(dir.path, 'lake', '.lock');
    // A lock of a process that cannot exist (above Linux's pid_max): stale for everyone.
    writeFileSync(lockPath, JSON.stringify({ pid: 4194305, bootId: null, startTime: null }));
    // Each child tries once, reports, and keeps what it got until the test closes its stdin, so every
    // attempt happens while a winner is alive, however the processes are scheduled.
    const script = `
      import { tryAcquireProcessLock } from '@opensensor/buffer';
      const a = tryAcquireProcessLock(process.argv[1]);
      process.stdout.write(a.acquired ? 'acquired\\n' : 'refused ' + a.holder.pid + '\\n');
      process.stdin.resume();
      process.stdin.on('end', () => { if (a.acquired) a.lock.release(); });`;
    const children = Array.from({ length: 8 }, () =>
      spawn(process.execPath, ['--input-type=module', '-e', script, lockPath], {
        cwd: join(REPO_ROOT, 'packages/integration-tests'),
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
    );
    try {
      const results = await Promise.all(
        children.map(
          (c) =>
            new Promise<string>((resolve, reject) => {
              let out = '';
              let err = '';
              c.stdout.on('data', (d) => {
                out += d;
                if (out.endsWith('\n')) resolve(out.trim());
              });
              c.stderr.on('data', (d) => {
                err += d;
              });
              c.on('exit', (code) => reject(new Error(`child exited ${code} before answering: ${err}`)));
            }),
        ),
      );
      const winners = children.filter((_, i) => results[i] === 'acquired');
      expect(winners).toHaveLength(1);
      const winner = (winners[0] as (typeof children)[number]).pid;
      expect(results.filter((r) => r !== 'acquired')).toEqual(Array(7).fill(`refused ${winner}`));
      expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(winner);
    } finally {
      for (const c of children) c.stdin.end();
      await Promise.all(
        children.map((c) =>
          c.exitCode !== null || c.signalCode !== null
            ? undefined
            : new Promise((resolve) => c.once('exit', resolve)),
        ),
      );
    }
  }, 60_000);
});
