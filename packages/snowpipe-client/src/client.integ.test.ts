import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { checkSnowflake } from './check.js';
import { SnowpipeError, SnowpipeOptionsError } from './errors.js';
import { generateKeyPair } from './keys.js';
import { ACCOUNT, type Harness, harness, journalBatch, USER } from './test-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.fake.stop();
  h = undefined;
});

describe('authentication', () => {
  it('key-pair JWT: discovers the ingest host, exchanges a scoped token, opens, appends, commits', async () => {
    h = await harness();
    const client = h.newClient({ role: 'opensensor_streaming' });
    const channel = await client.openChannel('st-1');
    expect(channel.lastCommittedOffsetToken).toBeNull();
    await channel.append(journalBatch(1, 3).rows, { startOffsetToken: '1', endOffsetToken: '3' });
    const status = await channel.waitForCommit('3', { timeoutMs: 10_000, pollIntervalMs: 50 });
    expect(status).toMatchObject({
      channelStatusCode: 'SUCCESS',
      lastCommittedOffsetToken: '3',
      rowsInserted: 3,
    });
    expect(await client.ingestHostname()).toBe(h.fake.ingestHostname);
    expect(h.fake.stats).toMatchObject({ tokenExchanges: 1, keypairJwts: 1, unauthorized: 0 });
    expect(client.publicKeyFingerprint).toBe(h.keys.fingerprint);
  });

  it('PAT: no JWT, no exchange, the token goes straight to the ingest host', async () => {
    const pat = 'pat-secret-0123456789';
    h = await harness({ publicKeyPem: undefined, pat });
    const client = h.newClient({ auth: { pat } });
    const channel = await client.openChannel('st-1');
    await channel.append(journalBatch(1, 2).rows, { startOffsetToken: '1', endOffsetToken: '2' });
    await channel.waitForCommit('2', { timeoutMs: 10_000, pollIntervalMs: 50 });
    expect(h.fake.rows('st-1')).toHaveLength(2);
    expect(h.fake.stats).toMatchObject({ tokenExchanges: 0, keypairJwts: 0 });
  });

  it('a wrong PAT fails clearly after one re-authentication, without echoing the token', async () => {
    h = await harness({ publicKeyPem: undefined, pat: 'the-right-one' });
    const client = h.newClient({ auth: { pat: 'pat-wrong-secret' } });
    const error = await client.openChannel('st-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnowpipeError);
    expect(error).toMatchObject({ operation: 'hostname', status: 401, code: '390144', action: 'fatal' });
    expect(String((error as Error).message)).toContain('programmatic access token');
    expect(String((error as Error).message)).not.toContain('pat-wrong-secret');
    expect(client.stats.reauths).toBe(1);
  });

  it('an encrypted private key with its passphrase authenticates', async () => {
    const keys = generateKeyPair({ passphrase: 's3cret pass' });
    h = await harness({ publicKeyPem: keys.publicKeyPem });
    const client = h.newClient({ auth: { privateKey: keys.privateKeyPem, passphrase: 's3cret pass' } });
    await expect(client.openChannel('st-1')).resolves.toBeDefined();
    expect(() => h?.newClient({ auth: { privateKey: keys.privateKeyPem, passphrase: 'nope' } })).toThrow(
      SnowpipeOptionsError,
    );
  });

  it('a key not registered on the user gives a clear, actionable error', async () => {
    h = await harness();
    const other = generateKeyPair();
    const client = h.newClient({ auth: { privateKey: other.privateKeyPem } });
    const error = (await client.openChannel('st-1').catch((e: unknown) => e)) as SnowpipeError;
    expect(error).toBeInstanceOf(SnowpipeError);
    expect(error.action).toBe('fatal');
    expect(error.message).toContain(other.fingerprint);
    expect(error.message).toContain('DESC USER');
    expect(error.message).toContain('MYORG-STATION_FLEET.STATION_1');
    expect(error.message).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}/); // no JWT
    expect(h.fake.stats.lastAuthFailure).toContain('is not registered');
  });

  it('the second public key slot (rotation) is accepted alongside the first', async () => {
    const next = generateKeyPair();
    h = await harness({ publicKeyPem: [generateKeyPair().publicKeyPem, next.publicKeyPem] });
    await expect(
      h.newClient({ auth: { privateKey: next.privateKeyPem } }).openChannel('st-1'),
    ).resolves.toBeDefined();
  });

  it('renews the scoped token and the JWT before they expire (injected clock), never hitting a 401', async () => {
    h = await harness({ scopedTokenTtlMs: 10 * 60_000 });
    const client = h.newClient();
    const channel = await client.openChannel('st-1');
    await channel.append(journalBatch(1, 1).rows, { endOffsetToken: '1' });
    h.time.advance(9.5 * 60_000); // scoped token within its 60 s renewal margin; JWT still good
    await channel.append(journalBatch(2, 2).rows, { endOffsetToken: '2' });
    expect(h.fake.stats).toMatchObject({ tokenExchanges: 2, keypairJwts: 1 });
    h.time.advance(49 * 60_000); // 58.5 min: the 59 min JWT is within its margin too
    await channel.append(journalBatch(3, 3).rows, { endOffsetToken: '3' });
    expect(h.fake.stats).toMatchObject({ tokenExchanges: 3, keypairJwts: 2, unauthorized: 0 });
    expect(client.stats.reauths).toBe(0);
  });

  it('refuses JWT lifetimes over one hour and half-configured auth', async () => {
    h = await harness();
    expect(() => h?.newClient({ jwtLifetimeMs: 2 * 3_600_000 })).toThrow(/at most 1 hour/);
    expect(() => h?.newClient({ auth: {} as { pat: string } })).toThrow(/exactly one of/);
  });
});

