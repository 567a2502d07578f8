import { type LoadedConfig, loadConfig, type SettingKey } from '@opensensor/config';
import type { CliIo } from './io.js';

/** Options every command that reads the configuration accepts. */
export interface ConfigFlags {
  envFile?: string;
}

/**
 * Loads the configuration for a command, printing warnings to stderr. CLI flags win over the
 * environment; `flagNames` lets error messages name the flag the user typed.
 */
export function loadCommandConfig(
  io: CliIo,
  opts: ConfigFlags,
  flags: Partial<Record<SettingKey, string | number | boolean | undefined>> = {},
  flagNames: Partial<Record<SettingKey, string>> = {},
): LoadedConfig {
  const loaded = loadConfig({ env: io.env, cwd: io.cwd, envFile: opts.envFile, flags, flagNames });
  for (const w of loaded.warnings) io.stderr(`warning: ${w}\n`);
  return loaded;
}
