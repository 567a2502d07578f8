import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { downloadObject, type ListedObject, listObjects } from './download.js';
import { S3SyncError } from './errors.js';
import { s3TargetFromClient } from './target.js';
import { createFakeS3Client, type FakeS3Client, networkError, s3ServiceError } from './testing.js';
import { SHA256_METADATA_KEY } from './upload.js';

const noSleep = async () => undefined;
const md5 = (b: Buffer) => `"${createHash('md5').update(b).digest('hex')}"`;

function put(fake: FakeS3Client, key: string, body: string | Buffer, metadata: Record<string, string> = {}) {
  const b = Buffer.from(body);
  fake.objects.set(key, { body: b, metadata, etag: md5(b), lastModified: new Date(Date.UTC(2026, 0, 2)) });
}

async function all(it: AsyncIterable<ListedObject>): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  for await (const o of it) out.push(o);
  return out;
}

describe('listObjects', () => {
  it('lists every key under the prefix as a folder, following continuation tokens', async () => {
    const fake = createFakeS3Client();
    for (let i = 0; i < 7; i++) put(fake, `sensors/station=a/f${i}.parquet`, `x${i}`);
    put(fake, 'sensors-health/station=a/h.parquet', 'h');
    put(fake, 'other/x', 'o');
    const target = s3TargetFromClient({ client: fake.client, bucket: 'lake', prefix: 'sensors' });
    const listed = await all(listObjects(target, { pageSize: 3 }));
    expect(listed.map((o) => o.key)).toEqual(
      [0, 1, 2, 3, 4, 5, 6].map((i) => `sensors/station=a/f${i}.parquet`),
    );
    expect(listed[0]).toEqual({
      key: 'sensors/station=a/f0.parquet',
      size: 2,
      etag: md5(Buffer.from('x0')),
      lastModified: '2026-01-02T00:00:00.000Z',
    });
    // 7 keys, 3 a page: three requests, each under `sensors/` (never `sensors-health/`).
    expect(fake.requests.map((r) => r.op)).toEqual(['ListObjectsV2', 'ListObjectsV2', 'ListObjectsV2']);
    expect((await all(listObjects(target, { prefix: '/sensors-health/' }))).map((o) => o.key)).toEqual([
      'sensors-health/station=a/h.parquet',
    ]);
    expect(await all(listObjects(target, { prefix: '' }))).toHaveLength(9);
  });

  it('retries a page after a network error and gives up on access denied with the permissions to grant', async () => {
    let failures = 1;
    const fake = createFakeS3Client({
      beforeRequest: (r) => {
        if (r.op === 'ListObjectsV2' && failures-- > 0) throw networkError();
      },
    });
    put(fake, 'p/k', 'v');
    const target = s3TargetFromClient({ client: fake.client, bucket: 'lake', prefix: 'p' });
    expect((await all(listObjects(target, { sleep: noSleep }))).map((o) => o.key)).toEqual(['p/k']);
    expect(fake.requests).toHaveLength(2);

    const denied = createFakeS3Client({
      beforeRequest: () => {
        throw s3ServiceError('AccessDenied', 403);
      },
    });
    const t2 = s3TargetFromClient({ client: denied.client, bucket: 'lake', prefix: 'p' });
    const err = await all(listObjects(t2, { sleep: noSleep })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(S3SyncError);
    expect(err).toMatchObject({ code: 'ACCESS_DENIED', retryable: false });
    expect((err as Error).message).toMatch(/s3:ListBucket.*s3:GetObject/);
    expect(denied.requests).toHaveLength(1);
  });

  it('refuses a page size S3 would not honour', async () => {
    const target = s3TargetFromClient({ client: createFakeS3Client().client, bucket: 'lake' });
    await expect(all(listObjects(target, { pageSize: 5000 }))).rejects.toThrow(/pageSize/);
  });
});

describe('downloadObject', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 's3sync-get-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the object to the path, creating folders, and checks the stored SHA-256', async () => {
    const fake = createFakeS3Client();
    const body = Buffer.from('PAR1 some bytes PAR1');
    const sha = createHash('sha256').update(body).digest('hex');
    put(fake, 'p/station=a/x.parquet', body, { [SHA256_METADATA_KEY]: sha });
    put(fake, 'p/plain', 'no metadata');
    const target = s3TargetFromClient({ client: fake.client, bucket: 'lake' });
    const path = join(dir, 'a', 'b', 'x.parquet');
    const got = await downloadObject(target, 'p/station=a/x.parquet', path);
    expect(got).toEqual({
      key: 'p/station=a/x.parquet',
      path,
      size: body.length,
      etag: md5(body),
      sha256: sha,
      verified: true,
    });
    expect(await readFile(path)).toEqual(body);
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['x.parquet']);
    const plain = await downloadObject(target, 'p/plain', join(dir, 'plain'));
    expect(plain.verified).toBe(false);
  });

  it('replaces an existing file only once the whole object is in', async () => {
    let failGets = 1;
    const fake = createFakeS3Client({
      beforeRequest: (r) => {
        if (r.op === 'GetObject' && failGets-- > 0) throw networkError('ECONNRESET');
      },
    });
    put(fake, 'k', 'new content');
    const target = s3TargetFromClient({ client: fake.client, bucket: 'lake' });
    const path = join(dir, 'f');
    await writeFile(path, 'old');
    // No retries: the failure leaves the old file, and no temp file.
    await expect(downloadObject(target, 'k', path, { retry: { maxAttempts: 1 } })).rejects.toMatchObject({
      code: 'NETWORK',
      retryable: true,
    });
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['f']);
    await downloadObject(target, 'k', path);
    expect(await readFile(path, 'utf8')).toBe('new content');
  });

  it('never leaves a file whose bytes differ from the stored SHA-256', async () => {
    const fake = createFakeS3Client();
    put(fake, 'k', 'these bytes', { [SHA256_METADATA_KEY]: 'ab'.repeat(32) });
    const target = s3TargetFromClient({ client: fake.client, bucket: 'lake' });
    const path = join(dir, 'f');
    const err = await downloadObject(target, 'k', path, { sleep: noSleep }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DOWNLOAD_MISMATCH', retryable: true });
    expect(fake.requests.filter((r) => r.op === 'GetObject')).toHaveLength(5);
    expect(await readdir(dir)).toEqual([]);
  });

  it('retries a body that ends early', async () => {
    let gets = 0;
    const client = {
      send: async () => {
        gets++;
        const body = Buffer.from(gets === 1 ? 'trunc' : 'truncated!');
        return {
          ContentLength: 10,
          ETag: '"e"',
          Body: (async function* () {
            yield body;
          })(),
        };
      },
    };
    const target = s3TargetFromClient({ client: client as never, bucket: 'lake' });
    const got = await downloadObject(target, 'k', join(dir, 'f'), { sleep: noSleep });
    expect(gets).toBe(2);
    expect(got.size).toBe(10);
    expect(await readFile(join(dir, 'f'), 'utf8')).toBe('truncated!');
    expect(await readdir(dir)).toEqual(['f']);
  });

  it('reports a key that is gone as NOT_FOUND, without retrying', async () => {
    const fake = createFakeS3Client();
    const target = s3TargetFromClient({ client: fake.client, bucket: 'lake' });
    const err = await downloadObject(target, 'gone', join(dir, 'f'), { sleep: noSleep }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'NOT_FOUND', retryable: false, key: 'gone' });
    expect(fake.requests).toHaveLength(1);
    await expect(stat(join(dir, 'f'))).rejects.toThrow(/ENOENT/);
  });
});
