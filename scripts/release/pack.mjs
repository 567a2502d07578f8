#!/usr/bin/env node
// `pnpm release:pack`: the release tarballs, as a station owner installs them with npm alone.
//
//   opensensor-<v>.tgz, opensensor-sim-<v>.tgz   the apps, every @opensensor/* library bundled in
//   opensensor-<lib>-<v>.tgz                     each library, as `pnpm pack` would make it (workspace:^ → ^<v>)
//
// Usage: node scripts/release/pack.mjs [--out DIR] [--apps-only] [--no-build] [--json]
// See docs/decisions/0800-release-artifacts.md for why the apps are bundles and what they depend on.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/**
 * The apps and what their release needs beyond the bundle. `optionalPeers` are packages the bundled code
 * loads only for some commands and that npm must not install by itself; `omitOptional` are optional
 * dependencies of bundled libraries that this app never loads.
 */
const APPS = [
  {
    dir: 'apps/edge-agent',
    // DuckDB (the lake commands, off the Pi) has no build for 32-bit ARM and is ~40 MB on the others:
    // a station never downloads it; `opensensor lake` says how to install it next to the agent.
    optionalPeers: ['@duckdb/node-api'],
    omitOptional: [],
    assets: [
      { from: 'apps/dashboard/dist', to: 'dist/dashboard', what: 'the dashboard (opensensor dashboard)' },
    ],
  },
  {
    dir: 'apps/simulator',
    optionalPeers: ['@duckdb/node-api'],
    // A simulator never opens a bus or a serial port: no native build on its install.
    omitOptional: ['i2c-bus', 'serialport'],
    assets: [],
  },
];

/** Fields of an app's package.json that its release keeps; the rest (scripts, workspace deps) is workspace-only. */
const KEPT_FIELDS = [
  'name',
  'version',
  'description',
  'keywords',
  'homepage',
  'bugs',
  'license',
  'author',
  'repository',
  'type',
  'bin',
  'engines',
  'publishConfig',
];

class PackError extends Error {
  name = 'PackError';
}

function parseArgs(argv) {
  const args = { out: join(ROOT, 'release'), appsOnly: false, build: true, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') {
      const v = argv[++i];
      if (!v) throw new PackError('--out needs a directory');
      args.out = resolve(v);
    } else if (a === '--apps-only') args.appsOnly = true;
    else if (a === '--no-build') args.build = false;
    else if (a === '--json') args.json = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'Usage: node scripts/release/pack.mjs [--out DIR] [--apps-only] [--no-build] [--json]\n' +
          '  --out DIR     where the tarballs go (default ./release)\n' +
          '  --apps-only   only opensensor and opensensor-sim (needs only the dashboard built)\n' +
          '  --no-build    use the current builds (dashboard, libraries) instead of `turbo run build`\n' +
          '  --json        print one JSON object per tarball instead of a table\n',
      );
      process.exit(0);
    } else throw new PackError(`unknown argument ${a} (see --help)`);
  }
  return args;
}

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

