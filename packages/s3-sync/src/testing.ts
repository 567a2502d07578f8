/**
 * Test helpers: a real S3-compatible server (`moto_server`) on a loopback port, and a fake lake.
 * Import from `@opensensor/s3-sync/testing`; nothing here is needed in production.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { S3SyncError } from './errors.js';

export const MOTO_INSTALL_HINT =
  'install it with: pip install "moto[server]" (it provides the moto_server command)';

export interface MotoServerOptions {
  /** Executable to run. Default `moto_server` from PATH. */
  readonly command?: string;
  readonly host?: string;
  /** Default: a free port chosen at start. */
  readonly port?: number;
  /** How long to wait for the server to answer. Default 30 s. */
  readonly readyTimeoutMs?: number;
}

export interface MotoServer {
  /** `http://127.0.0.1:<port>`: pass it as `endpoint` with `forcePathStyle: true`. */
  readonly endpoint: string;
  readonly port: number;
  /** Credentials moto accepts (it does not check signatures). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Creates a bucket (moto keeps state in memory: a restart forgets buckets and objects). */
  createBucket(name: string): Promise<void>;
  /** Fetches an object's bytes straight over HTTP, bypassing the SDK (an independent check). */
  getObject(bucket: string, key: string): Promise<Buffer | undefined>;
  /** Keys in a bucket under a prefix (test-only: stations never list). */
  listKeys(bucket: string, prefix?: string): Promise<string[]>;
  /** Graceful stop (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
  /** Abrupt stop (SIGKILL), like a crash or a pulled cable on the store's side. */
  kill(): Promise<void>;
  /** Starts the server again on the same port, with empty state. */
  restart(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections hang instead of failing, as on a dead Wi-Fi link. State is kept. */
  pause(): void;
  /** Thaws a paused server (SIGCONT). */
  resume(): void;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Spawns `moto_server` on a loopback port and waits until it answers. Fails with an `S3SyncError`
 * (code `MOTO_NOT_FOUND`) naming the install command when the executable is missing: integration
 * tests must fail loudly rather than skip.
 */
export async function startMotoServer(options: MotoServerOptions = {}): Promise<MotoServer> {
  const command = options.command ?? 'moto_server';
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort(host));
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const endpoint = `http://${host}:${port}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const launch = async (): Promise<void> => {
    let stderr = '';
    let spawnError: NodeJS.ErrnoException | undefined;
    let exitCode: number | null | undefined;
    // Its own process group, so signals reach the server even when PATH holds a wrapper script.
    const c = spawn(command, ['-H', host, '-p', String(port)], {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
    child = c;
    c.stderr?.setEncoding('utf8');
    c.stderr?.on('data', (d: string) => {
      if (stderr.length < 8192) stderr += d;
    });
    exited = new Promise((r) => {
      c.on('exit', (code) => {
        exitCode = code;
        r();
      });
      c.on('error', (err: NodeJS.ErrnoException) => {
        spawnError = err;
        r();
      });
    });
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if (spawnError) {
        if (spawnError.code === 'ENOENT')
          throw new S3SyncError('MOTO_NOT_FOUND', `"${command}" was not found on PATH; ${MOTO_INSTALL_HINT}`);
        throw new S3SyncError('MOTO_NOT_FOUND', `could not start ${command}: ${spawnError.message}`);
      }
      if (exitCode !== undefined)
        throw new S3SyncError(
          'MOTO_NOT_FOUND',
          `${command} exited with code ${exitCode} before answering: ${stderr.trim().slice(-500) || '(no output)'}; ${MOTO_INSTALL_HINT}`,
        );
      try {
        const res = await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.ok) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        signal('SIGKILL');
        throw new S3SyncError(
          'MOTO_NOT_FOUND',
          `${command} did not answer on ${endpoint} within ${readyTimeoutMs} ms: ${stderr.trim().slice(-500)}`,
        );
      }
      await delay(100);
    }
  };

  const signal = (sig: NodeJS.Signals) => {
    const pid = child?.pid;
    if (pid === undefined || child?.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-pid, sig);
    } catch {
      // Already gone.
    }
  };

  const stopWith = async (sig: NodeJS.Signals) => {
    signal('SIGCONT');
    signal(sig);
    const timer = setTimeout(() => signal('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  await launch();

  // moto answers anonymous GETs with 403 but does not check signatures: any SigV4-shaped header will do.
  const auth = {
    authorization:
      'AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00',
  };
  const s3url = (bucket: string, key?: string) =>
    key === undefined
      ? `${endpoint}/${bucket}`
      : `${endpoint}/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;

  return {
    endpoint,
    port,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing-secret' },
    async createBucket(name) {
      const res = await fetch(s3url(name), { method: 'PUT', headers: auth });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`moto: creating bucket ${name} failed with HTTP ${res.status}`);
    },
    async getObject(bucket, key) {
      const res = await fetch(s3url(bucket, key), { headers: auth });
      const buf = Buffer.from(await res.arrayBuffer());
      if (res.status === 404) return undefined;
      if (!res.ok) throw new Error(`moto: GET ${key} failed with HTTP ${res.status}`);
      return buf;
    },
    async listKeys(bucket, prefix = '') {
      const keys: string[] = [];
      let token: string | undefined;
      for (;;) {
        const q = new URLSearchParams({ 'list-type': '2', prefix });
        if (token) q.set('continuation-token', token);
        const res = await fetch(`${s3url(bucket)}?${q}`, { headers: auth });
        const xml = await res.text();
        if (!res.ok) throw new Error(`moto: listing ${bucket} failed with HTTP ${res.status}`);
        for (const m of xml.matchAll(/<Key>([^<]*)<\/Key>/g)) keys.push(decodeXml(m[1] as string));
        const next = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(xml);
        if (!next) break;
        token = decodeXml(next[1] as string);
      }
      return keys.sort();
    },
    stop: () => stopWith('SIGTERM'),
    kill: () => stopWith('SIGKILL'),
    async restart() {
      await stopWith('SIGTERM');
      await launch();
    },
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
  };
}

function decodeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

export interface FakeLakeOptions {
  /** Station ids. Default one fixed UUID. */
  readonly stations?: readonly string[];
  /** Start of the first window (epoch ms, UTC). Default 2025-06-01T00:00Z. */
  readonly start?: number;
  /** Files per station. Default 4. */
  readonly filesPerStation?: number;
  /** Window length in minutes. Default 15. */
  readonly windowMinutes?: number;
  readonly stream?: 'data' | 'health';
  /** Bytes per file, at least 87 (the Parquet magic and a minimal footer). Default 2048. */
  readonly size?: number;
  /** Seed for the deterministic file contents. */
  readonly seed?: number;
}

export interface FakeLakeFile {
  readonly relativePath: string;
  readonly path: string;
  readonly bytes: Buffer;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The Hive path of a window that ends at `endMs` (the last window of a day is `0000` in the same day's folder). */
export function fakeLakePath(stationId: string, endMs: number, stream: 'data' | 'health' = 'data'): string {
  const end = new Date(endMs);
  // A window ending at midnight belongs to the day it covers.
  const day = end.getUTCHours() === 0 && end.getUTCMinutes() === 0 ? new Date(endMs - 1) : end;
  return `station=${stationId}/year=${day.getUTCFullYear()}/month=${pad(day.getUTCMonth() + 1)}/day=${pad(day.getUTCDate())}/${stream}_${pad(end.getUTCHours())}${pad(end.getUTCMinutes())}.parquet`;
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

function thriftString(fieldHeader: number, text: string): number[] {
  const bytes = [...Buffer.from(text, 'utf8')];
  return [fieldHeader, ...varint(bytes.length), ...bytes];
}

/**
 * The smallest footer a Parquet reader accepts: Thrift compact `FileMetaData` with a root schema
 * element and no columns, no row groups, 0 rows, then its length and `PAR1`. Hand-encoded here so
 * test lakes need no Parquet writer.
 */
export function fakeParquetFooter(): Buffer {
  const version = [0x15, 0x02]; // field 1, i32: 1 (zigzag)
  const schema = [
    ...[0x19, 0x1c], // field 2, list of 1 struct
    ...thriftString(0x48, 'schema'), // SchemaElement field 4: name
    ...[0x15, 0x00], // SchemaElement field 5: num_children = 0
    0x00,
  ];
  const numRows = [0x16, 0x00]; // field 3, i64: 0
  const rowGroups = [0x19, 0x0c]; // field 4, empty list of struct
  const keyValue = [
    ...[0x19, 0x1c], // field 5, list of 1 struct
    ...thriftString(0x18, 'opensensor.fake'),
    ...thriftString(0x18, 'true'),
    0x00,
  ];
  const createdBy = thriftString(0x18, '@opensensor/s3-sync testing'); // field 6
  const meta = [...version, ...schema, ...numRows, ...rowGroups, ...keyValue, ...createdBy, 0x00];
  const out = Buffer.alloc(meta.length + 8);
  Buffer.from(meta).copy(out, 0);
  out.writeUInt32LE(meta.length, meta.length);
  out.write('PAR1', meta.length + 4, 'latin1');
  return out;
}

/**
 * Bytes that pass the uploader's Parquet check: `PAR1`, the payload, a minimal footer. Readers see
 * an empty file; the payload sits where data pages would be, so files of equal payload are equal.
 */
export function fakeParquetFile(payload: Uint8Array | string = ''): Buffer {
  return Buffer.concat([Buffer.from('PAR1', 'latin1'), Buffer.from(payload), fakeParquetFooter()]);
}

/**
 * Writes a lake of files with deterministic pseudo-random contents under `root`: each one `PAR1`,
 * pseudo-random bytes, and a minimal valid footer (see `fakeParquetFile`), so the uploader's Parquet
 * check accepts it while the bytes still differ from file to file. Returns the files written.
 */
export async function writeFakeLake(root: string, options: FakeLakeOptions = {}): Promise<FakeLakeFile[]> {
  const stations = options.stations ?? ['0190a8e2-7c4b-7000-8000-000000000001'];
  const start = options.start ?? Date.UTC(2025, 5, 1);
  const n = options.filesPerStation ?? 4;
  const win = (options.windowMinutes ?? 15) * 60_000;
  const size = options.size ?? 2048;
  const shell = 4 + fakeParquetFooter().length;
  if (!Number.isInteger(size) || size < shell)
    throw new RangeError(
      `size must be an integer of at least ${shell} bytes (PAR1 and a footer), got ${size}`,
    );
  let state = (options.seed ?? 1) >>> 0 || 1;
  const out: FakeLakeFile[] = [];
  for (const station of stations) {
    for (let i = 0; i < n; i++) {
      const relativePath = fakeLakePath(station, start + (i + 1) * win, options.stream ?? 'data');
      const payload = Buffer.allocUnsafe(size - shell);
      for (let b = 0; b < payload.length; b++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        payload[b] = state & 0xff;
      }
      const bytes = fakeParquetFile(payload);
      const path = join(root, relativePath);
      await fs.mkdir(join(path, '..'), { recursive: true });
      await fs.writeFile(path, bytes);
      out.push({ relativePath, path, bytes });
    }
  }
  return out;
}

/** An error shaped like the AWS SDK's service exceptions (name + `$metadata.httpStatusCode`). */
export function s3ServiceError(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

/** An error shaped like a Node socket error (no HTTP answer). */
export function networkError(code = 'ECONNRESET'): Error {
  return Object.assign(new Error(`socket error ${code}`), { code });
}

export interface FakeS3Request {
  /** Command name without the `Command` suffix: `PutObject`, `HeadObject`, … */
  readonly op: string;
  readonly key: string | undefined;
  readonly ifNoneMatch: boolean;
  readonly checksumSha256: string | undefined;
  readonly contentMd5: string | undefined;
}

export interface FakeS3Object {
  readonly body: Buffer;
  readonly metadata: Record<string, string>;
  readonly etag: string;
  /** When the object was written (listings report it); default the time of the PUT. */
  readonly lastModified?: Date;
}

export interface FakeS3ClientOptions {
  /**
   * How the fake treats `If-None-Match: *`: `supported` (412 on an existing key), `not-implemented`
   * (501, like stores without conditional writes) or `ignored` (overwrites, like the worst stores).
   */
  readonly conditionalWrites?: 'supported' | 'not-implemented' | 'ignored';
  /** Called before each request; throw to inject a failure. */
  readonly beforeRequest?: (req: FakeS3Request) => void | Promise<void>;
}

/** An in-memory S3 stand-in, for unit tests of code that calls `syncLake`. */
export interface FakeS3Client {
  /** Pass as `client` to `s3TargetFromClient` (cast: it implements only what the uploader sends). */
  readonly client: import('@aws-sdk/client-s3').S3Client;
  readonly objects: Map<string, FakeS3Object>;
  readonly requests: FakeS3Request[];
}

/**
 * Builds an in-memory store that answers PutObject, HeadObject, GetObject, ListObjectsV2 and the
 * multipart calls the way S3 does (412 on `If-None-Match: *`, 404 on a missing key, MD5 ETags, user
 * metadata, listings in key order with continuation tokens). It verifies `Content-MD5` and
 * `x-amz-checksum-sha256` like S3, which moto does not. Tests may put objects into `objects` directly.
 */
export function createFakeS3Client(options: FakeS3ClientOptions = {}): FakeS3Client {
  const objects = new Map<string, FakeS3Object>();
  const requests: FakeS3Request[] = [];
  const uploads = new Map<
    string,
    { key: string; parts: Map<number, Buffer>; metadata: Record<string, string> }
  >();
  let uploadSeq = 0;
  const mode = options.conditionalWrites ?? 'supported';
  const toBuffer = async (body: unknown): Promise<Buffer> => {
    if (body === undefined) return Buffer.alloc(0);
    if (Buffer.isBuffer(body)) return body;
    if (body instanceof Uint8Array) return Buffer.from(body);
    if (typeof body === 'string') return Buffer.from(body);
    const chunks: Buffer[] = [];
    for await (const c of body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
    return Buffer.concat(chunks);
  };
  const conditional = (key: string, ifNoneMatch: boolean) => {
    if (!ifNoneMatch || mode === 'ignored') return;
    if (mode === 'not-implemented')
      throw s3ServiceError(
        'NotImplemented',
        501,
        'A header you provided implies functionality that is not implemented',
      );
    if (objects.has(key)) throw s3ServiceError('PreconditionFailed', 412);
  };
  const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const op = command.constructor.name.replace(/Command$/, '');
    const input = command.input;
    const key = typeof input.Key === 'string' ? input.Key : undefined;
    const req: FakeS3Request = {
      op,
      key,
      ifNoneMatch: input.IfNoneMatch === '*',
      checksumSha256: input.ChecksumSHA256 as string | undefined,
      contentMd5: input.ContentMD5 as string | undefined,
    };
    requests.push(req);
    await options.beforeRequest?.(req);
    const meta = { httpStatusCode: 200 };
    switch (op) {
      case 'PutObject': {
        const body = await toBuffer(input.Body);
        if (req.contentMd5 && createHash('md5').update(body).digest('base64') !== req.contentMd5)
          throw s3ServiceError('BadDigest', 400);
        if (req.checksumSha256 && createHash('sha256').update(body).digest('base64') !== req.checksumSha256)
          throw s3ServiceError('BadDigest', 400);
        conditional(key as string, req.ifNoneMatch);
        const etag = `"${createHash('md5').update(body).digest('hex')}"`;
        objects.set(key as string, {
          body,
          metadata: { ...((input.Metadata as Record<string, string>) ?? {}) },
          etag,
          lastModified: new Date(),
        });
        return { $metadata: meta, ETag: etag };
      }
      case 'ListObjectsV2': {
        const prefix = typeof input.Prefix === 'string' ? input.Prefix : '';
        const maxKeys = typeof input.MaxKeys === 'number' ? input.MaxKeys : 1000;
        // The token is opaque to clients; here it is the last key of the previous page.
        const after =
          typeof input.ContinuationToken === 'string'
            ? Buffer.from(input.ContinuationToken, 'base64url').toString('utf8')
            : typeof input.StartAfter === 'string'
              ? input.StartAfter
              : '';
        const keys = [...objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
        const page = keys.slice(0, maxKeys);
        const truncated = keys.length > page.length;
        const last = page[page.length - 1];
        return {
          $metadata: meta,
          Contents: page.map((k) => {
            const o = objects.get(k) as FakeS3Object;
            return {
              Key: k,
              Size: o.body.byteLength,
              ETag: o.etag,
              LastModified: o.lastModified ?? new Date(0),
            };
          }),
          KeyCount: page.length,
          IsTruncated: truncated,
          ...(truncated && last !== undefined
            ? { NextContinuationToken: Buffer.from(last, 'utf8').toString('base64url') }
            : {}),
        };
      }
      case 'HeadObject':
      case 'GetObject': {
        const o = objects.get(key as string);
        if (!o)
          throw op === 'HeadObject' ? s3ServiceError('NotFound', 404) : s3ServiceError('NoSuchKey', 404);
        const out = {
          $metadata: meta,
          ETag: o.etag,
          ContentLength: o.body.byteLength,
          Metadata: { ...o.metadata },
        };
        return op === 'GetObject'
          ? {
              ...out,
              Body: (async function* () {
                yield o.body;
              })(),
            }
          : out;
      }
      case 'CreateMultipartUpload': {
        const id = `upload-${++uploadSeq}`;
        uploads.set(id, {
          key: key as string,
          parts: new Map(),
          metadata: { ...((input.Metadata as Record<string, string>) ?? {}) },
        });
        return { $metadata: meta, UploadId: id, Bucket: input.Bucket, Key: key };
      }
      case 'UploadPart': {
        const u = uploads.get(input.UploadId as string);
        if (!u) throw s3ServiceError('NoSuchUpload', 404);
        const body = await toBuffer(input.Body);
        u.parts.set(input.PartNumber as number, body);
        return { $metadata: meta, ETag: `"${createHash('md5').update(body).digest('hex')}"` };
      }
      case 'CompleteMultipartUpload': {
        const u = uploads.get(input.UploadId as string);
        if (!u) throw s3ServiceError('NoSuchUpload', 404);
        conditional(u.key, req.ifNoneMatch);
        const parts = [...u.parts.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b);
        const body = Buffer.concat(parts);
        const etag = `"${createHash('md5').update(body).digest('hex')}-${parts.length}"`;
        objects.set(u.key, { body, metadata: u.metadata, etag, lastModified: new Date() });
        uploads.delete(input.UploadId as string);
        return { $metadata: meta, ETag: etag, Bucket: input.Bucket, Key: u.key };
      }
      case 'AbortMultipartUpload':
        uploads.delete(input.UploadId as string);
        return { $metadata: { httpStatusCode: 204 } };
      default:
        throw s3ServiceError('NotImplemented', 501, `the fake store does not implement ${op}`);
    }
  };
  const client = {
    send,
    config: {
      requestChecksumCalculation: async () => 'WHEN_SUPPORTED',
      requestHandler: undefined,
      forcePathStyle: true,
      endpoint: async () => ({ hostname: 'fake-s3.invalid', port: undefined, protocol: 'http:', path: '/' }),
    },
    destroy: () => undefined,
  } as unknown as import('@aws-sdk/client-s3').S3Client;
  return { client, objects, requests };
}
