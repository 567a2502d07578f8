import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SnowpipeOptionsError } from './errors.js';
import { publicKeyFingerprint } from './jwt.js';

/** A fresh RSA key pair for a Snowflake user, with the SQL that registers it. */
export interface SnowflakeKeyPair {
  /** PKCS#8 PEM; encrypted (AES-256-CBC) when a passphrase was given. Store it with mode 0600. */
  privateKeyPem: string;
  /** SPKI PEM. */
  publicKeyPem: string;
  /** `SHA256:…`, equal to `RSA_PUBLIC_KEY_FP` (or `RSA_PUBLIC_KEY_2_FP`) in `DESC USER`. */
  fingerprint: string;
  /** `ALTER USER … SET RSA_PUBLIC_KEY = '…'`; slot 2 (`RSA_PUBLIC_KEY_2`) is for rotation without downtime. */
  alterUserSql(user: string, options?: { slot?: 1 | 2 }): string;
}

export interface GenerateKeyPairOptions {
  /** Encrypts the private key (PKCS#8, AES-256-CBC). */
  passphrase?: string;
  /** RSA modulus length; Snowflake requires at least 2048. */
  modulusLength?: number;
}

export function generateKeyPair(options: GenerateKeyPairOptions = {}): SnowflakeKeyPair {
  const modulusLength = options.modulusLength ?? 2048;
  if (!Number.isInteger(modulusLength) || modulusLength < 2048) {
    throw new SnowpipeOptionsError('modulusLength', `expected an integer >= 2048, received ${modulusLength}`);
  }
  if (options.passphrase !== undefined && options.passphrase.length === 0) {
    throw new SnowpipeOptionsError('passphrase', 'expected a non-empty string or no passphrase at all');
  }
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding:
      options.passphrase === undefined
        ? { type: 'pkcs8', format: 'pem' }
        : { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: options.passphrase },
  });
  const fingerprint = publicKeyFingerprint(publicKey);
  return {
    privateKeyPem: privateKey,
    publicKeyPem: publicKey,
    fingerprint,
    alterUserSql: (user, sqlOptions) => alterUserPublicKeySql(user, publicKey, sqlOptions?.slot ?? 1),
  };
}

/** The public key body as `ALTER USER … SET RSA_PUBLIC_KEY` wants it: base64 without PEM armour. */
export function publicKeyBody(publicKeyPem: string): string {
  return publicKeyPem
    .replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '')
    .replace(/\s+/g, '')
    .trim();
}

export function alterUserPublicKeySql(user: string, publicKeyPem: string, slot: 1 | 2 = 1): string {
  const property = slot === 2 ? 'RSA_PUBLIC_KEY_2' : 'RSA_PUBLIC_KEY';
  return `ALTER USER ${quoteIdentifier(user, 'user')} SET ${property} = '${publicKeyBody(publicKeyPem)}';`;
}

/**
 * Loads a PEM private key (PKCS#8, encrypted PKCS#8 or PKCS#1). Errors never echo the key or passphrase.
 */
export function loadPrivateKey(pem: string, passphrase?: string): KeyObject {
  if (typeof pem !== 'string' || !pem.includes('PRIVATE KEY-----')) {
    throw new SnowpipeOptionsError(
      'auth.privateKey',
      'expected a PEM private key ("-----BEGIN PRIVATE KEY-----" or "-----BEGIN ENCRYPTED PRIVATE KEY-----"); pass the file contents, not its path',
    );
  }
  const encrypted = pem.includes('ENCRYPTED PRIVATE KEY') || pem.includes('Proc-Type: 4,ENCRYPTED');
  if (encrypted && !passphrase) {
    throw new SnowpipeOptionsError(
      'auth.passphrase',
      'the private key is encrypted; pass its passphrase (OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE in the agent)',
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(encrypted ? { key: pem, format: 'pem', passphrase } : { key: pem, format: 'pem' });
  } catch (cause) {
    const reason = cause instanceof Error && 'code' in cause ? String(cause.code) : 'unreadable key';
    throw new SnowpipeOptionsError(
      encrypted ? 'auth.passphrase' : 'auth.privateKey',
      encrypted
        ? `could not decrypt the private key (${reason}); check the passphrase`
        : `could not read the private key (${reason})`,
    );
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new SnowpipeOptionsError(
      'auth.privateKey',
      `expected an RSA key, received ${key.asymmetricKeyType}; generate one with generateKeyPair()`,
    );
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) {
    throw new SnowpipeOptionsError(
      'auth.privateKey',
      `expected an RSA key of at least 2048 bits, received ${bits}`,
    );
  }
  return key;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/**
 * Quotes an unquoted-style identifier in its uppercase form, which is what Snowflake stores for
 * unquoted names; refuses anything else so generated SQL can never be injected into.
 */
export function quoteIdentifier(name: string, option: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new SnowpipeOptionsError(
      option,
      `expected a plain identifier (letters, digits, _ and $, not starting with a digit), received ${JSON.stringify(name)}`,
    );
  }
  return `"${name.toUpperCase()}"`;
}
