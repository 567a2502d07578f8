import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BronzeObjectStore, bronzeCacheDir, isBronzeObjectPath, mirrorBronze } from './mirror.js';

/** An in-memory bucket: what a test puts in, it lists and downloads; every download is recorded. */
function memoryStore() {
  const objects = new Map<string, { body: Buffer; etag: string }>();
  const downloads: string[] = [];
  let fail: ((key: string) => Error | undefined) | undefined;
  const store: BronzeObjectStore = {
    async *list(prefix) {
      for (const key of [...objects.keys()].sort())
        if (key.startsWith(prefix)) {
          const o = objects.get(key) as { body: Buffer; etag: string };
          yield { key, size: o.body.length, etag: o.etag, lastModified: '2026-10-01T00:00:00.000Z' };
        }
    },
    async download(key, path) {
      const err = fail?.(key);
      if (err) throw err;
      const o = objects.get(key);
      if (!o) throw Object.assign(new Error(`no such key ${key}`), { code: 'NOT_FOUND' });
      downloads.push(key);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(`${path}.part`, o.body);
      await rename(`${path}.part`, path);
      return { size: o.body.length, etag: o.etag };
    },
  };
  return {
    store,
    downloads,
    put(key: string, body: string) {
      const b = Buffer.from(body);
      objects.set(key, { body: b, etag: `"${createHash('md5').update(b).digest('hex')}"` });
    },
    delete: (key: string) => objects.delete(key),
    failWith(f: typeof fail) {
      fail = f;
    },
  };
}

const day = (station: string, d = '01') => `station=${station}/year=2026/month=10/day=${d}`;

