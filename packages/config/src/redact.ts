import type { LoadedConfig } from './load.js';
import { SETTING_KEYS, type SettingKey, settings } from './settings.js';

export const REDACTED = '***';

export interface EffectiveSetting {
  key: SettingKey;
  env: string;
  /** The effective value as a string; secrets are `***`; null when unset. */
  value: string | null;
  source: string | null;
}

/** Every setting with its effective value and source, secrets replaced by `***`. Safe to print. */
export function describeConfig(loaded: LoadedConfig): EffectiveSetting[] {
  return SETTING_KEYS.map((key) => {
    const value = (loaded.config as Record<string, unknown>)[key];
    const secret = (settings[key] as { secret?: boolean }).secret === true;
    return {
      key,
      env: settings[key].env,
      value: value === undefined ? null : secret ? REDACTED : String(value),
      source: loaded.sources[key] ?? null,
    };
  });
}

/** A copy of any value with every secret string of the configuration replaced by `***`. */
export function redactSecrets<T>(value: T, loaded: Pick<LoadedConfig, 'config'>): T {
  const secrets = SETTING_KEYS.filter((k) => (settings[k] as { secret?: boolean }).secret)
    .map((k) => (loaded.config as Record<string, unknown>)[k])
    .filter((s): s is string => typeof s === 'string' && s.length > 0);
  if (secrets.length === 0) return value;
  const scrub = (s: string) => secrets.reduce((acc, secret) => acc.split(secret).join(REDACTED), s);
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' ? scrub(v) : v))) as T;
}
