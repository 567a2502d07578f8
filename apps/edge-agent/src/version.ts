import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pkg from '../package.json' with { type: 'json' };

/**
 * What this agent is: its version, the version of every `@opensensor/*` library it runs, and the commit
 * it was built from. `opensensor --version` prints it and `opensensor status --json` carries it, so a
 * fleet operator can see which stations run what.
 */
export interface VersionInfo {
  name: string;
  version: string;
  /** `release`: a packed artifact with the libraries bundled in; `workspace`: a checkout's build or sources. */
  build: 'release' | 'workspace';
  /** `@opensensor/*` package → version: bundled into a release, linked in a workspace. */
  libraries: Record<string, string>;
  /** The git commit it was built from (a release) or runs in (a checkout); null when unknown. */
  commit: string | null;
  /** The checkout had uncommitted changes when the release was packed; null when not known. */
  dirty: boolean | null;
}

/**
 * The file `pnpm release:pack` writes next to the bundle (`dist/release.json`): the libraries and the
 * commit are fixed at pack time, since the installed package has neither a checkout nor the libraries'
 * package.json files.
 */
export const RELEASE_INFO_FILE = 'release.json';

let cached: VersionInfo | undefined;
const moduleDir = () => fileURLToPath(new URL('.', import.meta.url));

/**
 * The version range a release expects of an optional peer (e.g. `@duckdb/node-api`, which the
 * release leaves out and the lake commands need); undefined in a workspace, which installs it.
 */
export function releasePeerRange(name: string): string | undefined {
  const file = join(moduleDir(), RELEASE_INFO_FILE);
  if (!existsSync(file)) return undefined;
  const r = JSON.parse(readFileSync(file, 'utf8')) as { peerDependencies?: Record<string, string> };
  return r.peerDependencies?.[name];
}

/** This agent's version information (read once: a release's file, else the workspace's package.json files and git). */
export function versionInfo(): VersionInfo {
  cached ??= readVersionInfo(moduleDir());
  return cached;
}

/** The release file in `moduleDir`, else what the workspace around it says. Exported for tests. */
export function readVersionInfo(moduleDir: string): VersionInfo {
  const releaseFile = join(moduleDir, RELEASE_INFO_FILE);
  if (existsSync(releaseFile)) {
    const r = JSON.parse(readFileSync(releaseFile, 'utf8')) as Partial<VersionInfo>;
    return {
      name: r.name ?? pkg.name,
      version: r.version ?? pkg.version,
      build: 'release',
      libraries: r.libraries ?? {},
      commit: r.commit ?? null,
      dirty: r.dirty ?? null,
    };
  }
  return {
    name: pkg.name,
    version: pkg.version,
    build: 'workspace',
    libraries: linkedLibraries(moduleDir),
    commit: gitCommit(moduleDir),
    dirty: null,
  };
}

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/**
 * Every `@opensensor/*` package this one reaches through its dependencies, as resolved from here (each
 * package exports its package.json). An optional one that is not installed is left out.
 */
function linkedLibraries(moduleDir: string): Record<string, string> {
  const found: Record<string, string> = {};
  const visit = (from: string, manifest: Manifest) => {
    const require = createRequire(join(from, 'package.json'));
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      if (!dep.startsWith('@opensensor/') || dep in found) continue;
      let path: string;
      try {
        path = require.resolve(`${dep}/package.json`);
      } catch {
        continue;
      }
      const child = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
      found[dep] = child.version;
      visit(dirname(path), child);
    }
  };
  visit(resolve(moduleDir, '..'), pkg as Manifest);
  // Code-unit order, not localeCompare: the names are ASCII, and a collator loads about 2.5 MB of ICU
  // data into the agent, which calls this for its status file every 30 s (docs/performance.md).
  return Object.fromEntries(Object.entries(found).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * HEAD of the git checkout around `dir`, read from the files (no `git` process: the agent reads it at
 * start-up, and a Pi may have no git). Null outside a checkout.
 */
export function gitCommit(dir: string): string | null {
  try {
    let at = resolve(dir);
    for (;;) {
      const dotGit = join(at, '.git');
      if (existsSync(dotGit)) return headOf(dotGit);
      const up = dirname(at);
      if (up === at) return null;
      at = up;
    }
  } catch {
    return null;
  }
}

function headOf(dotGit: string): string | null {
  // A worktree or submodule has a `.git` file that names its git directory.
  const gitDir = statSync(dotGit).isFile()
    ? resolve(
        dirname(dotGit),
        readFileSync(dotGit, 'utf8')
          .replace(/^gitdir:\s*/, '')
          .trim(),
      )
    : dotGit;
  const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
  if (/^[0-9a-f]{40,64}$/.test(head)) return head;
  const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
  if (!ref) return null;
  const commonDir = existsSync(join(gitDir, 'commondir'))
    ? resolve(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim())
    : gitDir;
  for (const base of [gitDir, commonDir]) {
    const loose = join(base, ref);
    if (existsSync(loose)) return readFileSync(loose, 'utf8').trim();
  }
  const packed = join(commonDir, 'packed-refs');
  if (!existsSync(packed)) return null;
  for (const line of readFileSync(packed, 'utf8').split('\n')) {
    const [sha, name] = line.split(' ');
    if (name === ref && sha) return sha;
  }
  return null;
}

/** One line: `opensensor 1.2.3, release build, commit 0123456789ab`. */
export function describeVersion(v: VersionInfo): string {
  const commit = v.commit
    ? `commit ${v.commit.slice(0, 12)}${v.dirty ? ' (with uncommitted changes)' : ''}`
    : 'commit unknown';
  return `${v.name} ${v.version}, ${v.build === 'release' ? 'release build' : 'workspace build'}, ${commit}`;
}

/** The text of `opensensor --version`: the agent's version on the first line (what scripts parse), then the rest. */
export function formatVersion(v: VersionInfo): string {
  const libraries = Object.entries(v.libraries);
  const width = Math.max(0, ...libraries.map(([name]) => name.length));
  return [
    v.version,
    describeVersion(v),
    `${v.build === 'release' ? 'bundled' : 'linked'} libraries:`,
    ...libraries.map(([name, version]) => `  ${name.padEnd(width)}  ${version}`),
    '',
  ].join('\n');
}
