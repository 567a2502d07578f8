import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The built dashboard app: copied into this package's dist/dashboard by its build (what users get
 * from npm), else the workspace's apps/dashboard/dist (tests that run the agent from source).
 */
export function defaultAppDir(): string {
  const candidates = [
    new URL('./dashboard/', import.meta.url),
    new URL('../../../dashboard/dist/', import.meta.url),
  ];
  for (const c of candidates) {
    const dir = fileURLToPath(c);
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return fileURLToPath(candidates[0] as URL);
}
