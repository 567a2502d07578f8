import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './processes.js';

/** Every workspace package (pnpm-workspace.yaml: packages/*, apps/*, bench) with its name. */
function workspacePackages(): { path: string; name: string }[] {
  const dirs = ['packages', 'apps'].flatMap((group) =>
    readdirSync(join(REPO_ROOT, group), { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(REPO_ROOT, group, d.name, 'package.json')))
      .map((d) => `${group}/${d.name}`),
  );
  if (existsSync(join(REPO_ROOT, 'bench/package.json'))) dirs.push('bench');
  return dirs.map((path) => ({
    path,
    name: (JSON.parse(readFileSync(join(REPO_ROOT, path, 'package.json'), 'utf8')) as { name: string }).name,
  }));
}

/** The lines of the section that starts with `heading` (up to the next heading of that level). */
function section(file: string, heading: string): string[] {
  const lines = readFileSync(join(REPO_ROOT, file), 'utf8').split('\n');
  const start = lines.indexOf(heading);
  expect(start, `${file} has no "${heading}"`).toBeGreaterThanOrEqual(0);
  const level = heading.split(' ')[0] as string;
  const end = lines.findIndex((l, i) => i > start && l.startsWith(`${level} `));
  return lines.slice(start + 1, end === -1 ? undefined : end).filter((l) => l.startsWith('|'));
}

describe('the package tables list every workspace package', () => {
  const packages = workspacePackages();

  it.each([
    ['README.md', '## What is here'],
    ['docs/architecture.md', '## Packages'],
  ])('%s', (file, heading) => {
    const rows = section(file, heading);
    const missing = packages.filter(
      (p) => !rows.some((r) => r.includes(`\`${p.path}\``) && r.includes(`\`${p.name}\``)),
    );
    expect(missing, `${file} "${heading}" lacks a row naming \`path\` and \`name\``).toEqual([]);
  });
});
