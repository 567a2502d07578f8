import { createServer } from 'node:net';
import { startAgent } from '../lib/agent-process.mjs';
import { procSample } from '../lib/proc.mjs';
import { summarize } from '../lib/stats.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * One agent lifetime: `opensensor start --simulate` at 1 reading a second, with the metrics endpoint
 * off, on but not scraped (asked once at start, to prove it answers), or on and scraped every
 * `scrapeEveryMs` as a Prometheus server would. RSS from /proc every second after the warm-up; CPU
 * over the sample.
 */
async function lifetime({ metrics, scraped, warmupMs, sampleMs, scrapeEveryMs }) {
  const port = metrics ? await freePort() : null;
  const agent = startAgent({ env: metrics ? { OPENSENSOR_METRICS_PORT: String(port) } : {} });
  const scrapeMs = [];
  let scrapeBytes = 0;
  const scrape = async () => {
    const t = process.hrtime.bigint();
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${text.slice(0, 200)}`);
    scrapeMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    scrapeBytes = text.length;
  };
  try {
    // Ready: the "started" log line (and, with metrics, the endpoint answers).
    while (agent.startedLogMs() === undefined) {
      if (agent.child.exitCode !== null) throw new Error(`the agent exited: ${agent.stderr().slice(-2000)}`);
      await sleep(100);
    }
    if (metrics) await scrape();
    await sleep(warmupMs);
    const first = procSample(agent.child.pid);
    if (!first) throw new Error(`the agent exited during warm-up: ${agent.stderr().slice(-2000)}`);
    const rss = [];
    const t0 = process.hrtime.bigint();
    let nextScrape = metrics && scraped ? Date.now() : Number.POSITIVE_INFINITY;
    for (let waited = 0; waited < sampleMs; waited += 1000) {
      if (Date.now() >= nextScrape) {
        await scrape();
        nextScrape += scrapeEveryMs;
      }
      await sleep(1000);
      const s = procSample(agent.child.pid);
      if (s) rss.push(s.rssMB);
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const last = procSample(agent.child.pid) ?? first;
    const { code } = await agent.stop();
    if (code !== 0) throw new Error(`the agent exited with ${code}: ${agent.stderr().slice(-2000)}`);
    return {
      rssMB: rss.sort((a, b) => a - b)[Math.floor(rss.length / 2)],
      peakRssMB: last.peakRssMB,
      cpuPercent: ((last.cpuMs - first.cpuMs) / 1000 / seconds) * 100,
      scrapeMs,
      scrapeBytes,
    };
  } finally {
    await agent.stop();
    agent.cleanup();
  }
}

/**
 * The cost of the metrics endpoint (issue 16): the same agent with OPENSENSOR_METRICS_PORT unset and
 * set, alternating lifetimes so that a disturbance of the machine falls on both.
 */
export async function metricsCost(ctx) {
  const { warmupMs, sampleMs, reps, scrapeEveryMs } = ctx.profile.metrics;
  const off = [];
  const idle = [];
  const on = [];
  const common = { warmupMs, sampleMs, scrapeEveryMs };
  for (let i = 0; i < reps; i++) {
    off.push(await lifetime({ ...common, metrics: false, scraped: false }));
    idle.push(await lifetime({ ...common, metrics: true, scraped: false }));
    on.push(await lifetime({ ...common, metrics: true, scraped: true }));
  }
  const scrapes = on.flatMap((r) => r.scrapeMs);
  ctx.emit({
    name: 'metrics-endpoint-cost',
    params: {
      command: 'opensensor start --simulate',
      readIntervalSec: 1,
      warmupS: warmupMs / 1000,
      sampleS: sampleMs / 1000,
      scrapeEveryS: scrapeEveryMs / 1000,
      lifetimesEach: reps,
    },
    description:
      'RSS (median of 1 s samples per lifetime) and CPU over the sample: metrics off, on but not scraped, on and scraped; alternating lifetimes',
    figures: {
      rssOffMB: summarize(
        off.map((r) => r.rssMB),
        'MB',
      ),
      rssIdleMB: summarize(
        idle.map((r) => r.rssMB),
        'MB',
      ),
      rssOnMB: summarize(
        on.map((r) => r.rssMB),
        'MB',
      ),
      peakRssOffMB: summarize(
        off.map((r) => r.peakRssMB),
        'MB',
      ),
      peakRssIdleMB: summarize(
        idle.map((r) => r.peakRssMB),
        'MB',
      ),
      peakRssOnMB: summarize(
        on.map((r) => r.peakRssMB),
        'MB',
      ),
      cpuOffPercent: summarize(
        off.map((r) => r.cpuPercent),
        '%',
      ),
      cpuIdlePercent: summarize(
        idle.map((r) => r.cpuPercent),
        '%',
      ),
      cpuOnPercent: summarize(
        on.map((r) => r.cpuPercent),
        '%',
      ),
      scrapeMs: summarize(scrapes, 'ms'),
      scrapeBytes: summarize([on[on.length - 1]?.scrapeBytes ?? 0], 'B'),
    },
  });
}
