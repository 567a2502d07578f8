import { afterEach, describe, expect, it } from 'vitest';
import { SnowpipeError } from './errors.js';
import type { FakeFault } from './fake-server.js';
import { SnowpipeSink } from './sink.js';
import { committedSeqs, type Harness, harness, journalBatch, range } from './test-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.fake.stop();
  h = undefined;
});

const faults: [string, FakeFault][] = [
  [
    '429 three times, with Retry-After',
    { kind: 'status', status: 429, count: 3, endpoint: 'append', retryAfterSeconds: 1 },
  ],
  [
    '500 with a bare-string body',
    { kind: 'status', status: 500, count: 2, endpoint: 'append', body: 'string' },
  ],
  ['503 on the status poll', { kind: 'status', status: 503, count: 2, endpoint: 'status' }],
  ['408 on append', { kind: 'status', status: 408, count: 1, endpoint: 'append' }],
  ['401 token expiry on append', { kind: 'unauthorized', count: 1, endpoint: 'append' }],
  ['every token revoked', { kind: 'expireTokens' }],
  ['stale continuation token after a foreign open', { kind: 'foreignOpen', channel: 'st-1' }],
  [
    'connection dropped after the rows were accepted',
    { kind: 'dropConnection', count: 2, endpoint: 'append' },
  ],
  ['channel invalidated (409)', { kind: 'invalidateChannel', channel: 'st-1' }],
  [
    'invalid row sequencer (400)',
    { kind: 'invalidateChannel', channel: 'st-1', code: 'ERR_CHANNEL_HAS_INVALID_ROW_SEQUENCER' },
  ],
];

describe('every row exactly once under each fault', () => {
  for (const commits of ['flowing', 'held until the end'] as const) {
    it.each(faults)(`%s (commits ${commits})`, async (_name, fault) => {
      h = await harness({ commitDelayMs: commits === 'flowing' ? 0 : 5 }, { retryBaseDelayMs: 50 });
      const client = h.newClient();
      const sink = new SnowpipeSink({ client, channel: 'st-1', pollIntervalMs: 200 });
      if (commits !== 'flowing') h.fake.pauseCommits();
      for (let b = 0; b < 6; b++) {
        if (b === 3) h.fake.inject(fault);
        await sink.send(journalBatch(b * 10 + 1, b * 10 + 10));
      }
      h.fake.resumeCommits();
      expect(await sink.flush({ timeoutMs: 60_000 })).toBe(60);
      expect(committedSeqs(h.fake)).toEqual(range(1, 60));
      expect(sink.pendingRows()).toBe(0);
    });
  }

  it('an outage: nothing gets through while it lasts, then the sink delivers every row exactly once', async () => {
    h = await harness();
    const sink = new SnowpipeSink({
      client: h.newClient({ maxRetries: 1 }),
      channel: 'st-1',
      pollIntervalMs: 200,
    });
    await sink.send(journalBatch(1, 10));
    h.fake.setOutage(true);
    const failed = await sink.send(journalBatch(11, 20)).then(
      () => null,
      (err: unknown) => err,
    );
    expect(failed).toBeInstanceOf(SnowpipeError);
    expect(h.fake.stats.outageRequests).toBeGreaterThan(0);
    h.fake.setOutage(false);
    await sink.send(journalBatch(11, 20));
    expect(await sink.flush({ timeoutMs: 60_000 })).toBe(20);
    expect(committedSeqs(h.fake)).toEqual(range(1, 20));
  });

  it('reopens after a dropped connection and replays what the reopen discarded', async () => {
    h = await harness();
    const sink = new SnowpipeSink({ client: h.newClient(), channel: 'st-1', pollIntervalMs: 200 });
    h.fake.pauseCommits();
    await sink.send(journalBatch(1, 10));
    h.fake.inject({ kind: 'dropConnection', endpoint: 'append' });
    await sink.send(journalBatch(11, 20));
    // The server accepted rows 11..20 twice over (once before the drop, once replayed) but the
    // reopen discarded the first copy together with 1..10, which were replayed too.
    expect(h.fake.stats.rowsReceived).toBe(40);
    expect(sink.stats.reopens).toBe(1);
    expect(sink.stats.rowsReplayed).toBe(10);
    h.fake.resumeCommits();
    await sink.flush({ timeoutMs: 10_000 });
    expect(committedSeqs(h.fake)).toEqual(range(1, 20));
  });
});

describe('resume after a process restart', () => {
  it('a new client on the same channel skips what is committed and replays the rest', async () => {
    h = await harness();
    const first = new SnowpipeSink({ client: h.newClient(), channel: 'st-1', pollIntervalMs: 100 });
    await first.send(journalBatch(1, 10));
    expect(await first.flush({ timeoutMs: 10_000 })).toBe(10);
    h.fake.pauseCommits();
    await first.send(journalBatch(11, 30)); // in flight when the process dies

    // New process: new client object, same channel. The journal cursor was last saved at 5,
    // so the agent replays 6.. from the journal.
    const second = new SnowpipeSink({ client: h.newClient(), channel: 'st-1', pollIntervalMs: 100 });
    expect(await second.open()).toBe(10);
    h.fake.resumeCommits();
    const result = await second.send(journalBatch(6, 40));
    expect(result).toEqual({ appended: 30, skipped: 5 });
    expect(await second.flush({ timeoutMs: 10_000 })).toBe(40);
    expect(committedSeqs(h.fake)).toEqual(range(1, 40));
    // A writer still holding the old session finds its token stale, reopens, learns that 31 is
    // committed, and sends nothing: two writers on one channel never duplicate rows.
    await expect(first.send(journalBatch(31, 31))).resolves.toEqual({ appended: 0, skipped: 1 });
    expect(committedSeqs(h.fake)).toEqual(range(1, 40));
  });

  it('resends nothing when the journal replays rows already appended in this session', async () => {
    h = await harness();
    const sink = new SnowpipeSink({ client: h.newClient(), channel: 'st-1', pollIntervalMs: 100 });
    await sink.send(journalBatch(1, 10));
    expect(await sink.send(journalBatch(1, 15))).toEqual({ appended: 5, skipped: 10 });
    await sink.flush({ timeoutMs: 10_000 });
    expect(committedSeqs(h.fake)).toEqual(range(1, 15));
  });

  it('refuses a channel whose committed token is not a sequence number', async () => {
    h = await harness();
    const client = h.newClient();
    await client.openChannel('st-1', { offsetToken: 'postgres-17' });
    const sink = new SnowpipeSink({ client, channel: 'st-1' });
    await expect(sink.open()).rejects.toThrow(/NON_NUMERIC_OFFSET_TOKEN.*fresh channel name/);
  });
});