let dir: string;
let cacheDir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'os-mirror-'));
  cacheDir = bronzeCacheDir(join(dir, 'lakehouse'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('isBronzeObjectPath', () => {
  it.each([
    ['station=a/year=2026/month=10/day=01/data_0915.parquet', 'data', true],
    ['station=a/year=2026/month=10/day=01/data_0915_1234.parquet', 'data', true],
    ['station=a/year=2026/month=10/day=01/health_0000.parquet', 'health', true],
    ['station=a/year=2026/month=10/day=01/health_0000.parquet', 'data', false],
    ['station=a/year=2026/month=10/day=01/.data_0915.parquet.1.tmp', 'data', false],
    ['station=a/year=2026/month=13/day=01/data_0915.parquet', 'data', false],
    ['station=/year=2026/month=10/day=01/data_0915.parquet', 'data', false],
    ['station=../year=2026/month=10/day=01/data_0915.parquet', 'data', false],
    ['station=a\\b/year=2026/month=10/day=01/data_0915.parquet', 'data', false],
    ['x/station=a/year=2026/month=10/day=01/data_0915.parquet', 'data', false],
    ['station=a/year=2026/month=10/day=01/', 'data', false],
  ] as const)('%s as %s: %s', (path, stream, ok) => {
    expect(isBronzeObjectPath(path, stream)).toBe(ok);
  });
});

describe('mirrorBronze', () => {
  it('downloads new and changed lake objects only, keeps unchanged files untouched', async () => {
    const s = memoryStore();
    s.put(`fleet/${day('a')}/data_0015.parquet`, 'a1');
    s.put(`fleet/${day('a')}/data_0030.parquet`, 'a2');
    s.put(`fleet/${day('b')}/data_0015.parquet`, 'b1');
    s.put(`fleet/${day('b')}/health_0015.parquet`, 'not a readings file');
    s.put('fleet/README.txt', 'hello');
    s.put(`fleet-health/${day('a')}/health_0015.parquet`, 'h1');
    const sources = {
      data: { store: s.store, prefix: 'fleet' },
      health: { store: s.store, prefix: 'fleet-health' },
    };

    const first = await mirrorBronze({ ...sources, cacheDir });
    expect(first).toMatchObject({
      data: join(cacheDir, 'data'),
      health: join(cacheDir, 'health'),
      listed: 6,
      downloaded: 4,
      bytes: 8,
      cached: 0,
      ignored: 2,
      kept: 0,
      vanished: 0,
    });
    expect(await readFile(join(cacheDir, 'data', day('a'), 'data_0030.parquet'), 'utf8')).toBe('a2');
    expect(await readFile(join(cacheDir, 'health', day('a'), 'health_0015.parquet'), 'utf8')).toBe('h1');
    expect(existsSync(join(cacheDir, 'index.json'))).toBe(true);
    const mtime = (await stat(join(cacheDir, 'data', day('a'), 'data_0015.parquet'))).mtimeMs;

    // Nothing new: nothing downloaded, nothing touched.
    s.downloads.length = 0;
    const second = await mirrorBronze({ ...sources, cacheDir });
    expect(second).toMatchObject({ listed: 6, downloaded: 0, bytes: 0, cached: 4, ignored: 2 });
    expect(s.downloads).toEqual([]);
    expect((await stat(join(cacheDir, 'data', day('a'), 'data_0015.parquet'))).mtimeMs).toBe(mtime);

    // A late file and a changed one (same size, other bytes): exactly those two.
    s.put(`fleet/${day('a', '02')}/data_0015.parquet`, 'late');
    s.put(`fleet/${day('b')}/data_0015.parquet`, 'B1');
    const third = await mirrorBronze({ ...sources, cacheDir });
    expect(third).toMatchObject({ listed: 7, downloaded: 2, bytes: 6, cached: 3 });
    expect(s.downloads.sort()).toEqual(
      [`fleet/${day('a', '02')}/data_0015.parquet`, `fleet/${day('b')}/data_0015.parquet`].sort(),
    );
    expect(await readFile(join(cacheDir, 'data', day('b'), 'data_0015.parquet'), 'utf8')).toBe('B1');
    expect((await stat(join(cacheDir, 'data', day('a'), 'data_0015.parquet'))).mtimeMs).toBe(mtime);
  });

  it('never deletes a cached file whose object is gone, and downloads again a cached file removed locally', async () => {
    const s = memoryStore();
    s.put(`p/${day('a')}/data_0015.parquet`, 'one');
    s.put(`p/${day('a')}/data_0030.parquet`, 'two');
    await mirrorBronze({ data: { store: s.store, prefix: 'p/' }, cacheDir });
    s.delete(`p/${day('a')}/data_0015.parquet`);
    await rm(join(cacheDir, 'data', day('a'), 'data_0030.parquet'));
    s.downloads.length = 0;
    const r = await mirrorBronze({ data: { store: s.store, prefix: 'p/' }, cacheDir });
    expect(r).toMatchObject({ listed: 1, downloaded: 1, cached: 0, kept: 1, health: null });
    expect(s.downloads).toEqual([`p/${day('a')}/data_0030.parquet`]);
    expect((await readdir(join(cacheDir, 'data', day('a')))).sort()).toEqual([
      'data_0015.parquet',
      'data_0030.parquet',
    ]);
  });

  it('counts an object deleted after the listing, and stops at the first other failure remembering what it got', async () => {
    const s = memoryStore();
    for (let i = 1; i <= 6; i++) s.put(`p/${day('a')}/data_0${i}15.parquet`, `file ${i}`);
    s.failWith((key) => {
      if (key.endsWith('data_0215.parquet')) return Object.assign(new Error('gone'), { code: 'NOT_FOUND' });
      if (key.endsWith('data_0515.parquet'))
        return Object.assign(new Error('network down'), { code: 'NETWORK' });
      return undefined;
    });
    const opts = { data: { store: s.store, prefix: 'p' }, cacheDir, concurrency: 1 };
    await expect(mirrorBronze(opts)).rejects.toThrow('network down');
    // 0115, 0315, 0415 came in before the failure and are remembered.
    expect(s.downloads).toHaveLength(3);
    s.failWith(undefined);
    s.downloads.length = 0;
    const r = await mirrorBronze(opts);
    expect(r).toMatchObject({ listed: 6, downloaded: 3, cached: 3 });
    expect(s.downloads.map((k) => k.slice(-17))).toEqual([
      'data_0215.parquet',
      'data_0515.parquet',
      'data_0615.parquet',
    ]);

    s.put(`p/${day('a')}/data_0715.parquet`, 'seven');
    s.failWith((key) =>
      key.endsWith('0715.parquet') ? Object.assign(new Error('gone'), { code: 'NOT_FOUND' }) : undefined,
    );
    expect(await mirrorBronze(opts)).toMatchObject({ listed: 7, downloaded: 0, vanished: 1, cached: 6 });
  });

  it('dry run: counts what it would download and writes nothing', async () => {
    const s = memoryStore();
    s.put(`p/${day('a')}/data_0015.parquet`, 'one');
    const r = await mirrorBronze({ data: { store: s.store, prefix: 'p' }, cacheDir, dryRun: true });
    expect(r).toMatchObject({ listed: 1, pending: 1, downloaded: 0 });
    expect(existsSync(cacheDir)).toBe(false);
    expect(s.downloads).toEqual([]);
  });

  it('removes the temp file a killed download left, and accepts a store that lists with a promise', async () => {
    const s = memoryStore();
    s.put(`${day('a')}/data_0015.parquet`, 'one');
    const stale = join(cacheDir, 'data', day('a'), '.data_0015.parquet.4f2a.tmp');
    await mkdir(dirname(stale), { recursive: true });
    await writeFile(stale, 'half');
    const store: BronzeObjectStore = {
      list: async (prefix) => {
        const out = [];
        for await (const o of s.store.list(prefix) as AsyncIterable<{ key: string; size: number }>)
          out.push(o);
        return out;
      },
      download: s.store.download,
    };
    const r = await mirrorBronze({ data: { store, prefix: '' }, cacheDir });
    expect(r).toMatchObject({ listed: 1, downloaded: 1 });
    expect(await readdir(dirname(stale))).toEqual(['data_0015.parquet']);
  });

  it('starts over from a damaged index by downloading again', async () => {
    const s = memoryStore();
    s.put(`p/${day('a')}/data_0015.parquet`, 'one');
    await mirrorBronze({ data: { store: s.store, prefix: 'p' }, cacheDir });
    await writeFile(join(cacheDir, 'index.json'), '{"version":1,"obj');
    const r = await mirrorBronze({ data: { store: s.store, prefix: 'p' }, cacheDir });
    expect(r).toMatchObject({ downloaded: 1, cached: 0 });
    expect(JSON.parse(await readFile(join(cacheDir, 'index.json'), 'utf8'))).toMatchObject({
      version: 1,
      objects: { [`data/${day('a')}/data_0015.parquet`]: { size: 3 } },
    });
  });
});
