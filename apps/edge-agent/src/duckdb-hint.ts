import { releasePeerRange } from './version.js';

/**
 * What to tell the user when the lake commands cannot load DuckDB (`ENGINE_UNAVAILABLE` from
 * @opensensor/lake): the release of the agent never installs it (a station does not need it, it has
 * no build for 32-bit ARM and takes about 70 MB), so "not installed" is the common case off the Pi.
 */
export function duckDbUnavailableMessage(
  err: Error & { cause?: unknown },
  arch: string = process.arch,
  platform: string = process.platform,
): string {
  const cause = err.cause as { code?: unknown; message?: unknown } | undefined;
  if (arch === 'arm' || arch === 'ia32')
    return (
      `DuckDB publishes no build for ${platform}-${arch} (32-bit Raspberry Pi OS, Pi Zero W and Pi 1), so the lake ` +
      'commands cannot run here. Run them on a 64-bit machine (a laptop, a server, a CI job, a Pi with a 64-bit OS) ' +
      'against the bucket or a copy of the lake; the station itself never needs DuckDB.'
    );
  if (cause?.code === 'ERR_MODULE_NOT_FOUND' || cause?.code === 'MODULE_NOT_FOUND') {
    const range = releasePeerRange('@duckdb/node-api');
    return (
      'The lake commands need DuckDB, which is not installed: the agent does not bring it, since a station never ' +
      `needs it. Install it next to the agent (with the same prefix, e.g. with sudo): npm install -g @duckdb/node-api${range ? `@${range}` : ''}`
    );
  }
  return `DuckDB (@duckdb/node-api) is installed but failed to load on ${platform}-${arch}: ${String(cause?.message ?? err.message)}. Reinstall it: npm install -g @duckdb/node-api`;
}
