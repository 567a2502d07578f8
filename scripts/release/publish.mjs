#!/usr/bin/env node
// `pnpm release:publish`: packs every release tarball (scripts/release/pack.mjs) and publishes the ones
// whose version the registry does not have yet, the apps as their bundles. Run by
// .github/workflows/release.yml through changesets/action after `changeset version` has bumped the
// versions; it needs npm credentials (NODE_AUTH_TOKEN), so it cannot run on a machine without them.
//
// Usage: node scripts/release/publish.mjs [--dry-run] [--provenance]
//   --dry-run      npm publish --dry-run: shows what would be published, uploads nothing
//   --provenance   npm publish --provenance (in GitHub Actions with id-token: write)
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PACK = fileURLToPath(new URL('./pack.mjs', import.meta.url));
const argv = process.argv.slice(2);
for (const a of argv)
  if (a !== '--dry-run' && a !== '--provenance') {
    process.stderr.write(`release:publish: unknown argument ${a} (expected --dry-run, --provenance)\n`);
    process.exit(2);
  }
const dryRun = argv.includes('--dry-run');
const provenance = argv.includes('--provenance');

const packed = execFileSync(process.execPath, [PACK, '--json'], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
})
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));

/** Whether the registry has this exact version (npm view prints nothing, or fails with E404, when not). */
function published(name, version) {
  const r = spawnSync('npm', ['view', `${name}@${version}`, 'version'], { encoding: 'utf8' });
  if (r.status === 0) return r.stdout.trim() === version;
  if (/E404|404 Not Found/.test(r.stderr)) return false;
  throw new Error(`npm view ${name}@${version} failed: ${r.stderr.trim()}`);
}

let failed = 0;
// Libraries first: a published app never depends on them (they are bundled), but a library may depend
// on its siblings, and a half-published set is easier to finish in this order.
for (const p of packed.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'library' ? -1 : 1))) {
  if (published(p.name, p.version)) {
    process.stdout.write(`${p.name}@${p.version} is already published\n`);
    continue;
  }
  const args = ['publish', p.file, '--access', 'public'];
  if (dryRun) args.push('--dry-run');
  if (provenance) args.push('--provenance');
  const r = spawnSync('npm', args, { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`release:publish: npm publish ${p.file} failed (exit ${r.status})\n`);
    continue;
  }
  if (dryRun) continue;
  // changesets/action reads these lines to create the GitHub releases and tags.
  process.stdout.write(`New tag: ${p.name}@${p.version}\n`);
  spawnSync('git', ['tag', `${p.name}@${p.version}`], { stdio: 'inherit' });
}
process.exit(failed ? 1 : 0);
