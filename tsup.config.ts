import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'tsup';

/**
 * One build config for every workspace package. The entry points are derived from the
 * package's `exports` map (its `@opensensor/source` conditions) and `bin`, so the published
 * exports and the build can never drift apart: an export without a source file fails the build.
 */
interface PackageJson {
  bin?: string | Record<string, string>;
  dependencies?: Record<string, string>;
  exports?: Record<string, string | Record<string, string>>;
  optionalDependencies?: Record<string, string>;
  /** `binNodeOptions`: the Node options this package's bins start Node with (see `launcher`). */
  opensensor?: { binNodeOptions?: string[] };
}

/**
 * Third-party dependencies compiled into the package that depends on them instead of imported from
 * node_modules at run time. On Node 20 every ES module costs about 40 KB of RSS, and loading a CommonJS
 * package from ESM costs more: `opensensor start` measured (docs/performance.md, "Agent memory") zod
 * 9 MB as 95 modules (each of its entry points re-exports all ~60 locales) against 4 MB compiled in and
 * tree-shaken, commander 5 MB against 0.9 MB, and hyparquet-writer with hyparquet 1.7 MB against 0.4 MB.
 * They stay dependencies: the published types name theirs. `commonjs`: the package is CommonJS, so the
 * output gets a `require` for its `require()` calls of Node's modules.
 */
export const INLINED_DEPENDENCIES: Readonly<Record<string, { commonjs: boolean }>> = {
  zod: { commonjs: false },
  commander: { commonjs: true },
  hyparquet: { commonjs: false },
  'hyparquet-writer': { commonjs: false },
};