function run(command, args, options = {}) {
  const r = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...options });
  if (r.error) throw new PackError(`${command} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0)
    throw new PackError(
      `${command} ${args.join(' ')} exited with ${r.status}:\n${(r.stderr || r.stdout).slice(-4000)}`,
    );
  return r.stdout;
}

/** The workspace's packages by name: directory and manifest. */
function workspacePackages() {
  const byName = new Map();
  for (const group of ['packages', 'apps']) {
    for (const d of readdirSync(join(ROOT, group), { withFileTypes: true })) {
      const manifest = join(ROOT, group, d.name, 'package.json');
      if (d.isDirectory() && existsSync(manifest))
        byName.set(readJson(manifest).name, { dir: join(ROOT, group, d.name), manifest: readJson(manifest) });
    }
  }
  return byName;
}

/** The commit of the checkout, and whether it has uncommitted changes; nulls without git. */
function gitState() {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' })
        .length > 0;
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: null };
  }
}

const packageName = (specifier) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
const BUILTINS = new Set(builtinModules);
const isBuiltin = (s) => s.startsWith('node:') || BUILTINS.has(s.split('/')[0]);

function addRange(target, name, range, from, conflicts) {
  if (target[name] !== undefined && target[name].range !== range)
    conflicts.push(`${name}: ${target[name].range} (${target[name].from}) vs ${range} (${from})`);
  else target[name] ??= { range, from };
}

/**
 * The release manifest of an app: its own fields, and as dependencies the third-party packages of the
 * app and of every library bundled into it (optional ones optional, `optionalPeers` as optional peers).
 */
function releaseManifest(app, appManifest, bundled, workspace) {
  const deps = {};
  const optional = {};
  const conflicts = [];
  const sources = [[appManifest.name, appManifest], ...bundled.map((n) => [n, workspace.get(n).manifest])];
  for (const [from, m] of sources) {
    for (const [name, range] of Object.entries(m.dependencies ?? {}))
      if (!name.startsWith('@opensensor/')) addRange(deps, name, range, from, conflicts);
    for (const [name, range] of Object.entries(m.optionalDependencies ?? {}))
      if (!name.startsWith('@opensensor/') && !app.omitOptional.includes(name))
        addRange(optional, name, range, from, conflicts);
  }
  // A bundled library's required peers are dependencies of the bundle (the app provides them).
  for (const [from, m] of sources)
    for (const [name, range] of Object.entries(m.peerDependencies ?? {}))
      if (!m.peerDependenciesMeta?.[name]?.optional && !deps[name] && !name.startsWith('@opensensor/'))
        addRange(deps, name, range, from, conflicts);
  if (conflicts.length)
    throw new PackError(
      `${appManifest.name}: bundled packages ask for different versions of the same dependency; align them:\n  ${conflicts.join('\n  ')}`,
    );
  const peers = {};
  for (const name of app.optionalPeers) {
    const range =
      deps[name]?.range ??
      optional[name]?.range ??
      sources.map(([, m]) => m.peerDependencies?.[name]).find((r) => r !== undefined);
    if (range === undefined) continue;
    peers[name] = range;
    delete deps[name];
    delete optional[name];
  }
  const ranges = (o) =>
    Object.fromEntries(
      Object.entries(o)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, v.range]),
    );
  const manifest = {};
  for (const field of KEPT_FIELDS) if (appManifest[field] !== undefined) manifest[field] = appManifest[field];
  manifest.files = ['dist', 'README.md', 'CHANGELOG.md', 'LICENSE'];
  manifest.dependencies = ranges(deps);
  if (Object.keys(optional).length) manifest.optionalDependencies = ranges(optional);
  if (Object.keys(peers).length) {
    manifest.peerDependencies = peers;
    manifest.peerDependenciesMeta = Object.fromEntries(
      Object.keys(peers).map((n) => [n, { optional: true }]),
    );
  }
  return manifest;
}

/** The workspace libraries an esbuild metafile shows bundled, and the bare imports it left to npm. */
function readMetafile(path, cwd, workspace) {
  const meta = readJson(path);
  const dirs = new Map([...workspace].map(([name, p]) => [relative(ROOT, p.dir), name]));
  const bundled = new Set();
  // Input paths are relative to the directory the build ran in.
  for (const input of Object.keys(meta.inputs)) {
    const rel = relative(ROOT, resolve(cwd, input));
    const m = /^(packages|apps)\/([^/]+)\//.exec(rel);
    const name = m && dirs.get(`${m[1]}/${m[2]}`);
    if (name) bundled.add(name);
  }
  const externals = new Set();
  for (const output of Object.values(meta.outputs))
    for (const imp of output.imports ?? [])
      if (imp.external && !isBuiltin(imp.path) && !imp.path.startsWith('.'))
        externals.add(packageName(imp.path));
  return { bundled: [...bundled].sort(), externals: [...externals].sort() };
}

function packApp(app, out, workspace, git) {
  const appDir = join(ROOT, app.dir);
  const appManifest = readJson(join(appDir, 'package.json'));
  const stage = join(out, 'stage', appManifest.name);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  const tsup = createRequire(join(ROOT, 'package.json')).resolve('tsup/dist/cli-default.js');
  run(process.execPath, [tsup, '--config', relative(appDir, join(ROOT, 'scripts/release/tsup.config.ts'))], {
    cwd: appDir,
    env: { ...process.env, OPENSENSOR_RELEASE_OUT: join(stage, 'dist') },
  });
  const metafile = join(stage, 'dist', 'metafile-esm.json');
  const { bundled: found, externals } = readMetafile(metafile, appDir, workspace);
  rmSync(metafile);
  const bundled = found.filter((n) => n !== appManifest.name);
  const manifest = releaseManifest(app, appManifest, bundled, workspace);
  const declared = new Set(
    Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies, ...manifest.peerDependencies }),
  );
  const undeclared = externals.filter((e) => !declared.has(e));
  if (undeclared.length)
    throw new PackError(
      `${appManifest.name}: the bundle imports ${undeclared.join(', ')}, which no bundled package declares as a dependency`,
    );
  for (const asset of app.assets) {
    const from = join(ROOT, asset.from);
    if (!existsSync(join(from, 'index.html')))
      throw new PackError(
        `${asset.from} is not built (${asset.what}): run \`pnpm build\` or drop --no-build`,
      );
    cpSync(from, join(stage, asset.to), { recursive: true });
  }
  const libraries = Object.fromEntries(bundled.map((n) => [n, workspace.get(n).manifest.version]));
  writeFileSync(
    join(stage, 'dist', 'release.json'),
    `${JSON.stringify({ name: manifest.name, version: manifest.version, libraries, ...git, peerDependencies: manifest.peerDependencies ?? {} }, null, 2)}\n`,
  );
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  cpSync(join(ROOT, 'LICENSE'), join(stage, 'LICENSE'));
  for (const doc of ['README.md', 'CHANGELOG.md'])
    if (existsSync(join(appDir, doc))) cpSync(join(appDir, doc), join(stage, doc));
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', out], { cwd: stage }));
  return {
    kind: 'app',
    name: manifest.name,
    version: manifest.version,
    file: join(out, packed.filename),
    bytes: packed.size,
    unpackedBytes: packed.unpackedSize,
    files: packed.entryCount,
    bundled: libraries,
    dependencies: manifest.dependencies,
    optionalDependencies: manifest.optionalDependencies ?? {},
    peerDependencies: manifest.peerDependencies ?? {},
  };
}

