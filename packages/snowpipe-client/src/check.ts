import type { SnowpipeClient } from './client.js';
import type { ChannelStatus } from './status.js';

export interface SnowflakeCheckReport {
  /** Ingest host discovered through the account URL (proves authentication works). */
  ingestHostname: string;
  /** Fingerprint of the configured key (undefined with PAT auth); compare with `DESC USER`. */
  publicKeyFingerprint: string | undefined;
  channel: string;
  /** True when this check opened the channel (it did not exist yet). */
  opened: boolean;
  status: ChannelStatus;
}

/**
 * Authenticates, resolves the pipe and reports the channel's status. An existing channel is only
 * read, not reopened, unless `reopen` is set: opening bumps the client sequencer and would make a
 * running agent on the same channel reopen and replay. A channel that does not exist yet is opened.
 */
export async function checkSnowflake(
  client: SnowpipeClient,
  channel: string,
  options: { reopen?: boolean } = {},
): Promise<SnowflakeCheckReport> {
  const ingestHostname = await client.ingestHostname();
  const existing = options.reopen ? undefined : (await client.channelStatuses([channel])).get(channel);
  const status = existing ?? (await (await client.openChannel(channel)).lastKnownStatus);
  return {
    ingestHostname,
    publicKeyFingerprint: client.publicKeyFingerprint,
    channel,
    opened: existing === undefined,
    status: status as ChannelStatus,
  };
}
