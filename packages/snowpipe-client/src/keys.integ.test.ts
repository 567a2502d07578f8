// Checks our fingerprints against the `openssl` program (a child process): an integ test, which
// fails, never skips, where openssl is missing.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { publicKeyFingerprint } from './jwt.js';
import { generateKeyPair, loadPrivateKey } from './keys.js';

const plain = generateKeyPair();

describe('key pairs and fingerprints against openssl', () => {
  it('fingerprint equals openssl: SHA-256 over DER SPKI, standard base64', () => {
    const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], { input: plain.publicKeyPem });
    const digest = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der }).toString('base64');
    expect(plain.fingerprint).toBe(`SHA256:${digest}`);
    expect(publicKeyFingerprint(loadPrivateKey(plain.privateKeyPem))).toBe(plain.fingerprint);
  });
});
