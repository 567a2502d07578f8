import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { agentCli } from '../lib/agent-process.mjs';
import { summarize } from '../lib/stats.mjs';

const run = promisify(execFile);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The simulator runs at 60 s readings to keep the set-up short: the gold files a month view reads
 * are the same size at any read interval. The profile sets `days`, `warmup` and `reps`.
 */
const DEFAULTS = { days: 30, start: '2026-06-01T00:00:00Z', readIntervalSec: 60, warmup: 1, reps: 5 };

/**
 * 8. The dashboard: its JavaScript gzipped (budget 250 KB), and the time from navigation to the first
 * chart of a station-month drawn in headless chromium, served by `opensensor dashboard` on loopback.
 */
export async function dashboard(ctx) {
  const agent = agentCli();
  const assets = join(dirname(agent), 'dashboard', 'assets');
  if (!existsSync(assets)) throw new Error(`${assets} does not exist: run \`pnpm build\` first`);
  const js = readdirSync(assets).filter((f) => f.endsWith('.js'));
  const css = readdirSync(assets).filter((f) => f.endsWith('.css'));
  const size = (files, gz) =>
    files.reduce((n, f) => {
      const bytes = readFileSync(join(assets, f));
      return n + (gz ? gzipSync(bytes, { level: 9 }).length : bytes.length);
    }, 0);
  ctx.emit({
    name: 'dashboard-size',
    params: { files: js.length, gzip: 'level 9', budgetKB: 250 },
    figures: {
      jsGzipKB: { ...summarize([size(js, true) / 1024], 'KB') },
      jsRawKB: { ...summarize([size(js, false) / 1024], 'KB') },
      cssGzipKB: { ...summarize([size(css, true) / 1024], 'KB') },
    },
  });

  if (!existsSync(CHROMIUM)) {
    ctx.emit({
      name: 'dashboard-first-chart',
      params: {},
      figures: {},
      skipped: `${CHROMIUM} not found (apt-get install chromium)`,
    });
    return;
  }
  const p = { ...DEFAULTS, ...ctx.profile.dashboard };
  const dir = mkdtempSync(join(tmpdir(), 'opensensor-bench-dashboard-'));
  let server;
  let browser;
  try {
    const require = createRequire(import.meta.url);
    const sim = join(dirname(require.resolve('opensensor-sim/package.json')), 'dist', 'cli.js');
    const end = new Date(Date.parse(p.start) + p.days * 86_400_000).toISOString();
    const env = { ...process.env, OPENSENSOR_STATE_DIR: join(dir, 'state') };
    await run(
      process.execPath,
      [
        sim,
        'backfill',
        '--start',
        p.start,
        '--end',
        end,
        '--read-interval',
        String(p.readIntervalSec),
        '--batch-duration',
        '3600',
        '--output',
        join(dir, 'output'),
      ],
      { cwd: dir, env, maxBuffer: 64 * 1024 * 1024 },
    );
    const lakehouse = join(dir, 'lakehouse');
    await run(
      process.execPath,
      [agent, 'lake', 'build', '--from', join(dir, 'output'), '--lakehouse', lakehouse],
      { cwd: dir, env },
    );
    const catalog = JSON.parse(readFileSync(join(lakehouse, 'catalog.json'), 'utf8'));
    const station = catalog.files[0].station;
    server = spawn(process.execPath, [agent, 'dashboard', '--lakehouse', lakehouse, '--port', '0'], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no URL from opensensor dashboard: ${out}`)), 60_000);
      server.stdout.on('data', (d) => {
        out += d;
        const m = /Dashboard: (\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      server.on('exit', (code) => reject(new Error(`opensensor dashboard exited (${code}): ${out}`)));
    });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
    const last = new Date(Date.parse(end) - 1).toISOString().slice(0, 10);
    const page = `${url}?view=station&station=${station}&m=pm25&from=${p.start.slice(0, 10)}&to=${last}`;
    const firstChart = [];
    const ready = [];
    // Where the time to the first chart goes, from the navigation and resource timings and the
    // app's marks (os:app-start, os:catalog, os:data, os:first-chart), each as ms since navigation start.
    const steps = { html: [], scriptLoaded: [], appStart: [], catalog: [], goldFetched: [], data: [] };
    for (let i = 0; i < p.warmup + p.reps; i++) {
      // A fresh context each time: nothing cached from the previous repetition.
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const tab = await context.newPage();
      await tab.goto(page);
      await tab.waitForSelector('main[data-ready="true"]', { timeout: 60_000 });
      const first = Number(await tab.locator('[data-first-chart]').getAttribute('data-first-chart'));
      const all = await tab.evaluate(() => performance.now());
      const timing = await tab.evaluate(() => {
        const mark = (name) => performance.getEntriesByName(name, 'mark')[0]?.startTime ?? null;
        const resources = performance.getEntriesByType('resource');
        const chart = mark('os:first-chart') ?? Number.POSITIVE_INFINITY;
        const nav = performance.getEntriesByType('navigation')[0];
        return {
          html: nav?.responseEnd ?? null,
          scriptLoaded: Math.max(
            ...resources.filter((r) => r.name.endsWith('.js')).map((r) => r.responseEnd),
          ),
          appStart: mark('os:app-start'),
          catalog: mark('os:catalog'),
          goldFetched: Math.max(
            ...resources
              .filter((r) => r.name.endsWith('.parquet') && r.responseEnd <= chart)
              .map((r) => r.responseEnd),
          ),
          data: mark('os:data'),
        };
      });
      if (i >= p.warmup) {
        firstChart.push(first);
        ready.push(all);
        for (const [k, v] of Object.entries(timing)) if (Number.isFinite(v)) steps[k].push(v);
      }
      await context.close();
    }
    ctx.emit({
      name: 'dashboard-first-chart',
      params: {
        days: p.days,
        view: 'station, PM2.5 hourly means of the range',
        budgetMs: 1000,
        browser: 'headless chromium, loopback',
      },
      figures: {
        firstChartMs: summarize(firstChart, 'ms'),
        wholeViewMs: summarize(ready, 'ms'),
        // The steps on the way, ms since navigation start (medians of the same repetitions).
        ...Object.fromEntries(
          Object.entries(steps)
            .filter(([, v]) => v.length)
            .map(([k, v]) => [`${k}AtMs`, summarize(v, 'ms')]),
        ),
      },
    });
  } finally {
    await browser?.close();
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
