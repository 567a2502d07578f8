import { createHmac, createPublicKey, type KeyObject, randomBytes, verify } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Clock } from '@opensensor/errors';
import type { Reply } from './fake-server-http.js';
import { headerValue, safeEqual } from './fake-server-http.js';
import type { FakeSnowpipeServerOptions, FakeSnowpipeStats } from './fake-server-types.js';
import { base64url, decodeJwtPayload, jwtAccountName, jwtTimeToMs, publicKeyFingerprint } from './jwt.js';

/** What the fake's authentication needs of the server around it. */
export interface FakeAuthContext {
  readonly options: FakeSnowpipeServerOptions;
  readonly clock: Clock;
  readonly stats: FakeSnowpipeStats;
  /** The ingest host as advertised (`host:port`), known once the servers listen. */
  ingestHost(): string;
  fail(status: number, code: string, message: string, shape?: 'code' | 'error_code'): never;
}

/**
 * The fake's authentication: a PAT, key-pair JWTs checked against the registered public keys (claims,
 * lifetime, clock skew, signature), and the scoped tokens it issues for the ingest host.
 */
export class FakeAuth {
  private readonly keys: { key: KeyObject; fingerprint: string }[];
  private readonly secret = randomBytes(32);
  private readonly account: string;
  private readonly user: string;
  private readonly seenJwts = new Set<string>();
  private tokenEpochMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly ctx: FakeAuthContext) {
    const options = ctx.options;
    const pems = options.publicKeyPem === undefined ? [] : [options.publicKeyPem].flat();
    if (pems.length === 0 && options.pat === undefined) {
      throw new Error('startFakeSnowpipeServer: register a publicKeyPem, a pat, or both');
    }
    this.keys = pems.map((pem) => {
      const key = createPublicKey(pem);
      return { key, fingerprint: publicKeyFingerprint(key) };
    });
    this.account = jwtAccountName(options.account);
    this.user = options.user.toUpperCase();
  }

  /** Every token issued so far stops working (as after a key rotation or a revocation). */
  expireTokens(): void {
    this.tokenEpochMs = this.ctx.clock.now();
  }

  /** Answers 401 as Snowflake does, keeping the real reason for the test (`stats.lastAuthFailure`). */
  refuse(reason: string): never {
    this.ctx.stats.unauthorized++;
    this.ctx.stats.lastAuthFailure = reason;
    this.ctx.fail(401, '390144', `JWT token is invalid. [${randomBytes(8).toString('hex')}]`, 'code');
  }

  /** Accepts a PAT, a key-pair JWT, or (on the ingest host) a scoped token, with a matching type header. */
  authenticate(req: IncomingMessage, plane: 'control' | 'ingest'): void {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Bearer ')) this.refuse('no Bearer token');
    const token = header.slice('Bearer '.length).trim();
    const type = headerValue(req.headers['x-snowflake-authorization-token-type']);
    const pat = this.ctx.options.pat;
    if (pat !== undefined && safeEqual(token, pat)) {
      if (type !== undefined && type !== 'PROGRAMMATIC_ACCESS_TOKEN')
        this.refuse(`PAT sent with token type ${type}`);
      return;
    }
    const payload = decodeJwtPayload(token);
    if (payload && payload.iss === 'fake-snowpipe') {
      if (plane !== 'ingest') this.refuse('scoped token used on the account host');
      if (type !== undefined && type !== 'OAUTH') this.refuse(`scoped token sent with token type ${type}`);
      this.verifyScoped(token, payload);
      return;
    }
    if (type !== undefined && type !== 'KEYPAIR_JWT')
      this.refuse(`key-pair JWT sent with token type ${type}`);
    this.verifyKeypairJwt(token);
  }

  private verifyKeypairJwt(token: string): void {
    const parts = token.split('.');
    if (parts.length !== 3) this.refuse('not a JWT');
    const [h = '', p = '', s = ''] = parts;
    let header: { alg?: unknown };
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: unknown };
    } catch {
      this.refuse('unreadable JWT header');
    }
    if (header.alg !== 'RS256') this.refuse(`alg must be RS256, got ${String(header.alg)}`);
    const payload = decodeJwtPayload(token);
    if (!payload) this.refuse('unreadable JWT payload');
    const iss = typeof payload.iss === 'string' ? payload.iss : '';
    const match = /^(.+)\.([^.]+)\.(SHA256:.+)$/.exec(iss);
    if (!match) this.refuse('iss must be ACCOUNT.USER.SHA256:fingerprint');
    const [, account, user, fingerprint] = match;
    if (account !== this.account || user !== this.user) {
      this.refuse(`iss names ${account}.${user}, expected ${this.account}.${this.user} (uppercase)`);
    }
    if (payload.sub !== `${this.account}.${this.user}`)
      this.refuse(`sub must be ${this.account}.${this.user}`);
    const key = this.keys.find((k) => k.fingerprint === fingerprint);
    if (!key) this.refuse(`fingerprint ${fingerprint} is not registered for user ${this.user}`);
    if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), key.key, Buffer.from(s, 'base64url'))) {
      this.refuse('signature does not verify against the registered public key');
    }
    const now = this.ctx.clock.now();
    const iat = jwtTimeToMs(payload.iat);
    const exp = jwtTimeToMs(payload.exp);
    if (iat === undefined || exp === undefined) this.refuse('iat and exp are required');
    if (exp <= now) this.refuse('JWT expired');
    if (iat > now + 60_000) this.refuse('iat is in the future (clock skew)');
    if (exp - iat > 3_600_000) this.refuse('JWT lifetime exceeds one hour');
    if (iat < this.tokenEpochMs) this.refuse('JWT issued before tokens were expired');
    if (!this.seenJwts.has(token)) {
      this.seenJwts.add(token);
      this.ctx.stats.keypairJwts++;
    }
  }

  private verifyScoped(token: string, payload: Record<string, unknown>): void {
    const [h = '', p = '', s = ''] = token.split('.');
    const expected = createHmac('sha256', this.secret).update(`${h}.${p}`).digest('base64url');
    if (!safeEqual(s, expected)) this.refuse('scoped token signature invalid');
    const exp = jwtTimeToMs(payload.exp) ?? 0;
    const iat = jwtTimeToMs(payload.iat) ?? 0;
    if (exp <= this.ctx.clock.now()) this.refuse('scoped token expired');
    if (iat < this.tokenEpochMs) this.refuse('scoped token revoked');
    if (payload.scope !== this.ctx.ingestHost().replaceAll('_', '-')) {
      this.refuse(`scoped token is for ${String(payload.scope)}, not this ingest host`);
    }
  }

  /** The key-pair JWT → scoped token exchange (`POST /oauth/token`). */
  exchange(req: IncomingMessage, body: Buffer): Reply {
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      this.ctx.fail(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded', 'code');
    }
    const form = new URLSearchParams(body.toString('utf8'));
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      this.ctx.fail(
        400,
        'invalid_grant',
        'grant_type must be urn:ietf:params:oauth:grant-type:jwt-bearer',
        'code',
      );
    }
    const header = req.headers.authorization;
    const assertion = form.get('assertion');
    const jwt = header?.startsWith('Bearer ') ? header.slice(7).trim() : assertion;
    if (!jwt) this.refuse('no JWT in Authorization or assertion');
    if (req.headers['x-snowflake-authorization-token-type'] !== undefined) {
      this.refuse('the token exchange takes no token-type header');
    }
    this.verifyKeypairJwt(jwt);
    const [host, ...rest] = (form.get('scope') ?? '').split(' ');
    if (host !== this.ctx.ingestHost().replaceAll('_', '-')) {
      this.ctx.fail(400, 'invalid_scope', `scope must be the ingest host with "_" replaced by "-"`, 'code');
    }
    const role = rest.find((r) => r.startsWith('session:role:'))?.slice('session:role:'.length);
    this.ctx.stats.tokenExchanges++;
    const now = this.ctx.clock.now();
    const h = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const p = base64url(
      JSON.stringify({
        iss: 'fake-snowpipe',
        sub: `${this.account}.${this.user}`,
        scope: host,
        role: role ?? null,
        iat: Math.floor(now / 1000),
        exp: Math.floor((now + (this.ctx.options.scopedTokenTtlMs ?? 3_600_000)) / 1000),
      }),
    );
    const token = `${h}.${p}.${createHmac('sha256', this.secret).update(`${h}.${p}`).digest('base64url')}`;
    if (this.ctx.options.tokenFormat === 'json') return { status: 200, body: JSON.stringify({ token }) };
    return { status: 200, body: token, contentType: 'text/plain' };
  }
}