describe('checkSnowflake (the CLI check command)', () => {
  it('opens a new channel, and only reads an existing one so a running agent is not disturbed', async () => {
    h = await harness();
    const client = h.newClient();
    const first = await checkSnowflake(client, 'st-1');
    expect(first).toMatchObject({
      ingestHostname: h.fake.ingestHostname,
      opened: true,
      publicKeyFingerprint: h.keys.fingerprint,
    });
    expect(first.status.channelStatusCode).toBe('SUCCESS');
    const sequencer = h.fake.channel('st-1')?.clientSequencer;
    const second = await checkSnowflake(h.newClient(), 'st-1');
    expect(second.opened).toBe(false);
    expect(h.fake.channel('st-1')?.clientSequencer).toBe(sequencer);
  });
});

describe('hosts', () => {
  it.each(['text', 'json', 'quoted'] as const)(
    'reads a %s hostname response and a JSON token response',
    async (format) => {
      h = await harness({ hostnameFormat: format, tokenFormat: format === 'json' ? 'json' : 'text' });
      await expect(h.newClient().openChannel('st-1')).resolves.toBeDefined();
    },
  );

  it('dashes underscores in the ingest host before the exchange, keeps its port and the URL scheme', async () => {
    h = await harness({ ingestHostname: 'myorg_station_fleet.ingest.localhost' });
    const urls: string[] = [];
    const client = h.newClient({
      fetch: (input, init) => {
        const url = new URL(String(input));
        urls.push(url.href);
        // Resolve the advertised name to the fake's loopback address, as DNS would.
        if (url.hostname.endsWith('.ingest.localhost')) url.hostname = '127.0.0.1';
        return fetch(url, init);
      },
    });
    await client.openChannel('st-1');
    const port = h.fake.ingestHostname.split(':')[1];
    expect(
      urls.some((u) =>
        u.startsWith(`http://myorg-station-fleet.ingest.localhost:${port}/v2/streaming/databases/`),
      ),
    ).toBe(true);
    expect(urls.some((u) => u.includes('_fleet.ingest'))).toBe(false);
  });
});

