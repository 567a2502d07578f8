import { readFile } from 'node:fs/promises';
import type { OpenSensorConfig } from '@opensensor/config';
import { OpenSensorError } from '@opensensor/errors';
import type { SnowpipeClientOptions } from '@opensensor/snowpipe-client';

/** The configured private key file cannot be read (missing, or not readable by this user). */
export class SnowflakeKeyFileError extends OpenSensorError {
  override readonly name = 'SnowflakeKeyFileError';
  declare readonly code: 'SNOWFLAKE_KEY_UNREADABLE';
  readonly path: string;

  constructor(path: string, cause: unknown) {
    super(
      'SNOWFLAKE_KEY_UNREADABLE',
      `OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_FILE: cannot read ${path} (${(cause as NodeJS.ErrnoException)?.code ?? 'unreadable'}); the agent's user must be able to read it`,
      { cause },
    );
    this.path = path;
  }
}

/**
 * The Snowpipe client options the settings give: account, user, URL, role, database, schema, the
 * readings' or the health rows' pipe, and the key (read from its file) or token. The one mapping of
 * settings to a client, for the agent, `opensensor snowflake check` and `opensensor doctor`; add
 * `logger`, `maxRetries`, `requestTimeoutMs` as the caller needs. Check `missingSnowflakeSettings`
 * of @opensensor/config first: the settings it names are taken as present here.
 */
export async function snowpipeClientOptions(
  config: OpenSensorConfig,
  kind: 'reading' | 'health' = 'reading',
): Promise<SnowpipeClientOptions> {
  let auth: SnowpipeClientOptions['auth'];
  // A token wins over a key file when both are set, as the agent has always done.
  if (config.snowflakePat) auth = { pat: config.snowflakePat };
  else {
    const path = config.snowflakePrivateKeyFile as string;
    const privateKey = await readFile(path, 'utf8').catch((err: unknown) => {
      throw new SnowflakeKeyFileError(path, err);
    });
    auth = {
      privateKey,
      ...(config.snowflakePrivateKeyPassphrase ? { passphrase: config.snowflakePrivateKeyPassphrase } : {}),
    };
  }
  return {
    account: config.snowflakeAccount as string,
    user: config.snowflakeUser as string,
    ...(config.snowflakeUrl ? { url: config.snowflakeUrl } : {}),
    ...(config.snowflakeRole ? { role: config.snowflakeRole } : {}),
    auth,
    database: config.snowflakeDatabase as string,
    schema: config.snowflakeSchema as string,
    pipe: (kind === 'health' ? config.snowflakeHealthPipe : config.snowflakePipe) as string,
  };
}
