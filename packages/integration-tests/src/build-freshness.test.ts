import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertFreshBuild, StaleBuildError } from '../../../scripts/build-freshness.mjs';

/**
 * A workspace of two packages, an app with a bin and the library it loads, every file dated
 * explicitly (no dependence on how fast the file system stamps them).
 */
function workspace() {
  const root = mkdtempSync(join(tmpdir(), 'os-freshness-'));
  const file = (path: string, text: string, at: number) => {
    const p = join(root, path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
    utimesSync(p, at, at);
  };
  const T = 1_800_000_000; // seconds
  file(
    'packages/lib/package.json',
    JSON.stringify({ name: 'lib', exports: { '.': { default: './dist/index.js' } } }),
    T,
  );
  file('packages/lib/src/index.ts', 'export const a = 1;', T);
  file('packages/lib/dist/index.js', 'export const a = 1;', T + 10);
  file(
    'apps/app/package.json',
    JSON.stringify({ name: 'app', bin: { app: './dist/cli.js' }, dependencies: { lib: 'workspace:^' } }),
    T,
  );
  file('apps/app/src/cli.ts', 'import "lib";', T);
  file('apps/app/dist/cli.js', 'import "lib";', T + 10);
  return { root, file, T };
}

describe('assertFreshBuild (the end-to-end tests refuse a stale build)', () => {
  it('passes when every built file is newer than its sources, the dependencies included', () => {
    const { root } = workspace();
    expect(assertFreshBuild('apps/app', { root })).toEqual(['app', 'lib']);
  });

  it("names a dependency's source changed after its build, and says to run pnpm build", () => {
    const { root, file, T } = workspace();
    file('packages/lib/src/index.ts', 'export const a = 2;', T + 20);
    expect(() => assertFreshBuild('apps/app', { root })).toThrow(StaleBuildError);
    expect(() => assertFreshBuild('apps/app', { root })).toThrow(
      /packages\/lib\/dist\/index\.js is older than packages\/lib\/src\/index\.ts .*Run `pnpm build` first/,
    );
  });

  it('names a missing build', () => {
    const { root } = workspace();
    expect(() => assertFreshBuild('packages/lib', { root: join(root, 'nowhere') })).toThrow(
      /not a workspace package/,
    );
    const fresh = workspace();
    fresh.file('apps/app/package.json', JSON.stringify({ name: 'app', bin: './dist/main.js' }), fresh.T);
    expect(() => assertFreshBuild('apps/app', { root: fresh.root })).toThrow(
      /apps\/app\/dist\/main\.js does not exist: run `pnpm build`/,
    );
  });

  it('ignores tests, which are not built', () => {
    const { root, file, T } = workspace();
    file('apps/app/src/cli.test.ts', 'it("x", () => {});', T + 20);
    expect(assertFreshBuild('apps/app', { root })).toEqual(['app', 'lib']);
  });
});