describe('channels', () => {
  it('a foreign open makes the token stale; the error says reopen, and reopening resumes', async () => {
    h = await harness();
    const channel = await h.newClient().openChannel('st-1');
    await channel.append(journalBatch(1, 5).rows, { startOffsetToken: '1', endOffsetToken: '5' });
    await channel.waitForCommit('5', { timeoutMs: 10_000, pollIntervalMs: 50 });
    h.fake.inject({ kind: 'foreignOpen', channel: 'st-1' });
    const error = (await channel
      .append(journalBatch(6, 6).rows, { endOffsetToken: '6' })
      .catch((e: unknown) => e)) as SnowpipeError;
    expect(error).toMatchObject({
      status: 400,
      code: 'STALE_CONTINUATION_TOKEN_SEQUENCER',
      action: 'reopen',
      retryable: false,
    });
    const status = await channel.reopen();
    expect(status.lastCommittedOffsetToken).toBe('5');
    await channel.append(journalBatch(6, 6).rows, { endOffsetToken: '6' });
    await channel.waitForCommit('6', { timeoutMs: 10_000, pollIntervalMs: 50 });
  });

  it('waitForCommit accepts a commit that jumped past the token, comparing numerically', async () => {
    h = await harness();
    const channel = await h.newClient().openChannel('st-1');
    await channel.append(journalBatch(1, 12).rows, { startOffsetToken: '1', endOffsetToken: '12' });
    const status = await channel.waitForCommit('9', { timeoutMs: 10_000, pollIntervalMs: 50 });
    expect(status.lastCommittedOffsetToken).toBe('12');
  });

  it('waitForCommit times out with a retryable error when nothing commits', async () => {
    h = await harness();
    const channel = await h.newClient().openChannel('st-1');
    h.fake.pauseCommits();
    await channel.append(journalBatch(1, 1).rows, { endOffsetToken: '1' });
    await expect(channel.waitForCommit('1', { timeoutMs: 3000, pollIntervalMs: 1000 })).rejects.toMatchObject(
      {
        code: 'COMMIT_TIMEOUT',
        retryable: true,
      },
    );
  });

  it('drop removes the channel and its offset token', async () => {
    h = await harness();
    const client = h.newClient();
    const channel = await client.openChannel('st-1');
    await channel.append(journalBatch(1, 2).rows, { startOffsetToken: '1', endOffsetToken: '2' });
    await channel.waitForCommit('2', { timeoutMs: 10_000, pollIntervalMs: 50 });
    await channel.drop();
    expect((await client.channelStatuses(['st-1'])).size).toBe(0);
    await expect(channel.status()).rejects.toMatchObject({ action: 'reopen' });
    expect((await channel.reopen()).lastCommittedOffsetToken).toBeNull();
  });

  it('reads the documented rows_errors name as well as rows_error_count', async () => {
    h = await harness({ statusFieldNames: 'documented' });
    h.fake.inject({ kind: 'rejectRows', match: () => true, message: 'bad' });
    const channel = await h.newClient().openChannel('st-1');
    await channel.append(journalBatch(1, 2).rows, { startOffsetToken: '1', endOffsetToken: '2' });
    const status = await channel.waitForCommit('2', { timeoutMs: 10_000, pollIntervalMs: 50 });
    expect(status.rowsErrorCount).toBe(2);
  });

  it('an unknown pipe is a fatal error naming the code', async () => {
    h = await harness({ pipes: [{ database: 'opensensor', schema: 'lake', pipe: 'other_pipe' }] });
    await expect(h.newClient().openChannel('st-1')).rejects.toMatchObject({
      status: 404,
      code: 'ERR_PIPE_DOES_NOT_EXIST_OR_NOT_AUTHORIZED',
      action: 'fatal',
    });
  });

  it('channel names with ":" "@" "." and mixed case round-trip exactly', async () => {
    h = await harness();
    const name = 'Node@pi-1:station.A:1';
    const channel = await h.newClient().openChannel(name);
    await channel.append(journalBatch(1, 1).rows, { endOffsetToken: '1' });
    await channel.waitForCommit('1', { timeoutMs: 10_000, pollIntervalMs: 50 });
    expect(h.fake.rows(name)).toHaveLength(1);
  });
});

describe('the fake enforces the contract (for users testing their own clients)', () => {
  it('rejects a missing Accept header with 391902, and wrong methods with 405', async () => {
    h = await harness();
    // node:http sends no Accept header unless told to (fetch would add */*).
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${h?.fake.url}/v2/streaming/hostname`, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(400);
    expect(JSON.parse(body)).toEqual({
      code: '391902',
      message: 'Unsupported Accept header null is specified',
    });
    const wildcard = await fetch(`${h.fake.url}/v2/streaming/hostname`, { headers: { Accept: '*/*' } });
    expect(wildcard.status).toBe(400);
    const ingest = `http://${h.fake.ingestHostname}`;
    const post = await fetch(`${ingest}/v2/streaming/databases/d/schemas/s/pipes/p/channels/c:register`, {
      method: 'POST',
      headers: { Accept: 'application/json' },
    });
    expect(post.status).toBe(405);
  });

  it('verifies JWT claims strictly: a token for another account is refused', async () => {
    h = await harness({ account: ACCOUNT.toUpperCase(), user: USER.toUpperCase() });
    // Same identity in upper case on the server side: the client uppercases, so this works.
    await expect(h.newClient().openChannel('st-1')).resolves.toBeDefined();
    const { createKeyPairJwt } = await import('./jwt.js');
    const { loadPrivateKey } = await import('./keys.js');
    const forged = createKeyPairJwt({
      account: 'MYORG-OTHER',
      user: USER,
      privateKey: loadPrivateKey(h.keys.privateKeyPem),
      nowMs: h.time.clock.now(),
      lifetimeMs: 60_000,
    });
    const res = await fetch(`${h.fake.url}/v2/streaming/hostname`, {
      headers: { Accept: 'application/json', Authorization: `Bearer ${forged.token}` },
    });
    expect(res.status).toBe(401);
    expect(h.fake.stats.lastAuthFailure).toContain('expected MYORG-STATION_FLEET.STATION_1');
  });
});
