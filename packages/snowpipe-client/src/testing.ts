/**
 * Test helpers: a local Snowpipe Streaming v2 server that enforces the protocol strictly, with
 * fault injection, so code that streams to Snowflake can be tested without an account.
 */
export {
  type FakeChannelState,
  type FakeEndpoint,
  type FakeFault,
  type FakePipe,
  type FakeSnowpipeServer,
  type FakeSnowpipeServerOptions,
  type FakeSnowpipeStats,
  startFakeSnowpipeServer,
} from './fake-server.js';