/** `workspace:^` → `^<v>`, `workspace:~` → `~<v>`, `workspace:*` → `<v>`, as `pnpm pack` does. */
function publishedRange(range, version, dep) {
  const m = /^workspace:(.*)$/.exec(range);
  if (!m) return range;
  if (m[1] === '^' || m[1] === '~') return `${m[1]}${version}`;
  if (m[1] === '*' || m[1] === '') return version;
  if (/^[\^~]?\d/.test(m[1])) return m[1];
  throw new PackError(`${dep}: cannot publish the range "${range}"`);
}

/**
 * The libraries' tarballs, with one `npm pack` over staged copies whose manifests have their
 * `workspace:` ranges replaced by the siblings' versions (what `pnpm pack` does, without a pnpm process
 * per package). Checked: no workspace, file or link range is left, and dist/ is in each tarball.
 */
function packLibraries(names, workspace, out) {
  const stages = [];
  for (const name of names) {
    const { dir, manifest } = workspace.get(name);
    const stage = join(out, 'stage', name.replace('/', '+'));
    rmSync(stage, { recursive: true, force: true });
    cpSync(dir, stage, {
      recursive: true,
      filter: (src) =>
        !/[\\/](node_modules|\.turbo)([\\/]|$)/.test(relative(dir, src) ? `/${relative(dir, src)}` : ''),
    });
    const packed = structuredClone(manifest);
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies'])
      for (const [dep, range] of Object.entries(packed[field] ?? {}))
        packed[field][dep] = publishedRange(
          range,
          workspace.get(dep)?.manifest.version,
          `${name}: ${field}.${dep}`,
        );
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies'])
      for (const [dep, range] of Object.entries(packed[field] ?? {}))
        if (/^(workspace|file|link):/.test(range))
          throw new PackError(`${name}: ${field}.${dep} is still "${range}" in the packed package.json`);
    writeFileSync(join(stage, 'package.json'), `${JSON.stringify(packed, null, 2)}\n`);
    // Like pnpm pack: the workspace's licence goes with a package that has none of its own.
    if (!existsSync(join(stage, 'LICENSE'))) cpSync(join(ROOT, 'LICENSE'), join(stage, 'LICENSE'));
    if (!existsSync(join(stage, 'dist', 'index.js')))
      throw new PackError(
        `${name}: ${relative(ROOT, dir)}/dist/index.js is missing: build it first (drop --no-build)`,
      );
    stages.push({ name, manifest: packed, stage });
  }
  const results = JSON.parse(
    run('npm', ['pack', '--json', '--pack-destination', out, ...stages.map((s) => s.stage)], { cwd: out }),
  );
  return stages.map(({ name, manifest }) => {
    const r = results.find((p) => p.name === name);
    if (!r) throw new PackError(`npm pack wrote no tarball for ${name}`);
    return {
      kind: 'library',
      name,
      version: manifest.version,
      file: join(out, r.filename),
      bytes: r.size,
      unpackedBytes: r.unpackedSize,
      files: r.entryCount,
      dependencies: manifest.dependencies ?? {},
      optionalDependencies: manifest.optionalDependencies ?? {},
      peerDependencies: manifest.peerDependencies ?? {},
    };
  });
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

function main() {
  const args = parseArgs(process.argv.slice(2));
  const workspace = workspacePackages();
  const libraries = [...workspace]
    .filter(([n, p]) => n.startsWith('@opensensor/') && !p.manifest.private && p.dir.includes('/packages/'))
    .map(([n]) => n)
    .sort();
  if (args.build) {
    const filters = args.appsOnly
      ? ['--filter=@opensensor/dashboard']
      : ['--filter=@opensensor/dashboard', ...libraries.map((n) => `--filter=${n}`)];
    process.stderr.write(
      `building ${args.appsOnly ? 'the dashboard' : 'the dashboard and the libraries'}…\n`,
    );
    run('npx', ['-y', 'pnpm@10', 'exec', 'turbo', 'run', 'build', '--output-logs=errors-only', ...filters], {
      cwd: ROOT,
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
    });
  }
  mkdirSync(args.out, { recursive: true });
  for (const f of readdirSync(args.out)) if (f.endsWith('.tgz')) rmSync(join(args.out, f));
  const git = gitState();
  const results = [];
  for (const app of APPS) results.push(packApp(app, args.out, workspace, git));
  if (!args.appsOnly) results.push(...packLibraries(libraries, workspace, args.out));
  rmSync(join(args.out, 'stage'), { recursive: true, force: true });
  if (args.json) {
    for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  for (const r of results) {
    process.stdout.write(
      `${relative(process.cwd(), r.file)}  ${kib(r.bytes)}${r.unpackedBytes ? ` (${kib(r.unpackedBytes)} unpacked)` : ''}, ${r.files} files\n`,
    );
    if (r.kind === 'app')
      process.stdout.write(
        `  bundled:  ${Object.keys(r.bundled).join(', ')}\n  from npm: ${Object.keys(r.dependencies).join(', ')}\n` +
          `  optional: ${Object.keys(r.optionalDependencies).join(', ') || '—'}; optional peers (never installed by npm): ${Object.keys(r.peerDependencies).join(', ') || '—'}\n`,
      );
  }
}

try {
  main();
} catch (err) {
  if (err instanceof PackError) {
    process.stderr.write(`release:pack: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
