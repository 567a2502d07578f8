export { renderConfigurationDoc } from './docs.js';
export { formatDotenv, parseDotenv } from './dotenv.js';
export { ConfigError, type ConfigIssue, formatIssue } from './errors.js';
export {
  healthPipeName,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
  type OpenSensorConfig,
  type SettingSource,
  type StorageSettings,
} from './load.js';
export { describeConfig, type EffectiveSetting, REDACTED, redactSecrets } from './redact.js';
export {
  parseDecimal,
  SETTING_KEYS,
  type SettingGroup,
  type SettingKey,
  type SettingSpec,
  type Settings,
  STORAGE_PROVIDERS,
  settings,
  settingsSchema,
} from './settings.js';
export { readSnowflakeJson, SNOWFLAKE_JSON_KEYS } from './snowflake-json.js';
export {
  missingSnowflakeSettings,
  SNOWFLAKE_AUTH_SETTINGS,
  SNOWFLAKE_REQUIRED_SETTINGS,
} from './snowflake-required.js';
