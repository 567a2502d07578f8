/**
 * @opensensor/snowpipe-client — Snowpipe Streaming v2 (high-performance) REST client with
 * key-pair JWT or PAT auth, named channels and exactly-once delivery by offset token.
 */

export type {
  /** @deprecated import `Clock` from `@opensensor/errors`, the one declaration every package uses. */
  Clock,
  /** @deprecated import `Logger` from `@opensensor/errors`; the methods are no longer optional (`console` still fits). */
  Logger as SnowpipeLogger,
  /** @deprecated import `Sleep` from `@opensensor/errors`, the one declaration every package uses. */
  Sleep,
} from '@opensensor/errors';
export {
  type AppendOffsets,
  Channel,
  type OpenChannelOptions,
  type RowErrorEvent,
  type RowErrorListener,
  type WaitForCommitOptions,
} from './channel.js';
export { checkSnowflake, type SnowflakeCheckReport } from './check.js';
export {
  type SnowpipeAuth,
  SnowpipeClient,
  type SnowpipeClientOptions,
  type SnowpipeClientStats,
} from './client.js';
export {
  classifyError,
  parseErrorBody,
  SnowpipeConfigError,
  SnowpipeError,
  type SnowpipeErrorAction,
  type SnowpipeOperation,
  SnowpipeOptionsError,
} from './errors.js';
export { createKeyPairJwt, jwtAccountName, publicKeyFingerprint } from './jwt.js';
export {
  alterUserPublicKeySql,
  type GenerateKeyPairOptions,
  generateKeyPair,
  loadPrivateKey,
  quoteIdentifier,
  type SnowflakeKeyPair,
} from './keys.js';
export { compareOffsetTokens, isCommitted } from './offsets.js';
export {
  encodeRow,
  type SnowpipeReadingRow,
  type SnowpipeRow,
  type SnowpipeValue,
  toSnowpipeRow,
} from './rows.js';
export type { Random } from './runtime.js';
export {
  type SinkBatch,
  type SinkSendResult,
  SnowpipeSink,
  type SnowpipeSinkOptions,
  type SnowpipeSinkStats,
} from './sink.js';
export {
  type SnowflakeColumn,
  type SnowflakeSetupOptions,
  type SnowflakeStreamTable,
  snowflakeSetupSql,
} from './sql.js';
export type { ChannelStatus } from './status.js';
