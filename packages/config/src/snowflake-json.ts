import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError } from './errors.js';
import { SETTING_KEYS, type SettingKey, settings } from './settings.js';

/** Keys of a `snowflake_config.json` as used by the Raspberry Pi → Snowflake streaming apps. */
export const SNOWFLAKE_JSON_KEYS: ReadonlyMap<string, SettingKey> = new Map(
  SETTING_KEYS.flatMap((k) => {
    const jsonKey = (settings[k] as { snowflakeJsonKey?: string }).snowflakeJsonKey;
    return jsonKey ? [[jsonKey, k] as const] : [];
  }),
);

export interface SnowflakeJsonValues {
  values: Map<SettingKey, string>;
  warnings: string[];
}

/**
 * Reads a snowflake_config.json. A relative `private_key_file` is resolved against the JSON file's
 * own directory, so the file keeps working wherever the agent is started from.
 */
export function readSnowflakeJson(path: string, variable: string): SnowflakeJsonValues {
  const fail = (expected: string, received: string): never => {
    throw new ConfigError([{ variable, expected, received }]);
  };
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    fail('a readable snowflake_config.json file', `${JSON.stringify(path)} (${code ?? 'unreadable'})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    fail(`valid JSON in ${path}`, (err as Error).message);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    fail(`a JSON object in ${path}`, Array.isArray(data) ? 'an array' : typeof data);
  }
  const values = new Map<SettingKey, string>();
  const warnings: string[] = [];
  for (const [jsonKey, raw] of Object.entries(data as Record<string, unknown>)) {
    const key = SNOWFLAKE_JSON_KEYS.get(jsonKey);
    if (!key) {
      warnings.push(
        `${path}: key "${jsonKey}" is not used (known keys: ${[...SNOWFLAKE_JSON_KEYS.keys()].join(', ')})`,
      );
      continue;
    }
    if (raw === null || raw === undefined || raw === '') continue;
    if (typeof raw !== 'string') {
      fail(`a string for "${jsonKey}" in ${path}`, typeof raw);
    }
    let value = raw as string;
    if (key === 'snowflakePrivateKeyFile' && !isAbsolute(value)) value = resolve(dirname(path), value);
    values.set(key, value);
  }
  return { values, warnings };
}
