import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FakeEndpoint } from './fake-server-types.js';

/** What the fake answers; thrown as an `HttpReply` from deep in a handler to end the request. */
export interface Reply {
  status: number;
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export class HttpReply extends Error {
  constructor(readonly reply: Reply) {
    super(`HTTP ${reply.status}`);
  }
}

export const PIPE_PATH =
  /^\/v2\/streaming\/databases\/([^/]+)\/schemas\/([^/]+)\/pipes\/([^/:]+)(?::(bulk-channel-status)|\/channels\/([^/]+))$/;
export const ROWS_PATH =
  /^\/v2\/streaming\/data\/databases\/([^/]+)\/schemas\/([^/]+)\/pipes\/([^/:]+)\/channels\/([^/]+)\/rows$/;

export function endpointOf(
  plane: 'control' | 'ingest',
  method: string,
  path: string,
): FakeEndpoint | undefined {
  if (plane === 'control') {
    if (method === 'GET' && path === '/v2/streaming/hostname') return 'hostname';
    if (method === 'POST' && path === '/oauth/token') return 'token';
  }
  const pipe = PIPE_PATH.exec(path);
  if (pipe) {
    if (pipe[4] === 'bulk-channel-status') return method === 'POST' ? 'status' : undefined;
    if (plane !== 'ingest') return undefined;
    if (method === 'PUT') return 'open';
    if (method === 'DELETE') return 'drop';
    return undefined;
  }
  if (plane === 'ingest' && method === 'POST' && ROWS_PATH.test(path)) return 'append';
  return undefined;
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function parseJsonBody(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8').trim();
  if (text === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // typed reply below
  }
  throw new HttpReply({
    status: 400,
    body: JSON.stringify({ code: 'ERR_INVALID_REQUEST', message: 'body must be a JSON object' }),
  });
}

/** Strict NDJSON: every line one RFC 8259 JSON object, each followed by `\n` (optionally `\r\n`). */
export function parseNdjson(raw: Buffer, fail: (message: string) => never): Record<string, unknown>[] {
  const text = raw.toString('utf8');
  if (text.length === 0) fail('the body holds no rows');
  if (!text.endsWith('\n')) fail('each JSON text must be followed by a newline; the last line has none');
  const lines = text.slice(0, -1).split('\n');
  const rows: Record<string, unknown>[] = [];
  for (const [i, rawLine] of lines.entries()) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      fail(`line ${i + 1} is not valid JSON`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      fail(`line ${i + 1} is not a JSON object`);
    rows.push(value as Record<string, unknown>);
  }
  return rows;
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
