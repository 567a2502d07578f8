import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@opensensor/config';
import { describe, expect, it } from 'vitest';
import { SnowflakeKeyFileError, snowpipeClientOptions } from './snowpipe-options.js';

function config(extra: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'os-snowpipe-options-'));
  return loadConfig({
    cwd: dir,
    env: {
      OPENSENSOR_STATION_ID: '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f',
      OPENSENSOR_SNOWFLAKE_ENABLED: 'true',
      OPENSENSOR_SNOWFLAKE_ACCOUNT: 'myorg-acct',
      OPENSENSOR_SNOWFLAKE_USER: 'STATION',
      OPENSENSOR_SNOWFLAKE_DATABASE: 'DB',
      OPENSENSOR_SNOWFLAKE_SCHEMA: 'S',
      OPENSENSOR_SNOWFLAKE_PIPE: 'READINGS',
      ...extra,
    },
  }).config;
}

describe('snowpipeClientOptions', () => {
  it('maps the settings to the client: the readings or the health pipe, the token when set', async () => {
    const c = config({ OPENSENSOR_SNOWFLAKE_PAT: 'token', OPENSENSOR_SNOWFLAKE_ROLE: 'INGEST' });
    const o = await snowpipeClientOptions(c);
    expect(o).toMatchObject({
      account: 'MYORG-ACCT',
      user: 'STATION',
      role: 'INGEST',
      database: 'DB',
      schema: 'S',
      pipe: 'READINGS',
      auth: { pat: 'token' },
    });
    expect((await snowpipeClientOptions(c, 'health')).pipe).toBe(c.snowflakeHealthPipe);
  });

  it('reads the key file, and names it when it cannot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-snowpipe-key-'));
    const key = join(dir, 'key.p8');
    writeFileSync(key, 'PEM', { mode: 0o600 });
    const o = await snowpipeClientOptions(
      config({
        OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_FILE: key,
        OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: 'pw',
      }),
    );
    expect(o.auth).toEqual({ privateKey: 'PEM', passphrase: 'pw' });
    const c = config({ OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_FILE: key });
    c.snowflakePrivateKeyFile = join(dir, 'gone.p8');
    const err = await snowpipeClientOptions(c).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SnowflakeKeyFileError);
    expect(err).toMatchObject({ code: 'SNOWFLAKE_KEY_UNREADABLE', path: join(dir, 'gone.p8') });
  });
});
