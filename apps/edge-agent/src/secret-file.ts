import { chmodSync, renameSync, writeFileSync } from 'node:fs';

/**
 * Writes a file that holds secrets (`.env`, private keys) with mode 0600 from the first byte on, so no
 * other user can read it even briefly, then renames it over the target (replacing an older file's
 * looser mode along with its contents).
 */
export function writeSecretFile(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  // A stale temp file from a crashed run keeps its old mode through writeFileSync.
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
