import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentCli, journalRecords, journalSizes, startAgent } from '../lib/agent-process.mjs';
import { summarize, summarizeFields } from '../lib/stats.mjs';

const PROBE = fileURLToPath(new URL('../workers/probe.mjs', import.meta.url));
const JOURNAL_DAY = fileURLToPath(new URL('../workers/journal-day.mjs', import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Spawn → exit of `node <args>`, in ms; with `probe`, also the child's peak RSS and CPU. */
export function timeProcess(args, { probe = false } = {}) {
  const dir = probe ? mkdtempSync(join(tmpdir(), 'opensensor-probe-')) : undefined;
  const out = dir ? join(dir, 'probe.json') : undefined;
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [...(probe ? ['--import', PROBE] : []), ...args], {
      stdio: 'ignore',
      env: { ...process.env, ...(out ? { OPENSENSOR_BENCH_PROBE: out } : {}) },
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) return reject(new Error(`node ${args.join(' ')} exited with ${code}`));
      let usage = {};
      if (out) {
        usage = JSON.parse(readFileSync(out, 'utf8'));
        rmSync(dir, { recursive: true, force: true });
      }
      resolve({ wallMs, ...usage });
    });
  });
}

/**
 * Spawn → the agent's "started" log line (configuration, modules, board and journal ready; the read
 * loop starts next), → the first record in the journal, → the first reading. Readings are taken on
 * the interval's grid (:00, :01, … at 1 s), so the first one waits for the next grid point after the
 * agent is ready; `startToReadingMs` is the cold start without that wait: ready + the time from the
 * reading's deadline to its record in the journal.
 */
export async function startToFirstReading(dir, { cli, since } = {}) {
  const agent = startAgent({ ...(dir ? { dir } : {}), ...(cli ? { cli } : {}) });
  const spawnedAt = Date.now();
  try {
    let firstRecordMs;
    for (;;) {
      const records = journalRecords(agent.journalDir, since);
      const elapsed = Number(process.hrtime.bigint() - agent.started) / 1e6;
      if (records.length > 0 && firstRecordMs === undefined) firstRecordMs = elapsed;
      const reading = records.find((r) => r.kind === 1);
      if (reading) {
        const now = Date.now();
        const readyMs = agent.startedLogMs();
        const mem = procStatusMB(agent.child.pid);
        return {
          // The agent's memory once it reads: resident now, and the peak so far (VmHWM); its CPU so far.
          rssMB: mem.VmRSS,
          peakRssMB: mem.VmHWM,
          cpuMs: procCpuMs(agent.child.pid),
          readyMs,
          startToReadingMs: readyMs + (now - reading.timestamp),
          firstRecordMs,
          firstReadingMs: elapsed,
          // From the reading's deadline (its timestamp) to seeing it in the journal.
          deadlineToJournalMs: now - reading.timestamp,
          gridWaitMs: reading.timestamp - spawnedAt - readyMs,
        };
      }
      if (agent.child.exitCode !== null) throw new Error(`the agent exited: ${agent.stderr().slice(-2000)}`);
      if (elapsed > 15_000) throw new Error('no reading was journaled within 15 s');
      await sleep(2);
    }
  } finally {
    await agent.stop();
    if (!dir) agent.cleanup();
  }
}

/** VmRSS and VmHWM of a live process, in MB (Linux /proc); NaN where /proc is missing. */
function procStatusMB(pid) {
  const out = { VmRSS: Number.NaN, VmHWM: Number.NaN };
  try {
    for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
      const m = /^(VmRSS|VmHWM):\s+(\d+) kB/.exec(line);
      if (m) out[m[1]] = Number(m[2]) / 1024;
    }
  } catch {
    // Not Linux: the figures stay NaN and are left out of the summaries.
  }
  return out;
}

