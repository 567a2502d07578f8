import { describe, expect, it } from 'vitest';
import { SnowpipeOptionsError } from './errors.js';
import { publicKeyFingerprint } from './jwt.js';
import { alterUserPublicKeySql, generateKeyPair, loadPrivateKey } from './keys.js';

const plain = generateKeyPair();
const encrypted = generateKeyPair({ passphrase: 'correct horse' });

describe('key pairs and fingerprints', () => {
  it('encrypts the private key when a passphrase is given, and loads it back', () => {
    expect(encrypted.privateKeyPem).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    expect(plain.privateKeyPem).toContain('BEGIN PRIVATE KEY');
    const key = loadPrivateKey(encrypted.privateKeyPem, 'correct horse');
    expect(publicKeyFingerprint(key)).toBe(encrypted.fingerprint);
  });

  it('names the passphrase, never echoes it, when decryption fails', () => {
    const attempt = () => loadPrivateKey(encrypted.privateKeyPem, 'wrong passphrase');
    expect(attempt).toThrow(SnowpipeOptionsError);
    expect(attempt).toThrow(/check the passphrase/);
    try {
      attempt();
    } catch (error) {
      expect(String(error)).not.toContain('wrong passphrase');
      expect(String(error)).not.toContain('PRIVATE KEY-----\n');
    }
    expect(() => loadPrivateKey(encrypted.privateKeyPem)).toThrow(/encrypted; pass its passphrase/);
    expect(() => loadPrivateKey('/home/pi/.ssh/rsa_key.p8')).toThrow(/not its path/);
  });

  it('prints ALTER USER with the bare key body, in slot 1 or 2', () => {
    const sql = plain.alterUserSql('station_1');
    expect(sql).toMatch(/^ALTER USER "STATION_1" SET RSA_PUBLIC_KEY = 'MII[A-Za-z0-9+/=]+';$/);
    expect(alterUserPublicKeySql('station_1', plain.publicKeyPem, 2)).toContain('SET RSA_PUBLIC_KEY_2 = ');
    expect(() => plain.alterUserSql("x'; DROP USER y; --")).toThrow(SnowpipeOptionsError);
  });
});
