import { execFileSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseScopedToken } from './client.js';
import { SnowpipeConfigError, SnowpipeError } from './errors.js';
import { accountBaseUrl, parseIngestHostname } from './hosts.js';
import { createKeyPairJwt, decodeJwtPayload, jwtAccountName, publicKeyFingerprint } from './jwt.js';
import { alterUserPublicKeySql, generateKeyPair, loadPrivateKey } from './keys.js';
import { compareOffsetTokens, isCommitted, parseSequenceToken } from './offsets.js';
import { encodeRow, toSnowpipeRow } from './rows.js';
import { SlidingWindowLimiter, uuidFrom } from './runtime.js';
import { snowflakeSetupSql } from './sql.js';
import { normalizeChannelStatus } from './status.js';

const plain = generateKeyPair();
const encrypted = generateKeyPair({ passphrase: 'correct horse' });

describe('key pairs and fingerprints', () => {
  it('fingerprint equals openssl: SHA-256 over DER SPKI, standard base64', () => {
    const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], { input: plain.publicKeyPem });
    const digest = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der }).toString('base64');
    expect(plain.fingerprint).toBe(`SHA256:${digest}`);
    expect(publicKeyFingerprint(loadPrivateKey(plain.privateKeyPem))).toBe(plain.fingerprint);
  });

  it('encrypts the private key when a passphrase is given, and loads it back', () => {
    expect(encrypted.privateKeyPem).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    expect(plain.privateKeyPem).toContain('BEGIN PRIVATE KEY');
    const key = loadPrivateKey(encrypted.privateKeyPem, 'correct horse');
    expect(publicKeyFingerprint(key)).toBe(encrypted.fingerprint);
  });

  it('names the passphrase, never echoes it, when decryption fails', () => {
    const attempt = () => loadPrivateKey(encrypted.privateKeyPem, 'wrong passphrase');
    expect(attempt).toThrow(SnowpipeConfigError);
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
    expect(() => plain.alterUserSql("x'; DROP USER y; --")).toThrow(SnowpipeConfigError);
  });
});

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

describe('hosts and tokens', () => {
  it.each([
    [
      'plain text',
      'xy12345.ingest.iadaax.snowflakecomputing.com\n',
      'xy12345.ingest.iadaax.snowflakecomputing.com',
    ],
    ['quoted', '"my_acct.ingest.snowflakecomputing.com"', 'my-acct.ingest.snowflakecomputing.com'],
    [
      'documented JSON',
      '{"hostname":"a_b.ingest.snowflakecomputing.com"}',
      'a-b.ingest.snowflakecomputing.com',
    ],
    ['with port', '127.0.0.1:8443', '127.0.0.1:8443'],
  ])('reads the hostname as %s', (_name, body, host) => {
    expect(parseIngestHostname(body)).toBe(host);
  });

  it('refuses garbage hostnames with a typed error', () => {
    expect(() => parseIngestHostname('SNOWFLAKE.ingest..snowflakecomputing.com')).toThrow(SnowpipeError);
    expect(() => parseIngestHostname('<html>')).toThrow(/INVALID_INGEST_HOSTNAME/);
  });

  it('builds the account URL, dashing underscores', () => {
    expect(accountBaseUrl(undefined, 'my_org-acct').base).toBe('https://my-org-acct.snowflakecomputing.com');
    expect(accountBaseUrl('https://my_org-acct.snowflakecomputing.com/path', 'x').base).toBe(
      'https://my-org-acct.snowflakecomputing.com',
    );
    expect(accountBaseUrl('http://127.0.0.1:9000', 'x')).toEqual({
      base: 'http://127.0.0.1:9000',
      protocol: 'http:',
    });
    expect(() => accountBaseUrl('ftp://x', 'x')).toThrow(/https/);
    expect(() => accountBaseUrl('https://u:p@x', 'x')).toThrow(/credentials do not belong/);
  });

  it('reads the scoped token as raw text or documented JSON', () => {
    expect(parseScopedToken('eyJ.a.b\n')).toBe('eyJ.a.b');
    expect(parseScopedToken('{"token":"eyJ.a.b"}')).toBe('eyJ.a.b');
    expect(() => parseScopedToken('')).toThrow(/INVALID_TOKEN_RESPONSE/);
  });
});

