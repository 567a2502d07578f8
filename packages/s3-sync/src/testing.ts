/**
 * Test helpers: a real S3-compatible server (`moto_server`) on a loopback port, and a fake lake.
 * Import from `@opensensor/s3-sync/testing`; nothing here is needed in production.
 */
import { type ChildProcess, spawn } from 'node:child_process';
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
 * (code `moto-not-found`) naming the install command when the executable is missing: integration
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
          throw new S3SyncError('moto-not-found', `"${command}" was not found on PATH; ${MOTO_INSTALL_HINT}`);
        throw new S3SyncError('moto-not-found', `could not start ${command}: ${spawnError.message}`);
      }
      if (exitCode !== undefined)
        throw new S3SyncError(
          'moto-not-found',
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
          'moto-not-found',
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

  const s3url = (bucket: string, key?: string) =>
    key === undefined
      ? `${endpoint}/${bucket}`
      : `${endpoint}/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;

  return {
    endpoint,
    port,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing-secret' },
    async createBucket(name) {
      const res = await fetch(s3url(name), { method: 'PUT' });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`moto: creating bucket ${name} failed with HTTP ${res.status}`);
    },
    async getObject(bucket, key) {
      const res = await fetch(s3url(bucket, key));
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
        const res = await fetch(`${s3url(bucket)}?${q}`);
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
  /** Bytes per file. Default 2048. */
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

/**
 * Writes a lake of files with deterministic pseudo-random contents under `root` (not real Parquet:
 * the uploader treats files as opaque bytes). Returns the files written.
 */
export async function writeFakeLake(root: string, options: FakeLakeOptions = {}): Promise<FakeLakeFile[]> {
  const stations = options.stations ?? ['0190a8e2-7c4b-7000-8000-000000000001'];
  const start = options.start ?? Date.UTC(2025, 5, 1);
  const n = options.filesPerStation ?? 4;
  const win = (options.windowMinutes ?? 15) * 60_000;
  const size = options.size ?? 2048;
  let state = (options.seed ?? 1) >>> 0 || 1;
  const out: FakeLakeFile[] = [];
  for (const station of stations) {
    for (let i = 0; i < n; i++) {
      const relativePath = fakeLakePath(station, start + (i + 1) * win, options.stream ?? 'data');
      const bytes = Buffer.allocUnsafe(size);
      for (let b = 0; b < size; b++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        bytes[b] = state & 0xff;
      }
      const path = join(root, relativePath);
      await fs.mkdir(join(path, '..'), { recursive: true });
      await fs.writeFile(path, bytes);
      out.push({ relativePath, path, bytes });
    }
  }
  return out;
}
