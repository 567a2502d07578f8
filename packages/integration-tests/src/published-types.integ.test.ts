/**
 * The published types are the public API: nothing marked `@internal` (a transport, a path builder, a
 * helper another module of the package needs) may reach a package's `dist/*.d.ts`. Reads the built
 * types, so it needs `pnpm build` first (a stale build is refused, as by the other integration tests).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertFreshBuild } from '../../../scripts/build-freshness.mjs';
import { REPO_ROOT } from './processes.js';

const LIBRARIES = readdirSync(join(REPO_ROOT, 'packages')).filter(
  (name) => name !== 'integration-tests' && existsSync(join(REPO_ROOT, 'packages', name, 'package.json')),
);

describe('published types', () => {
  it.each(LIBRARIES)('@opensensor/%s publishes no @internal declaration', (name) => {
    const dir = join(REPO_ROOT, 'packages', name);
    assertFreshBuild(join('packages', name));
    const dist = join(dir, 'dist');
    const types = readdirSync(dist).filter((f) => f.endsWith('.d.ts'));
    expect(types.length, `${dist} has no .d.ts: run pnpm build`).toBeGreaterThan(0);
    for (const file of types) {
      const text = readFileSync(join(dist, file), 'utf8');
      expect(text.includes('@internal'), `${name}/dist/${file} declares something @internal`).toBe(false);
    }
  });

  it('the Snowpipe client shows neither its transport nor a way to construct a channel', () => {
    const text = readdirSync(join(REPO_ROOT, 'packages/snowpipe-client/dist'))
      .filter((f) => f.endsWith('.d.ts'))
      .map((f) => readFileSync(join(REPO_ROOT, 'packages/snowpipe-client/dist', f), 'utf8'))
      .join('\n');
    for (const internal of ['ChannelTransport', 'CallSpec', 'parseJsonObject', 'createChannel'])
      expect(text, internal).not.toContain(internal);
    expect(text).toMatch(/declare class Channel \{[^}]*private constructor\(\);/);
  });
});
