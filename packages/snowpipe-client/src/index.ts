/**
 * @opensensor/snowpipe-client — Snowpipe Streaming v2 (high-performance) REST client with
 * key-pair JWT or PAT auth, named channels and exactly-once delivery by offset token.
 */
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
export type { Clock, Random, Sleep, SnowpipeLogger } from './runtime.js';
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