/** User + system CPU of a live process so far, in ms (Linux /proc, 10 ms ticks); NaN elsewhere. */
function procCpuMs(pid) {
  try {
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/**
 * A lake of `days` days of one station (96 files a day, empty: only names matter to what start-up
 * does with the lake) in a fresh agent directory, with the agent's default paths.
 */
function prefilledLake(days) {
  const dir = mkdtempSync(join(tmpdir(), 'opensensor-agent-'));
  const station = '0190a8e2-7c4b-7000-8000-000000000001';
  const day0 = Date.UTC(2025, 0, 1);
  for (let d = 0; d < days; d++) {
    const t = new Date(day0 + d * 86_400_000);
    const part = `year=${t.getUTCFullYear()}/month=${String(t.getUTCMonth() + 1).padStart(2, '0')}/day=${String(t.getUTCDate()).padStart(2, '0')}`;
    for (const [root, prefix] of [
      ['output', 'data'],
      ['output-health', 'health'],
    ]) {
      const path = join(dir, root, `station=${station}`, part);
      mkdirSync(path, { recursive: true });
      for (let w = 1; w <= 96; w++) {
        const end = (w * 15) % 1440;
        const hhmm = `${String(Math.floor(end / 60)).padStart(2, '0')}${String(end % 60).padStart(2, '0')}`;
        writeFileSync(join(path, `${prefix}_${hhmm}.parquet`), '');
      }
    }
  }
  return dir;
}

/** 5. Cold start: `opensensor --help`, and `opensensor start --simulate` to its first journaled reading. */
export async function coldStart(ctx) {
  const { warmup, reps } = ctx.profile.coldStart;
  const cli = agentCli();
  for (const [label, args] of [
    ['node -e 0 (baseline)', ['-e', '0']],
    ['opensensor --help', [cli, '--help']],
  ]) {
    for (let i = 0; i < warmup; i++) await timeProcess(args);
    const runs = [];
    for (let i = 0; i < reps; i++) runs.push(await timeProcess(args));
    const probed = await timeProcess(args, { probe: true });
    ctx.emit({
      name: 'cold-start',
      params: { command: label },
      figures: {
        wallMs: summarize(
          runs.map((r) => r.wallMs),
          'ms',
        ),
        peakRssMB: summarize([probed.peakRssMB], 'MB'),
        cpuMs: summarize([probed.cpuMs], 'ms'),
      },
    });
  }
  for (let i = 0; i < warmup; i++) await startToFirstReading();
  const runs = [];
  for (let i = 0; i < reps; i++) runs.push(await startToFirstReading());
  ctx.emit({
    name: 'cold-start',
    params: { command: 'opensensor start --simulate', readIntervalSec: 1 },
    description:
      'readyMs: spawn → "started" log line; startToReadingMs: ready + deadline → reading in the journal (the cold start without the wait for the reading grid); firstReadingMs: spawn → first reading in the journal, grid wait included',
    figures: summarizeFields(runs, {
      readyMs: 'ms',
      startToReadingMs: 'ms',
      firstRecordMs: 'ms',
      firstReadingMs: 'ms',
      gridWaitMs: 'ms',
      deadlineToJournalMs: 'ms',
    }),
  });
  // After months on a station the lake holds tens of thousands of files: start-up must not grow with it.
  const days = ctx.profile.coldStart.lakeDays;
  if (days > 0) {
    const dir = prefilledLake(days);
    try {
      const full = [];
      for (let i = 0; i < warmup + reps; i++) {
        const r = await startToFirstReading(dir);
        rmSync(join(dir, 'state'), { recursive: true, force: true });
        if (i >= warmup) full.push(r);
      }
      ctx.emit({
        name: 'cold-start',
        params: {
          command: 'opensensor start --simulate',
          readIntervalSec: 1,
          lakeDays: days,
          lakeFiles: days * 192,
        },
        description: 'as above, with a lake of one station already on disk (data and health files)',
        figures: summarizeFields(full, { readyMs: 'ms', startToReadingMs: 'ms', firstRecordMs: 'ms' }),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  // A restart after a day of running: the journal's newest segment holds the day (committed). Opening
  // a journal scans its newest segment to find where it ends, from the consumers' resume point.
  for (const end of ['clean', 'killed']) {
    const runs = [];
    for (let i = 0; i < warmup + reps; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'opensensor-agent-'));
      try {
        const journalDir = join(dir, 'state', 'journal');
        await timeProcess([JOURNAL_DAY, journalDir, end]);
        const r = await startToFirstReading(dir, { since: journalSizes(journalDir) });
        if (i >= warmup) runs.push(r);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    ctx.emit({
      name: 'cold-start',
      params: {
        command: 'opensensor start --simulate',
        readIntervalSec: 1,
        journal: '1 day: 17,280 readings and 1,440 health records, committed',
        previousEnd: end === 'clean' ? 'clean stop' : 'killed',
      },
      description: `as above, restarted after a day of readings, the agent before it ${end === 'clean' ? 'stopped' : 'killed'} (bench/src/workers/journal-day.mjs)`,
      figures: summarizeFields(runs, { readyMs: 'ms', startToReadingMs: 'ms', firstRecordMs: 'ms' }),
    });
  }
}
