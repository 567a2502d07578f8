import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentCli } from '../lib/agent-process.mjs';
import { summarize, summarizeFields } from '../lib/stats.mjs';
import { startToFirstReading, timeProcess } from './cold-start.mjs';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const PACK = join(ROOT, 'scripts/release/pack.mjs');
/** The npm cache the release integration test uses too: a second run measures a warm install. */
const NPM_CACHE = join(tmpdir(), 'opensensor-release-test-npm-cache');

function exec(command, args, options) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    execFile(command, args, { maxBuffer: 64 * 1024 * 1024, ...options }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${command} ${args.join(' ')}: ${err.message}\n${stderr}`));
      resolve({ stdout, ms: Number(process.hrtime.bigint() - started) / 1e6 });
    });
  });
}

/** Bytes on disk (allocated blocks, like du) and package count under a directory. */
function diskUsage(dir) {
  let bytes = 0;
  let packages = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const s = lstatSync(p);
      bytes += s.blocks * 512;
      if (e.isDirectory()) {
        if (existsSync(join(p, 'package.json')) && d.endsWith('node_modules')) packages++;
        else if (e.name.startsWith('@') && d.endsWith('node_modules'))
          packages += readdirSync(p).filter((n) => existsSync(join(p, n, 'package.json'))).length;
        walk(p);
      }
    }
  };
  walk(dir);
  return { bytes, packages };
}

/**
 * The release artifact (issue 19): the agent's tarball packed from this checkout and installed with
 * `npm install -g --prefix` outside the workspace, against the workspace build it was packed from.
 * Reports the tarball's size, the install (time with npm's cache as it is, size on disk, packages) and,
 * alternating the two builds repetition by repetition, `--help` and `start --simulate` cold starts
 * with their RSS.
 */
export async function releaseArtifact(ctx) {
  const { warmup, reps } = ctx.profile.release;
  const dir = mkdtempSync(join(tmpdir(), 'opensensor-bench-release-'));
  try {
    const out = join(dir, 'tarballs');
    const packed = await exec(process.execPath, [PACK, '--apps-only', '--no-build', '--json', '--out', out], {
      cwd: ROOT,
    });
    const agentTarball = packed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((t) => t.name === 'opensensor');
    const prefix = join(dir, 'prefix');
    mkdirSync(join(dir, 'home'));
    // Nothing of pnpm's npm_* variables (`pnpm bench` sets them); this machine's way to the registry kept.
    const env = {
      HOME: join(dir, 'home'),
      PATH: [dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter),
    };
    for (const [k, v] of Object.entries(process.env))
      if (!/^npm_/i.test(k) && /PROXY|_CA_|SSL/i.test(k) && v) env[k] = v;
    for (const key of ['registry', 'cafile']) {
      const v = (await exec('npm', ['config', 'get', key], { cwd: dir })).stdout.trim();
      if (v && v !== 'null' && v !== 'undefined') env[`npm_config_${key}`] = v;
    }
    env.npm_config_cache = NPM_CACHE;
    env.npm_config_update_notifier = 'false';
    const install = await exec(
      'npm',
      ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', agentTarball.file],
      { cwd: dir, env },
    );
    const packageDir = join(prefix, 'lib', 'node_modules', 'opensensor');
    const usage = diskUsage(packageDir);
    ctx.emit({
      name: 'release',
      params: { artifact: 'opensensor tarball, npm install -g' },
      description:
        'tarball as packed; the install with npm cache as it is (warm after the first run: the registry is not measured); size on disk of the installed package with its node_modules',
      figures: {
        tarballKB: summarize([agentTarball.bytes / 1024], 'KB'),
        unpackedKB: summarize([agentTarball.unpackedBytes / 1024], 'KB'),
        installMs: summarize([install.ms], 'ms'),
        installedMB: summarize([usage.bytes / 1024 / 1024], 'MB'),
        packages: summarize([usage.packages], 'packages'),
      },
    });

    const builds = { workspace: agentCli(), installed: join(packageDir, 'dist', 'cli.js') };
    const help = { workspace: [], installed: [] };
    const start = { workspace: [], installed: [] };
    for (let i = 0; i < warmup + reps; i++) {
      for (const [build, cli] of Object.entries(builds)) {
        const h = await timeProcess(['--', cli, '--help'], { probe: true });
        const s = await startToFirstReading(undefined, { cli });
        if (i < warmup) continue;
        help[build].push(h);
        start[build].push(s);
      }
    }
    for (const build of Object.keys(builds)) {
      ctx.emit({
        name: 'release',
        params: { build, command: 'opensensor --help' },
        figures: summarizeFields(help[build], { wallMs: 'ms', peakRssMB: 'MB', cpuMs: 'ms' }),
      });
      ctx.emit({
        name: 'release',
        params: { build, command: 'opensensor start --simulate', readIntervalSec: 1 },
        description:
          'as cold-start; cpuMs (user + system, 10 ms ticks), rssMB and peakRssMB are the agent’s when its first reading is in the journal',
        figures: summarizeFields(start[build], {
          readyMs: 'ms',
          startToReadingMs: 'ms',
          cpuMs: 'ms',
          rssMB: 'MB',
          peakRssMB: 'MB',
        }),
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
