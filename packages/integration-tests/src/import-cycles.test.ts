import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './processes.js';

const SCRIPT = join(REPO_ROOT, 'scripts/check-import-cycles.mjs');

/** Runs the `pnpm lint` cycle check on `root`. */
function check(root: string) {
  const r = spawnSync(process.execPath, [SCRIPT, root], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A workspace laid out like this one, with the given files. */
function workspace(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'os-cycles-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('scripts/check-import-cycles.mjs (pnpm lint)', () => {
  it('passes on this repository', () => {
    const r = check(REPO_ROOT);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^no import cycles among \d+ modules and \d+ packages/);
  });

  it('fails on modules importing each other, type imports included, and names the path', () => {
    const root = workspace({
      'packages/a/package.json': '{ "name": "a" }',
      'packages/a/src/one.ts': "import type { Two } from './two.js';\nexport type One = Two[];\n",
      'packages/a/src/two.ts':
        "// import { x } from './four.js' is only a comment\nimport { three } from './three.js';\nexport type Two = typeof three;\n",
      'packages/a/src/three.ts': "export { one } from './one.js';\nexport const three = 3;\n",
      'packages/a/src/four.ts': "import { three } from './three.js';\nexport const four = three + 1;\n",
    });
    const r = check(root);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'import cycle: packages/a/src/one.ts -> packages/a/src/two.ts -> packages/a/src/three.ts -> packages/a/src/one.ts',
    );
    expect(r.err).not.toContain('four.ts');
    expect(r.err).toContain('1 import cycle(s)');
  });

  it('fails on workspace packages depending on each other', () => {
    const root = workspace({
      'packages/a/package.json': '{ "name": "@x/a", "dependencies": { "@x/b": "workspace:^" } }',
      'packages/b/package.json': '{ "name": "@x/b", "devDependencies": { "@x/a": "workspace:^" } }',
      'apps/c/package.json': '{ "name": "c", "dependencies": { "@x/a": "workspace:^", "left-pad": "1" } }',
    });
    const r = check(root);
    expect(r.code).toBe(1);
    expect(r.err).toContain('import cycle: @x/a -> @x/b -> @x/a');
  });
});
