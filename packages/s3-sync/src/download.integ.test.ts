/**
 * Listing and downloading against a real S3-compatible server (moto_server on PATH; the suite fails,
 * it does not skip, when it is missing): what `syncLake` uploaded comes back byte for byte.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadObject, listObjects } from './download.js';
import { syncLake } from './sync.js';
import { createS3Target, type S3Target } from './target.js';
import { type MotoServer, startMotoServer, writeFakeLake } from './testing.js';

let moto: MotoServer;
let target: S3Target;
let dir: string;

beforeAll(async () => {
  moto = await startMotoServer();
  await moto.createBucket('read-lake');
  target = await createS3Target({
    provider: 'minio',
    endpoint: moto.endpoint,
    bucket: 'read-lake',
    prefix: 'fleet',
    credentials: moto.credentials,
  });
  dir = await mkdtemp(join(tmpdir(), 's3sync-read-'));
});
afterAll(async () => {
  target?.destroy();
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('listObjects and downloadObject against moto_server', () => {
  it('lists what a sync uploaded, page by page, and downloads it verified', async () => {
    const files = await writeFakeLake(join(dir, 'output'), {
      stations: ['s1', 's2'],
      filesPerStation: 3,
      size: 700,
    });
    await writeFakeLake(join(dir, 'output-health'), {
      stations: ['s1'],
      filesPerStation: 2,
      stream: 'health',
    });
    const summary = await syncLake({ root: join(dir, 'output'), target, ledger: join(dir, 'ledger.jsonl') });
    expect(summary.uploaded).toBe(6);
    await syncLake({
      root: join(dir, 'output-health'),
      target,
      keyPrefix: 'fleet-health',
      ledger: join(dir, 'ledger-health.jsonl'),
    });

    const listed = [];
    for await (const o of listObjects(target, { pageSize: 4 })) listed.push(o);
    // `fleet/` only: the health lake under `fleet-health/` is another folder.
    expect(listed.map((o) => o.key)).toEqual(files.map((f) => `fleet/${f.relativePath}`).sort());
    expect(listed.every((o) => o.size === 700 && /^"[0-9a-f]{32}"$/.test(o.etag ?? ''))).toBe(true);
    expect(listed.every((o) => typeof o.lastModified === 'string')).toBe(true);

    const first = files[0];
    if (!first) throw new Error('no files');
    const path = join(dir, 'cache', first.relativePath);
    const got = await downloadObject(target, `fleet/${first.relativePath}`, path);
    expect(got).toMatchObject({ size: 700, verified: true, etag: listed[0]?.etag });
    expect(await readFile(path)).toEqual(first.bytes);
    expect(await readdir(join(path, '..'))).toEqual([first.relativePath.split('/').pop()]);

    await expect(downloadObject(target, 'fleet/nothing-here', join(dir, 'x'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
