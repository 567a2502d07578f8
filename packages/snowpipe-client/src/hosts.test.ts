import { describe, expect, it } from 'vitest';
import { parseScopedToken } from './client.js';
import { SnowpipeError } from './errors.js';
import { accountBaseUrl, parseIngestHostname } from './hosts.js';

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
