import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAgent } from '../lib/agent-process.mjs';
import { procSample } from '../lib/proc.mjs';
import { summarize, summarizeFields } from '../lib/stats.mjs';
import { repeat } from './backfill.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The agent's `started` log line (JSON logs), or undefined. */
function startedLog(stderr) {
  const line = stderr.split('\n').find((l) => l.includes('"msg":"started"'));
  return line ? JSON.parse(line) : undefined;
}

/** True once a `.parquet` file exists anywhere under `dir`. */
function hasParquet(dir) {
  try {
    return readdirSync(dir, { recursive: true }).some((name) => String(name).endsWith('.parquet'));
  } catch {
    return false;
  }
}

/**
 * 4. The agent's steady state: a real process for memory, then simulated hours for CPU and write
 * volume, run with the V8 flags the real agent reported setting for itself (v8-flags.ts).
 */
export async function agentSteadyState(ctx) {
  const { warmupMs, sampleMs, batchDurationSec, waitForWindow } = ctx.profile.realtime;
  const agent = startAgent({ env: { OPENSENSOR_BATCH_DURATION: String(batchDurationSec) } });
  let v8Flags;
  try {
    // Steady state includes the lake writer: wait until the first window file is on disk (the
    // encoder and zstd are loaded then), at most one window plus its close grace.
    const began = Date.now();
    const deadline = waitForWindow ? began + (batchDurationSec + 10) * 1000 : began;
    while (!hasParquet(join(agent.dir, 'output')) && Date.now() < deadline) {
      if (agent.child.exitCode !== null) throw new Error(`the agent exited: ${agent.stderr().slice(-2000)}`);
      await sleep(500);
    }
    const firstWindowS = hasParquet(join(agent.dir, 'output')) ? (Date.now() - began) / 1000 : null;
    await sleep(warmupMs);
    const first = procSample(agent.child.pid);
    if (!first) throw new Error(`the agent exited during warm-up: ${agent.stderr().slice(-2000)}`);
    const samples = [];
    const t0 = process.hrtime.bigint();
    for (let waited = 0; waited < sampleMs; waited += 1000) {
      await sleep(1000);
      const s = procSample(agent.child.pid);
      if (s) samples.push(s);
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const last = samples[samples.length - 1] ?? first;
    const { code } = await agent.stop();
    if (code !== 0) throw new Error(`the agent exited with ${code}: ${agent.stderr().slice(-2000)}`);
    const status = JSON.parse(readFileSync(join(agent.dir, 'state', 'status.json'), 'utf8'));
    v8Flags = startedLog(agent.stderr())?.v8Flags;
    // The simulated hours below run with these: an agent that did not say which it set is a failure.
    if (!Array.isArray(v8Flags)) {
      throw new Error(`the agent's started line names no v8Flags: ${agent.stderr().slice(-2000)}`);
    }
    const perHour = 3600 / seconds;
    ctx.emit({
      name: 'agent-steady-state',
      params: {
        clock: 'real',
        command: 'opensensor start --simulate',
        readIntervalSec: 1,
        batchDurationSec,
        warmupS: warmupMs / 1000,
        sampleS: sampleMs / 1000,
        startedSamplingAfterFirstWindow: firstWindowS !== null,
        v8Flags,
      },
      description:
        'RSS sampled from /proc every second after warm-up; CPU and write(2) volume over the sample',
      figures: {
        rssMB: summarize(
          samples.map((s) => s.rssMB),
          'MB',
        ),
        peakRssMB: summarize([last.peakRssMB], 'MB'),
        cpuPercent: summarize([((last.cpuMs - first.cpuMs) / 1000 / seconds) * 100], '%'),
        writeBytesPerHour: summarize([(last.writeBytes - first.writeBytes) * perHour], 'B/h'),
        readings: summarize([status.station.stats.readings], 'readings'),
        windowsWritten: summarize([status.station.lake.windows], 'files'),
      },
    });
  } finally {
    await agent.stop();
    agent.cleanup();
  }
  const { hours, warmup, reps } = ctx.profile.agent;
  const sims = await repeat('agent-sim', { hours, v8Flags }, { warmup, reps });
  ctx.emit({
    name: 'agent-steady-state',
    params: {
      clock: 'simulated',
      hours,
      readIntervalSec: 5,
      batchDurationSec: 900,
      health: 'every 12 readings',
      journalFsync: 'interval 1000 ms',
      compression: 'zstd',
      v8Flags,
    },
    description:
      'the station `opensensor start --simulate` builds from the defaults, run through simulated hours',
    figures: summarizeFields(sims, {
      cpuSecondsPerSimHour: 's/h',
      peakRssMB: 'MB',
      journalBytesPerHour: 'B/h',
      lakeBytesPerHour: 'B/h',
      writeBytesPerHour: 'B/h',
      writeCallsPerHour: 'calls/h',
    }),
  });
}