describe('offset tokens', () => {
  it('compares sequence numbers numerically, not lexically', () => {
    expect(compareOffsetTokens('10', '9')).toBe(1);
    expect(compareOffsetTokens('9', '10')).toBe(-1);
    expect(compareOffsetTokens('42', '42')).toBe(0);
    expect(isCommitted('100', '99')).toBe(true);
    expect(isCommitted('99', '100')).toBe(false);
    expect(isCommitted(null, '1')).toBe(false);
    expect(parseSequenceToken('17')).toBe(17);
    expect(parseSequenceToken(null)).toBeNull();
    expect(parseSequenceToken('postgres-5')).toBeNaN();
  });
});

describe('rows and status', () => {
  it('builds one row per reading: ISO UTC milliseconds, every column, null where missing', () => {
    const row = toSnowpipeRow(
      'st-1',
      Date.UTC(2026, 2, 1, 9, 0, 5, 7),
      { temperature: 21.5, pm25: Number.NaN },
      ['temperature', 'humidity', 'pm25'],
    );
    expect(row).toEqual({
      station_id: 'st-1',
      timestamp: '2026-03-01T09:00:05.007Z',
      temperature: 21.5,
      humidity: null,
      pm25: null,
    });
    expect(encodeRow(row)).toBe(`${JSON.stringify(row)}\n`);
    expect(() => toSnowpipeRow('st-1', Number.NaN, {})).toThrow(SnowpipeConfigError);
  });

  it('reads the error counter under its observed and documented names', () => {
    expect(
      normalizeChannelStatus({ channel_status_code: 'SUCCESS', rows_error_count: 3 }).rowsErrorCount,
    ).toBe(3);
    expect(normalizeChannelStatus({ channel_status_code: 'SUCCESS', rows_errors: 2 }).rowsErrorCount).toBe(2);
    expect(normalizeChannelStatus({ last_committed_offset_token: null }).lastCommittedOffsetToken).toBeNull();
  });
});

