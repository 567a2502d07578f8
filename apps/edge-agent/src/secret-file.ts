import { writeFileAtomicSync } from '@opensensor/buffer';

/**
 * Writes a file that holds secrets (`.env`, private keys) with mode 0600 from the first byte on, so no
 * other user can read it even briefly, atomically and durably (temp file, fsync, rename, fsync of the
 * directory), replacing an older file's looser mode along with its contents.
 */
export function writeSecretFile(path: string, text: string): void {
  writeFileAtomicSync(path, text, { mode: 0o600 });
}
