import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createKeyPairJwt, decodeJwtPayload, jwtAccountName } from './jwt.js';
import { generateKeyPair, loadPrivateKey } from './keys.js';

const plain = generateKeyPair();

describe('key-pair JWT', () => {
  it('uppercases account and user, cuts the region, keeps ORG-ACCOUNT whole', () => {
    expect(jwtAccountName('myorg-myaccount')).toBe('MYORG-MYACCOUNT');
    expect(jwtAccountName('xy12345.us-east-1')).toBe('XY12345');
    expect(jwtAccountName('testaccount-user.global')).toBe('TESTACCOUNT');
    expect(jwtAccountName('my_org-acct')).toBe('MY_ORG-ACCT');
  });

  it('carries iss/sub/iat/exp as Snowflake documents and verifies with the public key', () => {
    const now = Date.UTC(2026, 0, 1, 12);
    const jwt = createKeyPairJwt({
      account: 'myorg-acct.eu-west-1',
      user: 'station',
      privateKey: loadPrivateKey(plain.privateKeyPem),
      nowMs: now,
      lifetimeMs: 2 * 60 * 60 * 1000,
    });
    const payload = decodeJwtPayload(jwt.token);
    expect(payload).toEqual({
      iss: `MYORG-ACCT.STATION.${plain.fingerprint}`,
      sub: 'MYORG-ACCT.STATION',
      iat: now / 1000,
      exp: now / 1000 + 3600,
    });
    expect(jwt.expiresAtMs).toBe(now + 3_600_000);
    const [h, p, s] = jwt.token.split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(
      verify(
        'RSA-SHA256',
        Buffer.from(`${h}.${p}`),
        createPublicKey(plain.publicKeyPem),
        Buffer.from(s, 'base64url'),
      ),
    ).toBe(true);
  });
});
