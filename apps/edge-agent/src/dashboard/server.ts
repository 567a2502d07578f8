import { createReadStream, type Stats } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { extname, join, relative, sep } from 'node:path';
import { isLoopbackHost, OpenSensorError } from '@opensensor/errors';
import { type AccessToken, matchToken } from './tokens.js';

export interface DashboardServerOptions {
  /** The lakehouse directory (catalog.json, silver/, gold/). */
  lakehouse: string;
  /** The built dashboard app (index.html, assets/). */
  appDir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** When given, every request needs one of these tokens. Required off loopback. */
  tokens?: readonly AccessToken[];
}

export interface DashboardServer {
  /** The URL to open, e.g. http://127.0.0.1:8080/ */
  url: string;
  port: number;
  server: Server;
  close: () => Promise<void>;
}

/** The server cannot start as asked: `TOKENS_REQUIRED` off loopback without tokens, `APP_NOT_BUILT`. */
export class DashboardServerError extends OpenSensorError {
  override readonly name = 'DashboardServerError';
  constructor(code: 'TOKENS_REQUIRED' | 'APP_NOT_BUILT', message: string) {
    super(code, message);
  }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.parquet': 'application/vnd.apache.parquet',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const COOKIE = 'opensensor_token';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Splits a request path into decoded segments, refusing every trick that could leave the directory:
 * `..` and `.` segments, encoded slashes or backslashes, NUL, and hidden names (lock and temp files).
 */
export function safeSegments(rawPath: string): string[] {
  if (/%2f|%5c|%00|\\/i.test(rawPath)) throw new HttpError(400, 'encoded separators are not allowed');
  const segments: string[] = [];
  for (const raw of rawPath.split('/')) {
    if (raw === '') continue;
    let s: string;
    try {
      s = decodeURIComponent(raw);
    } catch {
      throw new HttpError(400, 'bad percent-encoding');
    }
    if (s === '.' || s === '..' || s.startsWith('.') || s.includes('/') || s.includes('\0'))
      throw new HttpError(400, 'path not allowed');
    segments.push(s);
  }
  return segments;
}

/** Resolves segments under a root, following symlinks only while they stay inside the root. */
async function fileUnder(
  root: string,
  segments: readonly string[],
): Promise<{ path: string; stats: Stats; root: string }> {
  const realRoot = await realpath(root);
  let real: string;
  try {
    real = await realpath(join(realRoot, ...segments));
  } catch {
    throw new HttpError(404, 'not found');
  }
  if (real !== realRoot && !real.startsWith(realRoot + sep)) throw new HttpError(404, 'not found');
  const stats = await stat(real);
  if (!stats.isFile()) throw new HttpError(404, 'not found');
  return { path: real, stats, root: realRoot };
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` (one range; several ranges get the whole file). */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'whole' | 'unsatisfiable' {
  if (!header) return 'whole';
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return 'whole';
  const [, a, b] = m as unknown as [string, string, string];
  if (a === '' && b === '') return 'whole';
  let start: number;
  let end: number;
  if (a === '') {
    const n = Number(b);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
}

function allowedStation(token: AccessToken | undefined, station: string): boolean {
  return !token?.stations || token.stations.includes(station);
}

/**
 * The dashboard's HTTP server: the built app at `/`, the lakehouse's catalog.json, silver/ and gold/
 * under `/data/` with Range requests. Nothing else of the lakehouse (its `_state/`, locks) and nothing
 * outside it is reachable. With tokens, a request needs one (Bearer header, or the cookie set by
 * opening `/?token=…`), and a token limited to stations gets 403 for any other station's file and a
 * catalog that lists only its own.
 */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const host = options.host ?? '127.0.0.1';
  const tokens = options.tokens;
  if (!isLoopbackHost(host) && !tokens?.length)
    throw new DashboardServerError(
      'TOKENS_REQUIRED',
      `refusing to listen on ${host} without access tokens: anyone who can reach it could read every station's data. Pass --token-file (create one with "opensensor dashboard token"), or leave --host at 127.0.0.1.`,
    );
  await stat(join(options.appDir, 'index.html')).catch(() => {
    throw new DashboardServerError(
      'APP_NOT_BUILT',
      `${options.appDir} has no index.html: build the dashboard app first (pnpm build)`,
    );
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method not allowed');
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const query = new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1));
    let token: AccessToken | undefined;
    if (tokens?.length) {
      const fromQuery = query.get('token') ?? undefined;
      token = matchToken(tokens, bearer(req) ?? fromQuery ?? cookieToken(req));
      if (!token)
        throw new HttpError(401, 'an access token is required: open the URL with ?token=<your token>');
      if (fromQuery) {
        // Keep the token out of the address bar, history and shared links: a cookie, then a redirect.
        query.delete('token');
        const rest = query.toString();
        res.writeHead(303, {
          'set-cookie': `${COOKIE}=${encodeURIComponent(fromQuery)}; Path=/; HttpOnly; SameSite=Strict`,
          location: `${rawPath}${rest ? `?${rest}` : ''}`,
          'cache-control': 'no-store',
        });
        res.end();
        return;
      }
    }
    const segments = safeSegments(rawPath);
    if (segments[0] === 'data') {
      const rel = segments.slice(1);
      if (rel.length === 1 && rel[0] === 'catalog.json') return sendCatalog(res, req, token);
      if (rel[0] !== 'silver' && rel[0] !== 'gold') throw new HttpError(404, 'not found');
      const forbidden = (segs: readonly string[]) => {
        const stations = segs.filter((s) => s.startsWith('station=')).map((s) => s.slice('station='.length));
        return stations.length === 0 || !stations.every((s) => allowedStation(token, s));
      };
      if (token?.stations && forbidden(rel))
        throw new HttpError(403, 'this token does not give access to that station');
      const file = await fileUnder(options.lakehouse, rel);
      // A symlink may lead into another station's folder: the file's own place decides too.
      if (token?.stations && forbidden(relative(file.root, file.path).split(sep)))
        throw new HttpError(403, 'this token does not give access to that station');
      return sendFile(req, res, file.path, file.stats, 'no-cache');
    }
    if (segments.length === 1 && segments[0] === 'config.json') {
      return sendBody(req, res, 200, TYPES['.json'] as string, `${JSON.stringify({ data: 'data/' })}\n`);
    }
    const file = await fileUnder(options.appDir, segments.length ? segments : ['index.html']);
    // Hashed asset names never change; index.html must be revalidated.
    const cache = segments[0] === 'assets' ? 'public, max-age=31536000, immutable' : 'no-cache';
    return sendFile(req, res, file.path, file.stats, cache);
  }

  async function sendCatalog(res: ServerResponse, req: IncomingMessage, token: AccessToken | undefined) {
    const { path } = await fileUnder(options.lakehouse, ['catalog.json']);
    const catalog = JSON.parse(await readFile(path, 'utf8')) as { files: { station: string }[] };
    if (token?.stations) catalog.files = catalog.files.filter((f) => allowedStation(token, f.station));
    return sendBody(req, res, 200, TYPES['.json'] as string, JSON.stringify(catalog));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : 500;
      const message = e instanceof HttpError ? e.message : 'internal error';
      if (!res.headersSent) sendBody(req, res, status, TYPES['.txt'] as string, `${message}\n`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const urlHost = isIP(host) === 6 ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
};

function sendBody(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
): void {
  const bytes = Buffer.from(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': type,
    'content-length': bytes.length,
    'cache-control': 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  stats: Stats,
  cache: string,
): void {
  const type = TYPES[extname(path)] ?? 'application/octet-stream';
  const etag = `"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
  const headers = {
    ...SECURITY_HEADERS,
    'content-type': type,
    'accept-ranges': 'bytes',
    'cache-control': cache,
    etag,
    'last-modified': stats.mtime.toUTCString(),
  };
  // A Range request after the file changed (If-Range) gets the whole new file, never a mix.
  const ifRange = req.headers['if-range'];
  const range = ifRange && ifRange !== etag ? 'whole' : parseRange(req.headers.range, stats.size);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'content-range': `bytes */${stats.size}`, 'content-length': 0 });
    res.end();
    return;
  }
  if (range === 'whole' && req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const { start, end } = range === 'whole' ? { start: 0, end: stats.size - 1 } : range;
  const length = stats.size === 0 ? 0 : end - start + 1;
  res.writeHead(range === 'whole' ? 200 : 206, {
    ...headers,
    'content-length': length,
    ...(range === 'whole' ? {} : { 'content-range': `bytes ${start}-${end}/${stats.size}` }),
  });
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return;
  }
  createReadStream(path, { start, end })
    .on('error', () => res.destroy())
    .pipe(res);
}
