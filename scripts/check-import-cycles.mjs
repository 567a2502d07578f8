#!/usr/bin/env node
/**
 * Fails when modules import each other in a cycle: between the source files of a package (relative
 * imports, `import type` included, since a type cycle couples the modules just the same), or between
 * workspace packages (their package.json dependencies). Run by `pnpm lint`.
 *
 *   node scripts/check-import-cycles.mjs [root]
 *
 * Prints every cycle found (its files in import order) and exits 1, or says how many modules were
 * checked and exits 0. ALLOWED lists cycles known and owned elsewhere; it is meant to be empty.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Cycles tolerated for now, each as its sorted member paths joined by ' '; empty is the goal. */
const ALLOWED = new Set([]);

const SOURCE = /\.(?:ts|tsx|mts|cts|js|mjs|cjs)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', '.turbo', 'coverage', '.git']);
const SPECIFIERS = [
  /\b(?:import|export)\s+(?:type\s+)?(?:[\w*${}\s,]+?\s+from\s+)?['"]([^'"]+)['"]/g,
  /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
];

/** Every source file under `dir`. */
function sources(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(path));
    else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Drops comments, so that an import in a doc comment is not a dependency. */
function stripComments(code) {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** The file a relative specifier names (TypeScript's `./x.js` for `./x.ts` included), or null. */
function resolveRelative(from, specifier) {
  const base = resolve(dirname(from), specifier);
  const stem = base.replace(/\.(?:js|mjs|cjs|jsx)$/, '');
  const candidates = [
    base,
    `${stem}.ts`,
    `${stem}.tsx`,
    `${stem}.mts`,
    `${stem}.cts`,
    `${stem}.js`,
    `${stem}.mjs`,
    join(base, 'index.ts'),
    join(base, 'index.js'),
  ];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? null;
}

/** One path through `component` from its first member back to it, for the message. */
export function cyclePath(graph, component) {
  const members = new Set(component);
  const start = component[0];
  const previous = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift();
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(previous.get(path[0]));
        return [...path, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [...component, start];
}

/** Strongly connected components of more than one node (or a node importing itself): the cycles. */
export function findCycles(graph) {
  let index = 0;
  const indices = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  const visit = (v) => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), indices.get(w)));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? new Set()).has(v)) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return cycles;
}

/** The import graph of the repository's sources and of its workspace packages. */
export function importGraphs(root) {
  const packageDirs = ['packages', 'apps']
    .filter((group) => existsSync(join(root, group)))
    .flatMap((group) =>
      readdirSync(join(root, group), { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(join(root, group, d.name, 'package.json')))
        .map((d) => join(root, group, d.name)),
    );
  if (existsSync(join(root, 'bench/package.json'))) packageDirs.push(join(root, 'bench'));

  const files = new Map();
  const roots = [...packageDirs, join(root, 'scripts')].filter((d) => existsSync(d));
  for (const dir of roots) {
    for (const file of sources(dir)) {
      const code = stripComments(readFileSync(file, 'utf8'));
      const deps = new Set();
      for (const pattern of SPECIFIERS) {
        for (const match of code.matchAll(pattern)) {
          const specifier = match[1];
          if (!specifier.startsWith('.')) continue;
          const target = resolveRelative(file, specifier);
          if (target) deps.add(relative(root, target));
        }
      }
      files.set(relative(root, file), deps);
    }
  }

  const packages = new Map();
  const names = new Map();
  for (const dir of packageDirs) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    names.set(pkg.name, pkg);
  }
  for (const [name, pkg] of names) {
    const deps = new Set();
    for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
      for (const dep of Object.keys(pkg[field] ?? {})) if (names.has(dep) && dep !== name) deps.add(dep);
    }
    packages.set(name, deps);
  }
  return { files, packages };
}

function main() {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const { files, packages } = importGraphs(root);
  const found = [
    ...findCycles(files).map((c) => ({ members: c, path: cyclePath(files, c) })),
    ...findCycles(packages).map((c) => ({ members: c, path: cyclePath(packages, c) })),
  ];
  const failing = found.filter((c) => !ALLOWED.has(c.members.join(' ')));
  const stale = [...ALLOWED].filter((a) => !found.some((c) => c.members.join(' ') === a));
  for (const cycle of failing) process.stderr.write(`import cycle: ${cycle.path.join(' -> ')}\n`);
  for (const a of stale) {
    process.stderr.write(
      `scripts/check-import-cycles.mjs allows a cycle that is gone; remove it from ALLOWED: ${a}\n`,
    );
  }
  if (failing.length > 0 || stale.length > 0) {
    process.stderr.write(
      `${failing.length} import cycle(s): split the shared part into a module both import, or pass it in.\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`no import cycles among ${files.size} modules and ${packages.size} packages\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
