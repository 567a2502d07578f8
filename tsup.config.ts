import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

/**
 * One build config for every workspace package. The entry points are derived from the
 * package's `exports` map (its `@opensensor/source` conditions) and `bin`, so the published
 * exports and the build can never drift apart: an export without a source file fails the build.
 */
interface PackageJson {
  bin?: string | Record<string, string>;
  exports?: Record<string, string | Record<string, string>>;
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as PackageJson;
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
});