describe('setup SQL', () => {
  it('creates table, v2 streaming pipe with explicit key extraction, role, grants and default role', () => {
    const sql = snowflakeSetupSql({
      database: 'opensensor',
      schema: 'lake',
      table: 'readings',
      pipe: 'readings_pipe',
      role: 'opensensor_streaming',
      user: 'station_1',
      warehouse: 'compute_wh',
      columns: [
        { name: 'temperature', type: 'FLOAT' },
        { name: 'pm25', type: 'FLOAT' },
      ],
    });
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS "OPENSENSOR"."LAKE"."READINGS" (');
    expect(sql).toContain('"STATION_ID" VARCHAR NOT NULL');
    expect(sql).toContain('"TIMESTAMP" TIMESTAMP_TZ(3) NOT NULL');
    expect(sql).toContain('"PM25" FLOAT');
    expect(sql).toContain('CREATE PIPE IF NOT EXISTS "OPENSENSOR"."LAKE"."READINGS_PIPE" AS');
    expect(sql).toContain('$1:"station_id"');
    expect(sql).toContain('$1:"pm25"');
    expect(sql).toContain("FROM TABLE(DATA_SOURCE(TYPE => 'STREAMING'))");
    expect(sql).toContain(
      'GRANT OPERATE, MONITOR ON PIPE "OPENSENSOR"."LAKE"."READINGS_PIPE" TO ROLE "OPENSENSOR_STREAMING";',
    );
    expect(sql).toContain('GRANT INSERT, SELECT ON TABLE');
    expect(sql).toContain('GRANT USAGE ON WAREHOUSE "COMPUTE_WH"');
    expect(sql).toContain('ALTER USER "STATION_1" SET DEFAULT_ROLE = "OPENSENSOR_STREAMING";');
    expect(sql).not.toContain('OR REPLACE');
  });

  it('adds more tables with their own pipes for the same role, and an INGESTED_AT column the pipe leaves to its default', () => {
    const sql = snowflakeSetupSql({
      database: 'opensensor',
      schema: 'lake',
      table: 'readings',
      pipe: 'readings_pipe',
      role: 'opensensor_streaming',
      user: 'station_1',
      columns: [{ name: 'temperature', type: 'FLOAT' }],
      moreTables: [
        {
          table: 'health',
          pipe: 'health_pipe',
          columns: [
            { name: 'hostname', type: 'VARCHAR' },
            { name: 'uptime_seconds', type: 'NUMBER(38,0)' },
          ],
        },
      ],
    });
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS "OPENSENSOR"."LAKE"."HEALTH" (');
    expect(sql).toContain('"UPTIME_SECONDS" NUMBER(38,0)');
    expect(sql.match(/"INGESTED_AT" TIMESTAMP_TZ\(3\) DEFAULT CURRENT_TIMESTAMP\(\)/g)).toHaveLength(2);
    expect(sql).toContain(
      'COPY INTO "OPENSENSOR"."LAKE"."HEALTH" ("STATION_ID", "TIMESTAMP", "HOSTNAME", "UPTIME_SECONDS")',
    );
    expect(sql).toContain(
      'COPY INTO "OPENSENSOR"."LAKE"."READINGS" ("STATION_ID", "TIMESTAMP", "TEMPERATURE")',
    );
    expect(sql).toContain('GRANT OPERATE, MONITOR ON PIPE "OPENSENSOR"."LAKE"."HEALTH_PIPE"');
    expect(sql).toContain('GRANT INSERT, SELECT ON TABLE "OPENSENSOR"."LAKE"."HEALTH"');
    expect(sql.match(/CREATE ROLE/g)).toHaveLength(1);
    const ntz = snowflakeSetupSql({
      database: 'd',
      schema: 's',
      table: 't',
      pipe: 'p',
      role: 'r',
      user: 'u',
      columns: [],
      timestampType: 'TIMESTAMP_NTZ',
    });
    expect(ntz).toContain('"INGESTED_AT" TIMESTAMP_NTZ(3) DEFAULT SYSDATE()');
    expect(
      snowflakeSetupSql({
        database: 'd',
        schema: 's',
        table: 't',
        pipe: 'p',
        role: 'r',
        user: 'u',
        columns: [],
        ingestedAtColumn: null,
      }),
    ).not.toContain('INGESTED_AT');
    expect(() =>
      snowflakeSetupSql({
        database: 'd',
        schema: 's',
        table: 't',
        pipe: 'p',
        role: 'r',
        user: 'u',
        columns: [],
        moreTables: [{ table: 'h', pipe: 'hp', columns: [{ name: 'ingested_at', type: 'FLOAT' }] }],
      }),
    ).toThrow(/moreTables\[0\]\.columns\[0\]\.name/);
  });

  it('refuses identifiers and types that could inject SQL', () => {
    const base = { database: 'd', schema: 's', table: 't', pipe: 'p', role: 'r', user: 'u', columns: [] };
    expect(() => snowflakeSetupSql({ ...base, table: 't; DROP TABLE x' })).toThrow(/"table"/);
    expect(() => snowflakeSetupSql({ ...base, columns: [{ name: 'x', type: 'FLOAT); DROP' }] })).toThrow(
      /columns\[0\]\.type/,
    );
    expect(() => snowflakeSetupSql({ ...base, columns: [{ name: 'Timestamp', type: 'FLOAT' }] })).toThrow(
      /duplicate/,
    );
  });
});

describe('runtime helpers', () => {
  it('never lets more than max events into any window', async () => {
    let now = 0;
    const limiter = new SlidingWindowLimiter(10, 1000, { now: () => now }, async (ms) => {
      now += ms;
    });
    const times: number[] = [];
    for (let i = 0; i < 35; i++) {
      await limiter.acquire();
      times.push(now);
      now += 7;
    }
    for (let i = 10; i < times.length; i++)
      expect((times[i] as number) - (times[i - 10] as number)).toBeGreaterThanOrEqual(1000);
  });

  it('makes request ids from the injected random source', () => {
    let seed = 1;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const id = uuidFrom(random);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
