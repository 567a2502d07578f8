/** Shared set-up of the integration tests (not exported by the package). */
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '@opensensor/errors';
import { SnowpipeClient, type SnowpipeClientOptions } from './client.js';
import {
  type FakeSnowpipeServer,
  type FakeSnowpipeServerOptions,
  startFakeSnowpipeServer,
} from './fake-server.js';
import { generateKeyPair, type SnowflakeKeyPair } from './keys.js';
import { toSnowpipeRow } from './rows.js';
import type { SinkBatch } from './sink.js';

export const ACCOUNT = 'myorg-station_fleet';
export const USER = 'station_1';
export const T0 = Date.UTC(2026, 0, 1);
export const COLUMNS = ['temperature', 'pressure', 'humidity', 'pm25'] as const;

let cachedKeys: SnowflakeKeyPair | undefined;
export function stationKeys(): SnowflakeKeyPair {
  cachedKeys ??= generateKeyPair();
  return cachedKeys;
}

/** Virtual time shared by client and fake: sleeping advances it, and yields a real millisecond so commits can run. */
export function virtualTime(start = T0) {
  let now = start;
  return {
    clock: { now: () => now },
    sleep: async (ms: number) => {
      now += Math.max(0, ms);
      await delay(1);
    },
    advance(ms: number) {
      now += ms;
    },
  };
}

export interface LogLine {
  level: string;
  message: string;
  fields: Record<string, unknown> | undefined;
}

export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, fields });
  };
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

export interface Harness {
  fake: FakeSnowpipeServer;
  time: ReturnType<typeof virtualTime>;
  keys: SnowflakeKeyPair;
  logs: LogLine[];
  newClient(overrides?: Partial<SnowpipeClientOptions>): SnowpipeClient;
}

export async function harness(
  fakeOptions: Partial<FakeSnowpipeServerOptions> = {},
  clientDefaults: Partial<SnowpipeClientOptions> = {},
): Promise<Harness> {
  const keys = stationKeys();
  const time = virtualTime();
  const fake = await startFakeSnowpipeServer({
    account: ACCOUNT,
    user: USER,
    publicKeyPem: keys.publicKeyPem,
    commitDelayMs: 5,
    clock: time.clock,
    ...fakeOptions,
  });
  const { logger, lines } = captureLogger();
  let seed = 42;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  return {
    fake,
    time,
    keys,
    logs: lines,
    newClient: (overrides = {}) =>
      new SnowpipeClient({
        account: ACCOUNT,
        user: USER,
        url: fake.url,
        auth: { privateKey: keys.privateKeyPem },
        database: 'opensensor',
        schema: 'lake',
        pipe: 'readings_pipe',
        clock: time.clock,
        sleep: time.sleep,
        random,
        logger,
        ...clientDefaults,
        ...overrides,
      }),
  };
}

/** The journal's rows from `first` to `last`: one reading every 5 s, sequence number = position. */
export function journalBatch(first: number, last: number): SinkBatch {
  const rows = [];
  for (let seq = first; seq <= last; seq++) {
    rows.push(
      toSnowpipeRow(
        'st-1',
        T0 + seq * 5000,
        { temperature: 20 + seq / 100, pressure: 1013.2, pm25: seq % 7 === 0 ? null : 4 },
        COLUMNS,
      ),
    );
  }
  return { rows, firstSeq: first, lastSeq: last };
}

/** Sequence numbers of committed rows, recovered from their timestamps. */
export function committedSeqs(fake: FakeSnowpipeServer, channel = 'st-1'): number[] {
  return fake.rows(channel).map((row) => (Date.parse(String(row.timestamp)) - T0) / 5000);
}

export function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}
