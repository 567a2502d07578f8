import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './processes.js';

const BOARDS = ['sensors-enviroplus', 'sensors-sensehat', 'sensors-breakout', 'simulation'];

function workspaceDeps(dir: string): string[] {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'packages', dir, 'package.json'), 'utf8')) as Record<
    string,
    Record<string, string> | undefined
  >;
  return ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies'].flatMap((field) =>
    Object.keys(pkg[field] ?? {}).filter((name) => name.startsWith('@opensensor/')),
  );
}

describe('board packages', () => {
  it('each depends on @opensensor/sensors-core, and the Sense HAT and breakout packages on no other board', () => {
    for (const dir of BOARDS) expect(workspaceDeps(dir), dir).toContain('@opensensor/sensors-core');
    // Besides sensors-core, only the shared vocabulary (errors, Clock, Sleep), which depends on nothing.
    const shared = ['@opensensor/errors', '@opensensor/sensors-core'];
    expect(workspaceDeps('sensors-enviroplus').sort()).toEqual(shared);
    expect(workspaceDeps('sensors-sensehat').sort()).toEqual(shared);
    expect(workspaceDeps('sensors-breakout').sort()).toEqual(shared);
    expect(workspaceDeps('sensors-core')).toEqual(['@opensensor/errors']);
    expect(workspaceDeps('errors')).toEqual([]);
  });
});
