import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { lakeGlob, openLakeReader } from '@opensensor/parquet-hive-writer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CliProcess,
  type InstalledCli,
  killAll,
  REPO_ROOT,
  runCli,
  type TempDir,
  tempDir,
  waitForLog,
} from './processes.js';

/**
 * The release tarballs as a station owner installs them: packed from this checkout, the apps installed
 * with `npm install -g --prefix <empty dir>` from a directory outside the workspace and run with an
 * environment that holds nothing of this machine's but the way to the npm registry; the libraries
 * installed together into a new project, as a programmer would. npm downloads the third-party
 * dependencies; one cache (kept between runs in the system temp dir) serves the three installs.
 */

const MINUTES = 60_000;
/** Generous: the time an install takes is the registry's and the network's, not the code's. */
const INSTALL_TIMEOUT_MS = 10 * MINUTES;
const NPM_CACHE = join(tmpdir(), 'opensensor-release-test-npm-cache');

interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<Exec> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env, timeout: options.timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr: `${stderr}${err && code === 1 && !stderr ? err.message : ''}` });
      },
    );
  });
}

/** The registry, CA file and proxy this machine's npm uses: a clean environment still needs a way out. */
async function networkEnv(): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const key of [
    'NODE_EXTRA_CA_CERTS',
    'HTTPS_PROXY',
    'https_proxy',
    'HTTP_PROXY',
    'http_proxy',
    'NO_PROXY',
    'no_proxy',
  ]) {
    const v = process.env[key];
    if (v) env[key] = v;
  }
  for (const key of ['registry', 'cafile', 'strict-ssl']) {
    const r = await exec('npm', ['config', 'get', key], {
      cwd: tmpdir(),
      env: process.env,
      timeoutMs: MINUTES,
    });
    const v = r.stdout.trim();
    if (r.code === 0 && v && v !== 'null' && v !== 'undefined')
      env[`npm_config_${key.replace('-', '_')}`] = v;
  }
  return env;
}

/** Every package (name) in an installed package's node_modules, nested ones included. */
function installedPackages(packageDir: string): string[] {
  const names: string[] = [];
  const walk = (nodeModules: string) => {
    if (!existsSync(nodeModules)) return;
    for (const entry of readdirSync(nodeModules)) {
      if (entry.startsWith('.')) continue;
      const scoped = entry.startsWith('@');
      for (const name of scoped
        ? readdirSync(join(nodeModules, entry)).map((n) => `${entry}/${n}`)
        : [entry]) {
        names.push(name);
        walk(join(nodeModules, name, 'node_modules'));
      }
    }
  };
  walk(join(packageDir, 'node_modules'));
  return [...new Set(names)].sort();
}

interface Installed {
  /** The installed package: <prefix>/lib/node_modules/<name>. */
  dir: string;
  /** <prefix>/bin, where npm put the package's commands. */
  path: string;
  /** The clean environment with that bin directory first on PATH. */
  env: Record<string, string>;
}

const DEV_TOOLS =
  /^(typescript|tsup|esbuild|@esbuild\/.*|vitest|vite|turbo|turbo-.*|@biomejs\/.*|@changesets\/.*|publint|@types\/.*|@duckdb\/.*)$/;

