import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, parseRange, startDashboardServer } from './server.js';
import { addToken, readTokenFile } from './tokens.js';

const A = 'station-a';
const B = 'station-b';

/** A raw HTTP GET (fetch would normalise `..` and encoded slashes away before sending). */
function get(
  url: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, headers, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode as number, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the dashboard server', () => {
  let root: string;
  let lakehouse: string;
  let appDir: string;
  let open: DashboardServer;
  const gold = (s: string) => `gold/hourly/station=${s}/year=2026/month=11/data.parquet`;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'dashboard-server-'));
    lakehouse = join(root, 'lakehouse');
    appDir = join(root, 'app');
    mkdirSync(join(appDir, 'assets'), { recursive: true });
    writeFileSync(join(appDir, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(join(appDir, 'assets', 'index-abc.js'), 'console.log(1)');
    for (const s of [A, B]) {
      mkdirSync(join(lakehouse, gold(s), '..'), { recursive: true });
      writeFileSync(join(lakehouse, gold(s)), Buffer.from(`PAR1${s}0123456789PAR1`));
    }
    writeFileSync(
      join(lakehouse, 'catalog.json'),
      JSON.stringify({
        version: 1,
        updated: '2026-12-01T00:00:00Z',
        files: [A, B].map((s) => ({ path: gold(s), station: s })),
      }),
    );
    mkdirSync(join(lakehouse, '_state'));
    writeFileSync(join(lakehouse, '_state', 'bronze.json'), '{}');
    writeFileSync(join(root, 'secret.txt'), 'secret');
    // Symlinks that lead out of the lakehouse, and one into another station.
    symlinkSync(join(root, 'secret.txt'), join(lakehouse, 'gold', 'leak.parquet'));
    symlinkSync(root, join(lakehouse, 'silver'));
    mkdirSync(join(lakehouse, 'gold', 'hourly', `station=${A}`, 'year=2027'), { recursive: true });
    symlinkSync(
      join(lakehouse, gold(B)),
      join(lakehouse, 'gold', 'hourly', `station=${A}`, 'year=2027', 'b.parquet'),
    );
    open = await startDashboardServer({ lakehouse, appDir });
  });

  afterAll(async () => {
    await open?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('binds to 127.0.0.1 and serves the app, its config and the catalog', async () => {
    expect(open.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await get(open.url, '/');
    expect([index.status, index.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);
    expect((await get(open.url, '/assets/index-abc.js')).headers['content-type']).toBe(
      'text/javascript; charset=utf-8',
    );
    expect(JSON.parse((await get(open.url, '/config.json')).body)).toEqual({ data: 'data/' });
    const catalog = await get(open.url, '/data/catalog.json');
    expect(JSON.parse(catalog.body).files).toHaveLength(2);
  });

  it('answers Range requests on Parquet files', async () => {
    const full = await get(open.url, `/data/${gold(A)}`);
    expect([full.status, full.headers['content-type'], full.headers['accept-ranges']]).toEqual([
      200,
      'application/vnd.apache.parquet',
      'bytes',
    ]);
    const size = full.body.length;
    const head = await get(open.url, `/data/${gold(A)}`, { range: 'bytes=0-3' });
    expect([head.status, head.body, head.headers['content-range']]).toEqual([
      206,
      'PAR1',
      `bytes 0-3/${size}`,
    ]);
    const tail = await get(open.url, `/data/${gold(A)}`, { range: 'bytes=-4' });
    expect([tail.status, tail.body]).toEqual([206, 'PAR1']);
    const beyond = await get(open.url, `/data/${gold(A)}`, { range: `bytes=${size}-` });
    expect([beyond.status, beyond.headers['content-range']]).toEqual([416, `bytes */${size}`]);
  });

  it('reaches nothing outside the lakehouse, nor its state: dot-dot, encoded slashes, symlinks', async () => {
    const tries = [
      '/data/../../secret.txt',
      '/data/gold/../../secret.txt',
      '/data/%2e%2e/secret.txt',
      '/data/gold%2f..%2f..%2fsecret.txt',
      '/data/gold%5c..%5csecret.txt',
      '/data/_state/bronze.json',
      '/data/gold/leak.parquet',
      '/data/silver/secret.txt',
      '/data/.lock',
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/data/catalog.json%00.parquet',
    ];
    for (const path of tries) {
      const res = await get(open.url, path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.body, path).not.toContain('secret');
    }
    expect((await get(open.url, '/data/gold/hourly')).status).toBe(404);
  });

  it('refuses to listen off loopback without tokens', async () => {
    // Every interface, and names that only look local: the same rule as the plain-http warnings.
    for (const host of ['0.0.0.0', '::', 'localhost.example.com'])
      await expect(startDashboardServer({ lakehouse, appDir, host }), host).rejects.toThrow(
        /without access tokens/,
      );
  });

  it('tokens: required, limited to stations (403 whatever the path trick), catalog filtered, kept out of URLs', async () => {
    const tokenFile = join(root, 'tokens.json');
    const all = addToken(tokenFile, undefined, 'ops');
    const onlyA = addToken(tokenFile, [A]);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const tokens = readTokenFile(tokenFile);
    const server = await startDashboardServer({ lakehouse, appDir, host: '0.0.0.0', tokens });
    try {
      const url = server.url.replace('0.0.0.0', '127.0.0.1');
      expect((await get(url, '/')).status).toBe(401);
      expect(
        (await get(url, `/data/${gold(B)}`, { authorization: 'Bearer wrong-token-000000000' })).status,
      ).toBe(401);
      expect((await get(url, `/data/${gold(B)}`, { authorization: `Bearer ${all}` })).status).toBe(200);
      const a = { authorization: `Bearer ${onlyA}` };
      expect((await get(url, `/data/${gold(A)}`, a)).status).toBe(200);
      expect((await get(url, `/data/${gold(B)}`, a)).status).toBe(403);
      expect(
        (
          await get(
            url,
            `/data/gold/hourly/station=${B.replace('-', '%2D')}/year=2026/month=11/data.parquet`,
            a,
          )
        ).status,
      ).toBe(403);
      expect(
        (await get(url, `/data/gold/hourly/station=${A}/../station=${B}/year=2026/month=11/data.parquet`, a))
          .status,
      ).toBe(400);
      // A symlink under station A's folder that points at station B's file: the file's place decides.
      expect((await get(url, `/data/gold/hourly/station=${A}/year=2027/b.parquet`, a)).status).toBe(403);
      expect((await get(url, '/data/gold/leak.parquet', a)).status).toBe(403);
      const catalog = JSON.parse((await get(url, '/data/catalog.json', a)).body) as {
        files: { station: string }[];
      };
      expect(catalog.files.map((f) => f.station)).toEqual([A]);
      // ?token= sets an HttpOnly cookie and redirects to the same URL without the token.
      const login = await get(url, `/?view=station&token=${onlyA}`);
      expect([login.status, login.headers.location]).toEqual([303, '/?view=station']);
      const cookie = String(login.headers['set-cookie']);
      expect(cookie).toMatch(/HttpOnly/);
      expect((await get(url, `/data/${gold(A)}`, { cookie: cookie.split(';')[0] as string })).status).toBe(
        200,
      );
    } finally {
      await server.close();
    }
  });

  it('refuses a token file other users can read', () => {
    const loose = join(root, 'loose.json');
    writeFileSync(loose, JSON.stringify({ tokens: [{ token: 'x'.repeat(32) }] }));
    chmodSync(loose, 0o644);
    expect(() => readTokenFile(loose)).toThrow(/chmod 600/);
  });
});

describe('parseRange', () => {
  it('reads the forms hyparquet and browsers send', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=95-200', 100)).toEqual({ start: 95, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-1,5-6', 100)).toBe('whole');
    expect(parseRange(undefined, 100)).toBe('whole');
  });
});
