import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/** Every workspace package is a vitest project named after the package. */
const roots = [
  ...['packages', 'apps'].flatMap((group) =>
    readdirSync(group, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(`${group}/${d.name}/package.json`))
      .map((d) => `${group}/${d.name}`),
  ),
  ...(existsSync('bench/package.json') ? ['bench'] : []),
];
const projects = roots.map((root) => {
  const { name } = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { name: string };
  return {
    extends: true as const,
    test: { name, root, include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
  };
});

export default defineConfig({
  resolve: { conditions: ['@opensensor/source'] },
  ssr: { resolve: { conditions: ['@opensensor/source'] } },
  test: {
    projects,
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
