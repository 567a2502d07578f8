// Tests that run a built CLI (dist/) must not run code older than the sources: a stale build would
// pass or fail for code that no longer exists. This compares modification times, which needs no
// build of its own (a build takes minutes on a small machine; the check takes milliseconds).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Thrown when a built file is missing or older than a source it is built from. */
export class StaleBuildError extends Error {
  name = 'StaleBuildError';
}

/** Every workspace package by name, with its directory. */
function workspacePackages(root) {
  const byName = new Map();
  for (const group of ['packages', 'apps']) {
    if (!existsSync(join(root, group))) continue;
    for (const d of readdirSync(join(root, group), { withFileTypes: true })) {
      const dir = join(root, group, d.name);
      if (!d.isDirectory() || !existsSync(join(dir, 'package.json'))) continue;
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      byName.set(pkg.name, { dir, pkg });
    }
  }
  return byName;
}

/** The package and the workspace packages it loads at run time, transitively. */
function withRuntimeDeps(start, byName) {
  const seen = new Map();
  const visit = (p) => {
    if (seen.has(p.dir)) return;
    seen.set(p.dir, p);
    const deps = { ...p.pkg.dependencies, ...p.pkg.optionalDependencies };
    for (const [name, range] of Object.entries(deps)) {
      const dep = byName.get(name);
      if (dep && String(range).startsWith('workspace:')) visit(dep);
    }
  };
  visit(start);
  return [...seen.values()];
}

/** The built files a package publishes: its exports' and bins' targets under dist/. */
function builtFiles({ dir, pkg }) {
  const targets = [];
  for (const t of Object.values(pkg.exports ?? {}))
    if (typeof t === 'object' && t.default) targets.push(t.default);
  const bins = typeof pkg.bin === 'string' ? [pkg.bin] : Object.values(pkg.bin ?? {});
  return [...targets, ...bins].filter((f) => f.startsWith('./dist/')).map((f) => join(dir, f));
}

/** The newest source file (tests excluded: they are not built) and its time. */
function newestSource(dir) {
  let newest = { path: join(dir, 'package.json'), mtimeMs: statSync(join(dir, 'package.json')).mtimeMs };
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|tsx|mts|js|mjs|json|css|html)$/.test(e.name) && !/\.test\.ts$/.test(e.name)) {
        const { mtimeMs } = statSync(p);
        if (mtimeMs > newest.mtimeMs) newest = { path: p, mtimeMs };
      }
    }
  };
  if (existsSync(join(dir, 'src'))) walk(join(dir, 'src'));
  return newest;
}

/**
 * Throws a StaleBuildError naming the first built file that is missing or older than a source of
 * its package, for the package in `packageDir` and every workspace package it loads at run time.
 * Returns the packages checked. `root` is the workspace (default: this repository).
 */
export function assertFreshBuild(packageDir, { root = REPO_ROOT } = {}) {
  const byName = workspacePackages(root);
  const dir = resolve(root, packageDir);
  const start = [...byName.values()].find((p) => p.dir === dir);
  if (!start) throw new Error(`${packageDir} is not a workspace package`);
  const checked = [];
  for (const p of withRuntimeDeps(start, byName)) {
    const files = builtFiles(p);
    if (files.length === 0) continue;
    const source = newestSource(p.dir);
    for (const file of files) {
      const rel = relative(root, file);
      if (!existsSync(file))
        throw new StaleBuildError(
          `${rel} does not exist: run \`pnpm build\` before these tests (they run the built CLIs)`,
        );
      const built = statSync(file).mtimeMs;
      if (built < source.mtimeMs)
        throw new StaleBuildError(
          `${rel} is older than ${relative(root, source.path)} (built ${new Date(built).toISOString()}, source changed ${new Date(source.mtimeMs).toISOString()}): these tests would run old code. Run \`pnpm build\` first.`,
        );
    }
    checked.push(p.pkg.name);
  }
  return checked;
}