describe('the release tarballs install with npm alone and run outside the workspace', () => {
  let root: TempDir;
  let env: Record<string, string>;
  let tarballs: {
    kind: 'app' | 'library';
    name: string;
    version: string;
    file: string;
    bundled: Record<string, string>;
  }[];
  const processes: CliProcess[] = [];
  let installs: Record<'agent' | 'sim' | 'libraries', Promise<Installed>>;
  const agentVersion = (
    JSON.parse(readFileSync(join(REPO_ROOT, 'apps/edge-agent/package.json'), 'utf8')) as { version: string }
  ).version;

  beforeAll(async () => {
    root = tempDir('release');
    // Nothing of the workspace may be reachable from where npm and the programs run.
    expect(relative(REPO_ROOT, root.path).startsWith('..'), `${root.path} is inside ${REPO_ROOT}`).toBe(true);
    const out = join(root.path, 'tarballs');
    // --no-build: like every test here, this one runs after `pnpm build` (the dashboard's assets, the
    // libraries' dist/ that their tarballs carry).
    const pack = await exec(
      process.execPath,
      [join(REPO_ROOT, 'scripts/release/pack.mjs'), '--no-build', '--json', '--out', out],
      { cwd: REPO_ROOT, env: process.env, timeoutMs: 5 * MINUTES },
    );
    expect(pack.code, pack.stderr).toBe(0);
    tarballs = pack.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    mkdirSync(join(root.path, 'home'));
    // The empty node-gyp header directory makes i2c-bus's native build fail at once on any machine:
    // the install must go on without it, as on a Pi without a compiler.
    mkdirSync(join(root.path, 'no-node-headers'));
    env = {
      ...(await networkEnv()),
      HOME: join(root.path, 'home'),
      // Node and npm, and the shell npm runs install scripts with.
      PATH: [dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter),
      npm_config_cache: NPM_CACHE,
      npm_config_nodedir: join(root.path, 'no-node-headers'),
      npm_config_update_notifier: 'false',
      NO_COLOR: '1',
    };
    // Both installs at once (each test awaits its own): they share the cache and the wait for the network.
    installs = {
      agent: install('opensensor'),
      sim: install('opensensor-sim'),
      libraries: installLibraries(),
    };
    // A failed install is reported by the test that needs it.
    for (const p of Object.values(installs)) p.catch(() => {});
  }, 6 * MINUTES);

  afterAll(async () => {
    await killAll(processes);
    root?.remove();
  });

  /** Installs a tarball into a fresh prefix; returns the installed package's directory and its bins' PATH. */
  async function install(name: string): Promise<Installed> {
    const tarball = tarballs.find((t) => t.name === name);
    if (!tarball) throw new Error(`release:pack made no ${name} tarball: ${JSON.stringify(tarballs)}`);
    const prefix = join(root.path, `prefix-${name}`);
    const r = await exec(
      'npm',
      ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball.file],
      { cwd: root.path, env, timeoutMs: INSTALL_TIMEOUT_MS },
    );
    if (r.code !== 0) throw new Error(`npm install -g ${tarball.file} exited with ${r.code}:\n${r.stderr}`);
    const bin = join(prefix, 'bin');
    return {
      dir: join(prefix, 'lib', 'node_modules', name),
      path: bin,
      env: { ...env, PATH: [bin, env.PATH].join(delimiter) },
    };
  }

  /**
   * Every library tarball into one new project (`npm install <tarballs>`): the `@opensensor/*` ranges
   * in their manifests must be met by the tarballs given, everything else by the registry.
   */
  async function installLibraries(): Promise<Installed> {
    const libraries = tarballs.filter((t) => t.kind === 'library');
    if (libraries.length === 0)
      throw new Error(`release:pack made no library tarball: ${JSON.stringify(tarballs)}`);
    const project = join(root.path, 'project');
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'uses-opensensor', version: '1.0.0', private: true, type: 'module' }),
    );
    const r = await exec(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', ...libraries.map((t) => t.file)],
      { cwd: project, env, timeoutMs: INSTALL_TIMEOUT_MS },
    );
    if (r.code !== 0)
      throw new Error(`npm install of the library tarballs exited with ${r.code}:\n${r.stderr}`);
    return { dir: project, path: '', env };
  }

  it(
    'opensensor: --version, setup --yes, start --simulate until SIGTERM, status; lake says how to get DuckDB',
    async () => {
      // Condition-based, like every wait here; the vitest timeout only catches a hang.
      const agent = await installs.agent;
      const packed = tarballs.find((t) => t.name === 'opensensor');
      const cli: InstalledCli = { bin: join(agent.path, 'opensensor') };
      const opts = (cwd: string, extra: Record<string, string> = {}) => ({
        cwd,
        env: { ...agent.env, ...extra },
        bareEnv: true,
      });

      // Bundled: no @opensensor package and no development tool among what npm installed.
      const installed = installedPackages(agent.dir);
      expect(installed.filter((p) => p.startsWith('@opensensor/'))).toEqual([]);
      expect(installed.filter((p) => DEV_TOOLS.test(p))).toEqual([]);
      expect(installed).toContain('serialport'); // prebuilt binaries: nothing to compile
      expect(
        installed,
        'i2c-bus could not build here (no Node headers): npm must have dropped it',
      ).not.toContain('i2c-bus');
      expect(existsSync(join(agent.dir, 'dist', 'dashboard', 'index.html'))).toBe(true);
      // The licenses of the third-party code compiled into the bundle travel with it.
      const notices = readFileSync(join(agent.dir, 'dist', 'THIRD-PARTY-LICENSES.txt'), 'utf8');
      for (const dep of ['commander', 'hyparquet', 'hyparquet-writer', 'zod'])
        expect(notices).toMatch(new RegExp(`^${dep}@\\d+\\.\\d+\\.\\d+ \\(MIT\\)$`, 'm'));

      const station = join(root.path, 'station');
      mkdirSync(station);
      const version = await runCli(cli, ['--version'], opts(station));
      expect(version.code, version.stderr).toBe(0);
      const lines = version.stdout.split('\n');
      expect(lines[0]).toBe(agentVersion);
      expect(lines[1]).toMatch(new RegExp(`^opensensor ${agentVersion}, release build, commit [0-9a-f]{12}`));
      for (const [lib, v] of Object.entries(packed?.bundled ?? {}))
        expect(version.stdout).toMatch(new RegExp(`^  ${lib} +${v.replaceAll('.', '\\.')}$`, 'm'));
      expect(Object.keys(packed?.bundled ?? {})).toEqual(
        expect.arrayContaining(['@opensensor/config', '@opensensor/pipeline', '@opensensor/buffer']),
      );

      const setup = await runCli(cli, ['setup', '--yes'], opts(station));
      expect(setup.code, setup.stderr).toBe(0);
      expect(existsSync(join(station, '.env'))).toBe(true);

      const run = new CliProcess(
        cli,
        ['start', '--simulate'],
        opts(station, { OPENSENSOR_READ_INTERVAL: '1' }),
      );
      processes.push(run);
      await waitForLog(run, 'started', 2 * MINUTES);
      // Readings in the journal: what `status` reads from disk while the agent runs.
      let journaled = 0;
      for (const deadline = Date.now() + 2 * MINUTES; journaled < 3 && Date.now() < deadline; ) {
        const live = await runCli(cli, ['status', '--json'], opts(station));
        expect(live.code, live.stderr).toBe(0);
        journaled = (JSON.parse(live.stdout) as { journal: { lastSeq: number } }).journal.lastSeq;
      }
      expect(journaled, run.stderr).toBeGreaterThanOrEqual(3);
      run.signal('SIGTERM');
      expect(await run.exited, run.stderr).toEqual({ code: 0, signal: null });
      expect(run.stderr).toMatch(/"msg":"stopped cleanly"/);

      const status = await runCli(cli, ['status', '--json'], opts(station));
      expect(status.code, status.stderr).toBe(0);
      const report = JSON.parse(status.stdout);
      expect(report.version).toMatchObject({ name: 'opensensor', version: agentVersion, build: 'release' });
      expect(report.version.libraries).toEqual(packed?.bundled);
      // The agent that ran published what it is, for a fleet operator.
      expect(report.agent.version).toEqual(report.version);
      expect(report.lake.files).toBeGreaterThanOrEqual(1);

      // DuckDB is not part of the install: the lake commands say how to add it.
      const lakeDir = join(station, 'output');
      const lake = await runCli(
        cli,
        ['lake', 'build', '--from', lakeDir, '--lakehouse', join(station, 'lh')],
        opts(station),
      );
      expect(lake.code, lake.stderr).toBe(1);
      expect(lake.stderr).toMatch(/npm install -g @duckdb\/node-api@\S+/);
    },
    INSTALL_TIMEOUT_MS + 5 * MINUTES,
  );

  it(
    'opensensor-sim: backfill an hour into a lake that DuckDB reads',
    async () => {
      const sim = await installs.sim;
      const installed = installedPackages(sim.dir);
      expect(installed.filter((p) => p.startsWith('@opensensor/') || DEV_TOOLS.test(p))).toEqual([]);
      // A simulator opens no hardware: no native addon to build.
      expect(installed.filter((p) => p === 'i2c-bus' || p === 'serialport')).toEqual([]);

      const cwd = join(root.path, 'sim');
      mkdirSync(cwd);
      const lakeDir = join(cwd, 'lake');
      const backfill = await runCli(
        { bin: join(sim.path, 'opensensor-sim') },
        [
          'backfill',
          // Two stations in two worker threads: the release's bundle runs its workers' chunk as well.
          '--stations',
          '2',
          '--workers',
          '2',
          '--start',
          '2026-11-01T00:00:00Z',
          '--end',
          '2026-11-01T01:00:00Z',
          '--output',
          lakeDir,
          '--json',
        ],
        { cwd, env: sim.env, bareEnv: true, timeoutMs: 5 * MINUTES },
      );
      expect(backfill.code, backfill.stderr).toBe(0);
      const summary = JSON.parse(backfill.stdout) as { rows: number; files: number; stationIds: string[] };
      // Two stations, a reading every 5 s, four 15-minute files each.
      expect(summary).toMatchObject({ rows: 1440, files: 8 });
      const files = readdirSync(lakeDir, { recursive: true }).filter((f) => String(f).endsWith('.parquet'));
      expect(files).toHaveLength(8);

      const reader = await openLakeReader();
      try {
        const [row] = await reader.rows(
          `SELECT count(*)::INTEGER AS n, count(DISTINCT station)::INTEGER AS stations, typeof(any_value(timestamp)) AS ts,
                  epoch_ms(min(timestamp))::DOUBLE AS first, epoch_ms(max(timestamp))::DOUBLE AS last
           FROM ${lakeGlob(lakeDir)}`,
        );
        expect(row).toEqual({
          n: 1440,
          stations: 2,
          ts: 'TIMESTAMP WITH TIME ZONE',
          first: Date.UTC(2026, 10, 1, 0, 0, 0),
          last: Date.UTC(2026, 10, 1, 0, 59, 55),
        });
      } finally {
        reader.close();
      }
    },
    INSTALL_TIMEOUT_MS + 5 * MINUTES,
  );

  it(
    'each library installs from its tarball with registry packages and its siblings only, and loads',
    async () => {
      const project = await installs.libraries;
      const libraries = tarballs.filter((t) => t.kind === 'library');
      const installed = installedPackages(project.dir);
      for (const lib of libraries) expect(installed).toContain(lib.name);
      expect(installed.filter((p) => p.startsWith('@opensensor/')).sort()).toEqual(
        libraries.map((t) => t.name).sort(),
      );
      // Every package's main export, imported by Node from the project, as a user's code would.
      const names = libraries.map((t) => t.name);
      const script = `for (const n of ${JSON.stringify(names)}) { const m = await import(n); console.log(n, Object.keys(m).length); }`;
      const r = await exec(process.execPath, ['--input-type=module', '-e', script], {
        cwd: project.dir,
        env,
        timeoutMs: 2 * MINUTES,
      });
      expect(r.code, r.stderr).toBe(0);
      for (const n of names) expect(r.stdout).toMatch(new RegExp(`^${n} [1-9]\\d*$`, 'm'));
    },
    INSTALL_TIMEOUT_MS + 5 * MINUTES,
  );
});
