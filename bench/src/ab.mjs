// Before/after on a noisy machine: one station-day run alternately by another built checkout (the
// "before") and by this one, pair after pair, with the paired differences. A shared machine's speed
// drifts by a third within an hour (docs/performance.md, "Round 8"), more than most changes are
// worth; runs of the two builds side by side in time drift together.
//
// Usage: node bench/src/ab.mjs --base <dir> [--case pipeline|lake-only|cli] [--pairs 8] [--hours 24]
//   <dir>: a built checkout of this repository, e.g.
//     git worktree add /tmp/base <rev> && cd /tmp/base && pnpm install --offline --frozen-lockfile && pnpm build
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binNodeOptions, runCli, runToExit } from './lib/child.mjs';
import { summarize } from './lib/stats.mjs';

const THIS = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CASES = ['pipeline', 'lake-only', 'cli'];
const START = '2026-01-01T00:00:00.000Z';

function parseArgs(argv) {
  const args = { case: 'pipeline', pairs: 8, hours: 24 };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${argv[i - 1]} needs a value`);
      return v;
    };
    const a = argv[i];
    if (a === '--base') args.base = resolve(value());
    else if (a === '--case') args.case = value();
    else if (a === '--pairs') args.pairs = Number(value());
    else if (a === '--hours') args.hours = Number(value());
    else throw new Error(`unknown argument ${a}`);
  }
  if (!args.base) throw new Error('--base <dir> is required: a built checkout to compare this one with');
  if (!CASES.includes(args.case)) throw new Error(`--case: one of ${CASES.join(', ')}, got ${args.case}`);
  if (!Number.isInteger(args.pairs) || args.pairs < 2) throw new Error('--pairs: a whole number, at least 2');
  if (!Number.isInteger(args.hours) || args.hours < 1) throw new Error('--hours: a whole number of hours');
  return args;
}

/** The simulator's built script in `root`, which must exist (the checkout is built). */
function simCli(root) {
  const script = join(root, 'apps/simulator/dist/cli.js');
  if (!existsSync(script)) throw new Error(`${script} does not exist: build that checkout (pnpm build)`);
  return script;
}

/** One station-day by the checkout at `root`: process wall, the run's own time where it has one, CPU. */
async function runOnce(root, args, outParent) {
  const sim = simCli(root);
  const out = mkdtempSync(join(outParent, 'run-'));
  if (args.case === 'cli') {
    const end = new Date(Date.parse(START) + args.hours * 3_600_000).toISOString();
    const r = await runCli([sim, 'backfill', '--start', START, '--end', end, '--output', 'lake', '--json'], {
      cwd: out,
    });
    return { wallMs: r.wallMs, runMs: r.summary.seconds * 1000, cpuMs: r.cpuMs };
  }
  const worker = join(root, 'bench/src/workers/backfill.mjs');
  const params = { mode: args.case, hours: args.hours, removeOutput: 'parent', dir: out };
  const { code, stdout, stderr, wallMs } = await runToExit(process.execPath, [
    ...binNodeOptions(sim),
    worker,
    JSON.stringify(params),
  ]);
  const line = stdout.trim().split('\n').pop();
  if (code !== 0 || !line) throw new Error(`${worker} exited with code ${code}: ${stderr.slice(-2000)}`);
  const r = JSON.parse(line);
  return { wallMs, runMs: r.runMs, cpuMs: r.cpuMs };
}

function line(label, s) {
  return `${label.padEnd(28)} ${String(s.median).padStart(8)} ${s.unit}  [${s.min} – ${s.max}]  n=${s.n}`;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const sides = { before: args.base, after: THIS };
  // Every output stays until the end: on ext4, creating files right after deleting many is slower,
  // which would penalise whichever side runs after a deletion.
  const outParent = mkdtempSync(join(tmpdir(), 'opensensor-ab-'));
  const results = { before: [], after: [] };
  try {
    for (const side of Object.keys(sides)) mkdirSync(join(outParent, side));
    for (let i = 0; i < args.pairs; i++) {
      // Alternating which side goes first cancels a drift within the pair.
      const order = i % 2 === 0 ? ['before', 'after'] : ['after', 'before'];
      for (const side of order) results[side].push(await runOnce(sides[side], args, join(outParent, side)));
      const [b, a] = [results.before[i], results.after[i]];
      process.stderr.write(
        `pair ${i + 1}/${args.pairs}: before ${b.wallMs.toFixed(0)} ms, after ${a.wallMs.toFixed(0)} ms\n`,
      );
    }
  } finally {
    rmSync(outParent, { recursive: true, force: true });
  }
  const report = { case: args.case, hours: args.hours, base: args.base, pairs: args.pairs, figures: {} };
  const out = [`${args.case}, ${args.hours} h, ${args.pairs} alternated pairs; before = ${args.base}`];
  for (const [name, unit] of [
    ['wallMs', 'ms'],
    ['runMs', 'ms'],
    ['cpuMs', 'ms'],
  ]) {
    const before = summarize(
      results.before.map((r) => r[name]),
      unit,
    );
    const after = summarize(
      results.after.map((r) => r[name]),
      unit,
    );
    const diffs = results.after.map((r, i) => r[name] - results.before[i][name]);
    const diff = summarize(diffs, unit);
    const faster = diffs.filter((d) => d < 0).length;
    report.figures[name] = { before, after, difference: diff, afterLowerInPairs: faster };
    out.push(
      line(`${name} before`, before),
      line(`${name} after`, after),
      `${line(`${name} after − before`, diff)}  (after lower in ${faster} of ${diffs.length} pairs)`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n${JSON.stringify(report)}\n`);
}

await main();
