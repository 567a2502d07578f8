import { createHash, createPublicKey, type KeyObject, sign } from 'node:crypto';

export function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

/**
 * The account part of JWT claims: uppercase, region and cloud suffixes cut off
 * (`myaccount.us-east-1` → `MYACCOUNT`), the `.global` replication form reduced to its first part.
 * `ORG-ACCOUNT` keeps its dash; Snowflake's own sample that truncates at the dash is wrong.
 */
export function jwtAccountName(account: string): string {
  const upper = account.trim().toUpperCase();
  if (upper.includes('.GLOBAL')) return upper.split('-')[0] ?? upper;
  return upper.split('.')[0] ?? upper;
}

/** `SHA256:` + standard base64 of SHA-256 over the DER SubjectPublicKeyInfo: `RSA_PUBLIC_KEY_FP` in `DESC USER`. */
export function publicKeyFingerprint(key: KeyObject | string): string {
  const publicKey = typeof key === 'string' || key.type !== 'public' ? createPublicKey(key) : key;
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `SHA256:${createHash('sha256').update(der).digest('base64')}`;
}

export interface KeyPairJwtInput {
  account: string;
  user: string;
  privateKey: KeyObject;
  /** Fingerprint of the matching public key; computed when absent (it is costly on a Pi Zero, so cache it). */
  fingerprint?: string;
  nowMs: number;
  lifetimeMs: number;
}

export interface SignedJwt {
  token: string;
  expiresAtMs: number;
}

const MAX_JWT_LIFETIME_MS = 60 * 60 * 1000;

/** A key-pair JWT as Snowflake expects it: RS256, `iss = ACCOUNT.USER.SHA256:fp`, `sub = ACCOUNT.USER`. */
export function createKeyPairJwt(input: KeyPairJwtInput): SignedJwt {
  const lifetimeMs = Math.min(input.lifetimeMs, MAX_JWT_LIFETIME_MS);
  const qualifiedUser = `${jwtAccountName(input.account)}.${input.user.trim().toUpperCase()}`;
  const fingerprint = input.fingerprint ?? publicKeyFingerprint(input.privateKey);
  const iat = Math.floor(input.nowMs / 1000);
  const exp = iat + Math.floor(lifetimeMs / 1000);
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const payload = base64url(
    JSON.stringify({ iss: `${qualifiedUser}.${fingerprint}`, sub: qualifiedUser, iat, exp }),
  );
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), input.privateKey);
  return { token: `${header}.${payload}.${base64url(signature)}`, expiresAtMs: exp * 1000 };
}

/** Decodes (without verifying) a JWT's payload; undefined when the token is not a JWT. */
export function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return payload !== null && typeof payload === 'object' && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** JWT time claims may be seconds or milliseconds; Snowflake accepts both. */
export function jwtTimeToMs(value: unknown): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  return value > 1e11 ? value : value * 1000;
}
