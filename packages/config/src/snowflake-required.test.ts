import { describe, expect, it } from 'vitest';
import { missingSnowflakeSettings } from './snowflake-required.js';

describe('missingSnowflakeSettings', () => {
  it('names every missing setting by its variable, key and token as one entry', () => {
    expect(missingSnowflakeSettings({})).toEqual([
      'OPENSENSOR_SNOWFLAKE_ACCOUNT',
      'OPENSENSOR_SNOWFLAKE_USER',
      'OPENSENSOR_SNOWFLAKE_DATABASE',
      'OPENSENSOR_SNOWFLAKE_SCHEMA',
      'OPENSENSOR_SNOWFLAKE_PIPE',
      'OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_FILE or OPENSENSOR_SNOWFLAKE_PAT',
    ]);
    expect(
      missingSnowflakeSettings({
        snowflakeAccount: 'a',
        snowflakeUser: 'u',
        snowflakeDatabase: 'd',
        snowflakeSchema: 's',
        snowflakePipe: 'p',
        snowflakePat: 't',
      }),
    ).toEqual([]);
  });
});
