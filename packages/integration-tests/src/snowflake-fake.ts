import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair } from '@opensensor/snowpipe-client';
import { type FakeSnowpipeServer, startFakeSnowpipeServer } from '@opensensor/snowpipe-client/testing';

/**
 * A fake Snowflake for an agent under test: a key pair whose public half the server verifies JWTs
 * with, the private key written to `<dir>/snowflake/rsa_key.p8` (mode 0600) and the `OPENSENSOR_*`
 * settings that point the agent at the server with it.
 */
export async function fakeSnowflakeForAgent(
  dir: string,
  account: string,
  user = 'OPENSENSOR_STREAMING',
): Promise<{ fake: FakeSnowpipeServer; keyFile: string; env: Record<string, string> }> {
  const keys = generateKeyPair();
  const fake = await startFakeSnowpipeServer({ account, user, publicKeyPem: keys.publicKeyPem });
  const keyFile = join(dir, 'snowflake', 'rsa_key.p8');
  mkdirSync(join(dir, 'snowflake'), { recursive: true });
  writeFileSync(keyFile, keys.privateKeyPem, { mode: 0o600 });
  return {
    fake,
    keyFile,
    env: {
      OPENSENSOR_SNOWFLAKE_ENABLED: 'true',
      OPENSENSOR_SNOWFLAKE_ACCOUNT: account,
      OPENSENSOR_SNOWFLAKE_USER: user,
      OPENSENSOR_SNOWFLAKE_URL: fake.url,
      OPENSENSOR_SNOWFLAKE_DATABASE: 'OPENSENSOR',
      OPENSENSOR_SNOWFLAKE_SCHEMA: 'RAW',
      OPENSENSOR_SNOWFLAKE_PIPE: 'READINGS_PIPE',
      OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_FILE: keyFile,
    },
  };
}
