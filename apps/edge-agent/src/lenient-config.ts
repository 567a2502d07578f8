import { ConfigError, type LoadedConfig, type SettingKey, settings } from '@opensensor/config';
import type { CliIo } from './io.js';
import { loadCommandConfig } from './load-config.js';

/** Stands in for a station id that is not configured yet; never written or shown. */
const PLACEHOLDER_STATION_ID = '00000000-0000-7000-8000-000000000000';

export interface LenientConfig {
  loaded: LoadedConfig;
  /** False when no station id is configured (the placeholder was used). */
  hasStationId: boolean;
}

/**
 * Loads the configuration for commands that are useful before `opensensor setup` has run
 * (`test`, `snowflake keygen`, `snowflake sql`): a missing station id is tolerated, every other
 * problem still fails with every bad variable named.
 */
export function loadLenientConfig(
  io: CliIo,
  envFile: string | undefined,
  flags: Partial<Record<SettingKey, string | number | boolean | undefined>> = {},
): LenientConfig {
  try {
    return { loaded: loadCommandConfig(io, { envFile }, flags), hasStationId: true };
  } catch (err) {
    const onlyStationMissing =
      err instanceof ConfigError &&
      err.issues.length > 0 &&
      err.issues.every((i) => i.variable === settings.stationId.env && i.received === 'nothing');
    if (!onlyStationMissing) throw err;
    return {
      loaded: loadCommandConfig(io, { envFile }, { ...flags, stationId: PLACEHOLDER_STATION_ID }),
      hasStationId: false,
    };
  }
}
