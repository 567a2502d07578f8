import { type SettingKey, type Settings, settings } from './settings.js';

/**
 * The settings streaming to Snowflake cannot do without, besides a key or a token: the one list the
 * loader (with OPENSENSOR_SNOWFLAKE_ENABLED) and `opensensor snowflake check` both check.
 */
export const SNOWFLAKE_REQUIRED_SETTINGS = [
  'snowflakeAccount',
  'snowflakeUser',
  'snowflakeDatabase',
  'snowflakeSchema',
  'snowflakePipe',
] as const satisfies readonly SettingKey[];

/** Either authenticates: a private key file or a programmatic access token. */
export const SNOWFLAKE_AUTH_SETTINGS = [
  'snowflakePrivateKeyFile',
  'snowflakePat',
] as const satisfies readonly SettingKey[];

/**
 * The environment variables of the Snowflake settings `values` lacks, in the order of the lists above;
 * a missing key and token are one entry, `OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_FILE or OPENSENSOR_SNOWFLAKE_PAT`.
 */
export function missingSnowflakeSettings(
  values: Partial<
    Pick<Settings, (typeof SNOWFLAKE_REQUIRED_SETTINGS)[number] | (typeof SNOWFLAKE_AUTH_SETTINGS)[number]>
  >,
): string[] {
  const missing: string[] = SNOWFLAKE_REQUIRED_SETTINGS.filter((k) => values[k] === undefined).map(
    (k) => settings[k].env,
  );
  if (SNOWFLAKE_AUTH_SETTINGS.every((k) => !values[k]))
    missing.push(SNOWFLAKE_AUTH_SETTINGS.map((k) => settings[k].env).join(' or '));
  return missing;
}