/** An ES module bundle has no `require`; esbuild's shim for a CommonJS dependency's `require('node:…')` uses this one. */
export const REQUIRE_BANNER =
  "import { createRequire as __opensensorCreateRequire } from 'node:module'; const require = __opensensorCreateRequire(import.meta.url);";

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as PackageJson;
const inlined = Object.keys(INLINED_DEPENDENCIES).filter((d) => pkg.dependencies?.[d] !== undefined);
const entry: Record<string, string> = {};
for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
  if (typeof target !== 'object') continue;
  const source = target['@opensensor/source'];
  const output = target.default;
  if (!source || !output)
    throw new Error(`exports["${subpath}"] needs both "@opensensor/source" and "default"`);
  entry[output.replace(/^\.\/dist\//, '').replace(/\.js$/, '')] = source;
}
const bins = typeof pkg.bin === 'string' ? { main: pkg.bin } : (pkg.bin ?? {});
for (const output of Object.values(bins)) {
  entry[output.replace(/^\.\/dist\//, '').replace(/\.js$/, '')] = output
    .replace(/^\.\/dist\//, './src/')
    .replace(/\.js$/, '.ts');
}

/**
 * Node.js reads `--env-file` and `--env-file-if-exists` anywhere in its command line, even after the
 * script name (Node 20, 22 and 24 alike): with a plain `#!/usr/bin/env node` bin,
 * `opensensor --env-file /missing config` ends in Node's own "node: /missing: not found" (exit 9) and
 * a NODE_OPTIONS line in the file reaches the runtime. Only a `--` before the script stops that scan,
 * and a shebang line cannot portably pass it (`env -S` is missing from BusyBox). So every bin starts
 * as a POSIX shell script that runs `node [options] -- <script> "$@"`: for Node the second line is an
 * inert string and a comment. The hashbang's one line becomes two, so the source map moves down a line.
 */
function launcher(nodeOptions: readonly string[]): string {
  for (const option of nodeOptions) {
    // Written unquoted into a shell line: only plain `--name` or `--name=value` words.
    if (!/^--[a-z0-9-]+(=[A-Za-z0-9._-]+)?$/.test(option))
      throw new Error(`opensensor.binNodeOptions: ${JSON.stringify(option)} is not a plain --name[=value]`);
  }
  return `#!/usr/bin/env sh\n':' //; exec node ${[...nodeOptions, ''].join(' ')}-- "$0" "$@"\n`;
}

/**
 * Node options a package's bins start with (`"opensensor": { "binNodeOptions": [...] }` in its
 * package.json), before the `--`: settings that only Node's command line takes, such as
 * `--v8-pool-size` (opensensor-sim's, docs/performance.md "Round 8").
 */
const LAUNCHER = launcher(pkg.opensensor?.binNodeOptions ?? []);

/** The folder of an installed package, resolved from `fromDir` (its `package.json` found upwards of its main file). */
function packageDir(dep: string, fromDir: string): string | null {
  try {
    let dir = dirname(createRequire(join(fromDir, 'package.json')).resolve(dep));
    while (dir !== dirname(dir)) {
      const manifest = join(dir, 'package.json');
      if (
        existsSync(manifest) &&
        (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === dep
      )
        return dir;
      dir = dirname(dir);
    }
  } catch {
    // Not resolvable from there.
  }
  return null;
}

/**
 * The licenses of the third-party packages compiled into a build, in `<outDir>/THIRD-PARTY-LICENSES.txt`
 * (their MIT licenses ask for the notice to travel with copies of the code). Each package is resolved
 * from the package being built, then from the workspace's libraries (an app's release bundle compiles
 * in what its libraries depend on).
 */
export function writeThirdPartyLicenses(outDir: string, deps: readonly string[]): void {
  if (deps.length === 0) return;
  let root = process.cwd();
  while (!existsSync(join(root, 'pnpm-workspace.yaml')) && root !== dirname(root)) root = dirname(root);
  const libraries = readdirSync(join(root, 'packages')).map((d) => join(root, 'packages', d));
  const sections: string[] = [];
  for (const dep of [...deps].sort()) {
    const dir = [process.cwd(), ...libraries].map((from) => packageDir(dep, from)).find((d) => d !== null);
    if (!dir) throw new Error(`${dep} is compiled into this build but cannot be found to copy its license`);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      version: string;
      license?: string;
    };
    const file = readdirSync(dir).find((f) => /^licen[cs]e(\.|$)/i.test(f));
    if (!file)
      throw new Error(`${dep}@${manifest.version} has no LICENSE file to ship with the code compiled in`);
    sections.push(
      `${dep}@${manifest.version} (${manifest.license ?? 'see below'})\n\n${readFileSync(join(dir, file), 'utf8').trim()}\n`,
    );
  }
  writeFileSync(
    join(outDir, 'THIRD-PARTY-LICENSES.txt'),
    `Third-party code compiled into this package, with its licenses.\n\n${sections.join('\n---\n\n')}`,
  );
}

/** Rewrites the built bins in `outDir` (the package's dist/, or a release's staging dir) as launchers. */
export function writeBinLaunchers(outDir = './dist'): void {
  for (const bin of Object.values(bins)) {
    const output = bin.replace(/^\.\/dist\//, `${outDir}/`);
    const code = readFileSync(output, 'utf8');
    if (!code.startsWith('#!'))
      throw new Error(`${output}: the source of a bin must start with #!/usr/bin/env node`);
    writeFileSync(output, LAUNCHER + code.slice(code.indexOf('\n') + 1));
    const mapFile = `${output}.map`;
    if (existsSync(mapFile)) {
      const map = JSON.parse(readFileSync(mapFile, 'utf8')) as { mappings: string };
      map.mappings = `;${map.mappings}`;
      writeFileSync(mapFile, JSON.stringify(map));
    }
  }
}

export default defineConfig({
  entry,
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: Object.keys(pkg.exports ?? {}).length > 0,
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
  // tsup keeps dependencies and peerDependencies external, not optional ones: without this an
  // optional package (and its native addon) would be bundled into the importer.
  external: Object.keys(pkg.optionalDependencies ?? {}),
  noExternal: inlined,
  ...(inlined.some((d) => INLINED_DEPENDENCIES[d]?.commonjs) ? { banner: { js: REQUIRE_BANNER } } : {}),
  onSuccess: async () => {
    writeBinLaunchers();
    writeThirdPartyLicenses('./dist', inlined);
  },
});