describe('request size and rate', () => {
  it('splits payloads under the byte limit', async () => {
    h = await harness({ maxRequestBytes: 1000 }, { maxRequestBytes: 1000 });
    const client = h.newClient();
    const sink = new SnowpipeSink({ client, channel: 'st-1', pollIntervalMs: 100 });
    await sink.send(journalBatch(1, 100));
    await sink.flush({ timeoutMs: 10_000 });
    expect(committedSeqs(h.fake)).toEqual(range(1, 100));
    expect(h.fake.stats.maxAppendBodyBytes).toBeLessThanOrEqual(1000);
    expect(h.fake.stats.appendRequests).toBeGreaterThanOrEqual(Math.ceil(client.stats.bytesAppended / 1000));
    expect(h.fake.stats.errors.ERR_PAYLOAD_TOO_LARGE).toBeUndefined();
  });

  it('a body over the server limit is refused with a typed fatal error', async () => {
    h = await harness({ maxRequestBytes: 1000 }, { maxRequestBytes: 4000 });
    const sink = new SnowpipeSink({ client: h.newClient(), channel: 'st-1' });
    const error = await sink.send(journalBatch(1, 100)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnowpipeError);
    expect(error).toMatchObject({
      status: 413,
      code: 'ERR_PAYLOAD_TOO_LARGE',
      action: 'fatal',
      retryable: false,
    });
  });

  it('a single row over the limit is named by its sequence number', async () => {
    h = await harness({}, { maxRequestBytes: 100 });
    const sink = new SnowpipeSink({ client: h.newClient(), channel: 'st-1' });
    await expect(sink.send(journalBatch(7, 7))).rejects.toThrow(/ROW_TOO_LARGE.*sequence 7/);
  });

  it('sends at most 10 requests per second per channel (virtual clock)', async () => {
    const appendTimes: number[] = [];
    h = await harness({ maxRequestBytes: 700 });
    const time = h.time;
    const client = h.newClient({
      maxRequestBytes: 700,
      fetch: (input, init) => {
        if (String(input).includes('/rows?')) appendTimes.push(time.clock.now());
        return fetch(input, init);
      },
    });
    const sink = new SnowpipeSink({ client, channel: 'st-1', pollIntervalMs: 100 });
    await sink.send(journalBatch(1, 120));
    await sink.flush({ timeoutMs: 10_000 });
    expect(committedSeqs(h.fake)).toEqual(range(1, 120));
    expect(appendTimes.length).toBeGreaterThan(20);
    for (let i = 10; i < appendTimes.length; i++) {
      expect((appendTimes[i] as number) - (appendTimes[i - 10] as number)).toBeGreaterThanOrEqual(1000);
    }
    expect(h.fake.stats.rateLimited).toBe(0);
    expect(client.stats.rateLimitWaitMs).toBeGreaterThan(0);
  });

  it('a client that exceeds the limit is throttled by the fake, and still delivers exactly once', async () => {
    h = await harness({ maxRequestBytes: 700 }, { maxRequestBytes: 700, maxRequestsPerSecond: 1000 });
    const sink = new SnowpipeSink({ client: h.newClient(), channel: 'st-1', pollIntervalMs: 100 });
    await sink.send(journalBatch(1, 120));
    await sink.flush({ timeoutMs: 10_000 });
    expect(h.fake.stats.rateLimited).toBeGreaterThan(0);
    expect(committedSeqs(h.fake)).toEqual(range(1, 120));
  });
});

describe('rows refused after a 200', () => {
  it('are counted and logged, and the offset still advances past them', async () => {
    h = await harness();
    h.fake.inject({
      kind: 'rejectRows',
      match: (row) => row.pm25 === null,
      message: 'NULL result in a non-nullable column',
    });
    const events: number[] = [];
    const sink = new SnowpipeSink({
      client: h.newClient(),
      channel: 'st-1',
      pollIntervalMs: 100,
      onRowErrors: (e) => events.push(e.newErrors),
    });
    await sink.send(journalBatch(1, 30));
    expect(await sink.flush({ timeoutMs: 10_000 })).toBe(30);
    const refused = [7, 14, 21, 28];
    expect(committedSeqs(h.fake)).toEqual(range(1, 30).filter((s) => !refused.includes(s)));
    expect(sink.stats.rowsRejected).toBe(4);
    expect(events.reduce((a, b) => a + b, 0)).toBe(4);
    const warning = h.logs.find((l) => l.level === 'warn' && l.message.includes('refused rows'));
    expect(warning?.fields).toMatchObject({
      channel: 'st-1',
      totalErrors: 4,
      lastErrorMessage: 'NULL result in a non-nullable column',
    });
  });
});
