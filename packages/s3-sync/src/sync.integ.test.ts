/**
 * Integration tests against a real S3-compatible server (moto_server), with the AWS SDK's default
 * checksum behaviour on. moto_server must be on PATH (pip install "moto[server]"); the suite fails,
 * it does not skip, when it is missing.
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256OfStream } from './checksum.js';
import { defaultHealthPrefix } from './lake-files.js';
import { openLedger } from './ledger.js';
import { applyRetention } from './retention.js';
import { syncLake } from './sync.js';
import { type ChecksumMode, type ConditionalWriteMode, createS3Target, type S3Target } from './target.js';
import {
  fakeLakePath,
  fakeParquetFile,
  fakeParquetFooter,
  type MotoServer,
  startMotoServer,
  writeFakeLake,
} from './testing.js';
import { SHA256_METADATA_KEY } from './upload.js';

let moto: MotoServer;
let bucketSeq = 0;

beforeAll(async () => {
  moto = await startMotoServer();
});
afterAll(async () => {
  await moto?.stop();
});

describe('syncLake against moto_server', () => {
  let dir: string;
  let root: string;
  let ledger: string;
  const targets: S3Target[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 's3sync-integ-'));
    root = join(dir, 'output');
    ledger = join(dir, 'state', 'ledger.jsonl');
  });
  afterEach(async () => {
    for (const t of targets.splice(0)) t.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  async function target(
    opts: { prefix?: string; checksum?: ChecksumMode; conditionalWrites?: ConditionalWriteMode } = {},
  ): Promise<S3Target> {
    const bucket = `lake-${process.pid}-${++bucketSeq}`;
    await moto.createBucket(bucket);
    const t = await createS3Target({
      provider: 'minio',
      endpoint: moto.endpoint,
      bucket,
      credentials: moto.credentials,
      ...opts,
    });
    targets.push(t);
    return t;
  }

  it.each(['when_supported', 'when_required'] as const)(
    'first sync uploads all, second uploads nothing, a later file alone (checksum %s)',
    async (checksum) => {
      const t = await target({ prefix: 'sensors', checksum });
      const files = await writeFakeLake(root, { stations: ['st-a', 'st-b'], filesPerStation: 3 });
      const s1 = await syncLake({ root, target: t, ledger });
      expect(s1).toMatchObject({ files: 6, uploaded: 6, failed: 0, conflicts: 0, ok: true, bytes: 6 * 2048 });
      for (const f of files) {
        const remote = await moto.getObject(t.bucket, `sensors/${f.relativePath}`);
        expect(remote?.equals(f.bytes)).toBe(true);
      }

      const s2 = await syncLake({ root, target: t, ledger });
      expect(s2).toMatchObject({ uploaded: 0, skipped: 6, ok: true });

      const late = fakeLakePath('st-a', Date.UTC(2025, 5, 1, 1, 0));
      await mkdir(dirname(join(root, late)), { recursive: true });
      const lateBytes = fakeParquetFile('a later window');
      await writeFile(join(root, late), lateBytes);
      const s3 = await syncLake({ root, target: t, ledger });
      expect(s3).toMatchObject({ uploaded: 1, skipped: 6, ok: true, bytes: lateBytes.length });
      expect((await moto.getObject(t.bucket, `sensors/${late}`))?.equals(lateBytes)).toBe(true);
      expect(await moto.listKeys(t.bucket)).toHaveLength(7);
    },
  );

  it('stores the checksum and digest the store can compare later', async () => {
    const t = await target();
    const [f] = await writeFakeLake(root, { filesPerStation: 1 });
    await syncLake({ root, target: t, ledger });
    const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
    const h = await t.client.send(
      new HeadObjectCommand({ Bucket: t.bucket, Key: f?.relativePath, ChecksumMode: 'ENABLED' }),
    );
    const sha = createHash('sha256')
      .update(f?.bytes as Buffer)
      .digest();
    expect(h.ChecksumSHA256).toBe(sha.toString('base64'));
    expect(h.Metadata?.[SHA256_METADATA_KEY]).toBe(sha.toString('hex'));
    expect(h.ContentType).toBe('application/vnd.apache.parquet');
  });

  it('handles prefixes: none, nested with stray slashes, and the health prefix', async () => {
    const t = await target();
    const data = await writeFakeLake(root, { filesPerStation: 1 });
    const healthRoot = join(dir, 'output-health');
    const health = await writeFakeLake(healthRoot, { filesPerStation: 1, stream: 'health' });

    await syncLake({ root, target: t, ledger, keyPrefix: '' });
    await syncLake({ root, target: t, ledger, keyPrefix: '/lake//v1/' });
    const s = await syncLake({
      root: healthRoot,
      target: t,
      ledger,
      keyPrefix: defaultHealthPrefix('/lake//v1/'),
    });
    expect(s.uploaded).toBe(1);
    expect(await moto.listKeys(t.bucket)).toEqual(
      [
        data[0]?.relativePath,
        `lake/v1/${data[0]?.relativePath}`,
        `lake/v1-health/${health[0]?.relativePath}`,
      ].sort(),
    );
    expect(health[0]?.relativePath).toMatch(/\/health_0015\.parquet$/);
  });

  it.each(['if-none-match', 'head-before-put'] as const)(
    'never overwrites a conflicting remote object (%s)',
    async (conditionalWrites) => {
      const t = await target({ prefix: 'p', conditionalWrites });
      const files = await writeFakeLake(root, { filesPerStation: 2 });
      const key = `p/${files[1]?.relativePath}`;
      const { PutObjectCommand } = await import('@aws-sdk/client-s3');
      await t.client.send(
        new PutObjectCommand({ Bucket: t.bucket, Key: key, Body: Buffer.from('not ours') }),
      );
      const s = await syncLake({ root, target: t, ledger });
      expect(s).toMatchObject({ uploaded: 1, conflicts: 1, ok: false, conditionalWrites });
      expect(s.errors).toEqual([expect.objectContaining({ key, code: 'CONFLICT', retryable: false })]);
      expect((await moto.getObject(t.bucket, key))?.toString()).toBe('not ours');
      const again = await syncLake({ root, target: t, ledger });
      expect(again).toMatchObject({ uploaded: 0, conflicts: 1 });
      expect((await moto.getObject(t.bucket, key))?.toString()).toBe('not ours');
    },
  );

  it('recovers from a crash mid-upload: torn ledger line, object uploaded but unrecorded, unfinished multipart', async () => {
    const t = await target();
    const files = await writeFakeLake(root, { filesPerStation: 4 });
    // State a crash can leave: file 0 recorded; file 1 in the store but its ledger line torn; file 2
    // had a multipart upload started and never completed; file 3 untouched.
    const first = await syncLake({ root, target: t, ledger });
    expect(first.uploaded).toBe(4);
    const { CreateMultipartUploadCommand, UploadPartCommand, DeleteObjectCommand } = await import(
      '@aws-sdk/client-s3'
    );
    for (const f of files.slice(2))
      await t.client.send(new DeleteObjectCommand({ Bucket: t.bucket, Key: f.relativePath }));
    const l = await openLedger(ledger);
    const keep = l.get(t.id, files[0]?.relativePath as string);
    await l.close();
    await writeFile(ledger, `${JSON.stringify({ v: 1, op: 'put', ...keep })}\n`);
    await appendFile(ledger, `{"v":1,"op":"put","target":"${t.id}","key":"${files[1]?.relativePath}","si`);
    const mpu = await t.client.send(
      new CreateMultipartUploadCommand({ Bucket: t.bucket, Key: files[2]?.relativePath }),
    );
    await t.client.send(
      new UploadPartCommand({
        Bucket: t.bucket,
        Key: files[2]?.relativePath,
        UploadId: mpu.UploadId,
        PartNumber: 1,
        Body: Buffer.alloc(5 * 1024 * 1024),
      }),
    );

    const s = await syncLake({ root, target: t, ledger });
    expect(s).toMatchObject({ skipped: 1, alreadyPresent: 1, uploaded: 2, failed: 0, ok: true });
    for (const f of files)
      expect((await moto.getObject(t.bucket, f.relativePath))?.equals(f.bytes)).toBe(true);
    const l2 = await openLedger(ledger, { lock: false });
    expect(l2.report.truncatedBytes).toBe(0);
    expect(l2.size).toBe(4);
    expect([...l2.entries()].every((e) => e.verified)).toBe(true);
    await l2.close();
  });

  it('deletes local files only after a verified upload, and prunes empty partitions', async () => {
    const t = await target({ prefix: 'r' });
    const old = await writeFakeLake(root, { filesPerStation: 2, start: Date.UTC(2025, 4, 1) });
    await syncLake({ root, target: t, ledger });
    // Uploaded by the second sync, below.
    const secondDay = await writeFakeLake(root, { filesPerStation: 1, start: Date.UTC(2025, 4, 2), seed: 9 });
    const recent = await writeFakeLake(root, { filesPerStation: 1, start: Date.UTC(2025, 5, 10), seed: 5 });
    await syncLake({ root, target: t, ledger, keyPrefix: 'r' }).then((s) => expect(s.uploaded).toBe(2));
    // A lost ledger (new SD card): a new sync finds the objects in the store and records them as verified.
    await rm(join(dir, 'state'), { recursive: true, force: true });
    const s = await syncLake({ root, target: t, ledger });
    expect(s).toMatchObject({ alreadyPresent: 4, uploaded: 0 });
    // Written after every sync: on disk, never uploaded, so never deleted.
    await writeFakeLake(root, { filesPerStation: 1, start: Date.UTC(2025, 4, 3), seed: 11 });

    const clock = { now: () => Date.UTC(2025, 5, 11, 12) };
    const report = await applyRetention({ root, ledger, target: t, keepDays: 7, clock });
    expect(report.deleted.map((d) => d.key).sort()).toEqual(
      [...old, ...secondDay].map((f) => `r/${f.relativePath}`).sort(),
    );
    expect(report.keptUnverified).toBe(1);
    for (const d of report.deleted) expect(await moto.getObject(t.bucket, d.key)).toBeDefined();
    await expect(stat(old[0]?.path as string)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(recent[0]?.path as string)).resolves.toBeDefined();
    // The 2025-05-01 and 05-02 partitions are gone; 05-03 (not uploaded) and 06-10 remain.
    const month5 = await readdir(
      join(root, 'station=0190a8e2-7c4b-7000-8000-000000000001', 'year=2025', 'month=05'),
    );
    expect(month5).toEqual(['day=03']);
  });

  it('round-trips a real Parquet file that DuckDB reads back from the store', async () => {
    const t = await target({ prefix: 'lake' });
    const rel = fakeLakePath('duck', Date.UTC(2025, 5, 1, 9, 15));
    const local = join(root, rel);
    await mkdir(dirname(local), { recursive: true });
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      await conn.run(
        `COPY (SELECT TIMESTAMPTZ '2025-06-01 09:00:00+00' + i * INTERVAL 5 SECOND AS timestamp, (20 + i / 100)::FLOAT AS temperature FROM range(180) t(i)) TO '${local}' (FORMAT parquet)`,
      );
      expect((await syncLake({ root, target: t, ledger })).uploaded).toBe(1);
      const body = (await moto.getObject(t.bucket, `lake/${rel}`)) as Buffer;
      const copy = join(dir, 'downloaded.parquet');
      await writeFile(copy, body);
      const reader = await conn.runAndReadAll(
        `SELECT count(*)::INTEGER AS n, min(temperature)::DOUBLE AS lo FROM read_parquet('${copy}')`,
      );
      expect(reader.getRowObjects()).toEqual([{ n: 180, lo: 20 }]);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });

  it('quarantines a zero-byte and a truncated lake file, so DuckDB globs over the lake and the bucket still read', async () => {
    const t = await target({ prefix: 'lake' });
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const rels = [9, 10, 11, 12].map((h) => fakeLakePath('duck', Date.UTC(2025, 5, 1, h, 15)));
      for (const rel of rels) {
        await mkdir(dirname(join(root, rel)), { recursive: true });
        await conn.run(
          `COPY (SELECT TIMESTAMPTZ '2025-06-01 09:00:00+00' + i * INTERVAL 5 SECOND AS timestamp, (20 + i / 100)::FLOAT AS temperature FROM range(180) t(i)) TO '${join(root, rel)}' (FORMAT parquet)`,
        );
      }
      const [zero, cut] = rels.slice(2) as [string, string];
      await writeFile(join(root, zero), '');
      const h = await open(join(root, cut), 'r+');
      await h.truncate((await h.stat()).size - 50);
      await h.close();

      const s = await syncLake({ root, target: t, ledger });
      expect(s).toMatchObject({ uploaded: 2, quarantined: 2, ok: false });
      expect(s.quarantine.map((q) => q.movedTo)).toEqual([
        join(`${root}-quarantine`, zero),
        join(`${root}-quarantine`, cut),
      ]);
      expect((await moto.listKeys(t.bucket)).sort()).toEqual(rels.slice(0, 2).map((r) => `lake/${r}`));

      const count = async (glob: string) =>
        (
          await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet('${glob}')`)
        ).getRowObjects();
      expect(await count(`${root}/**/*.parquet`)).toEqual([{ n: 360 }]);
      const mirror = join(dir, 'bucket');
      for (const key of await moto.listKeys(t.bucket)) {
        await mkdir(dirname(join(mirror, key)), { recursive: true });
        await writeFile(join(mirror, key), (await moto.getObject(t.bucket, key)) as Buffer);
      }
      expect(await count(`${mirror}/**/*.parquet`)).toEqual([{ n: 360 }]);
      expect(await syncLake({ root, target: t, ledger })).toMatchObject({
        skipped: 2,
        quarantined: 0,
        ok: true,
      });
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });

  it('uploads a 200 MiB file through multipart with bounded memory', async () => {
    const t = await target({ prefix: 'big' });
    const rel = fakeLakePath('big', Date.UTC(2025, 5, 1, 12, 0));
    const path = join(root, rel);
    await mkdir(dirname(path), { recursive: true });
    const size = 200 * 1024 * 1024;
    // Sparse: a few marked regions, so a part mix-up would change the digest; Parquet magic and a
    // footer at the ends, so the check before upload passes.
    const h = await open(path, 'w');
    await h.truncate(size);
    await h.write(Buffer.from('PAR1'), 0, undefined, 0);
    for (let i = 0; i < 13; i++)
      await h.write(Buffer.from(`part-marker-${i}`), 0, undefined, i * 16 * 1024 * 1024 + i + 4);
    const footer = fakeParquetFooter();
    await h.write(footer, 0, undefined, size - footer.length);
    await h.close();
    const localSha = createHash('sha256');
    for await (const c of (await open(path)).createReadStream()) localSha.update(c);
    const expected = localSha.digest('hex');

    const base = process.memoryUsage();
    let peakExternal = 0;
    let parts = 0;
    const s = await syncLake({
      root,
      target: t,
      ledger,
      onProgress: (e) => {
        if (e.type !== 'bytes') return;
        parts++;
        const m = process.memoryUsage();
        peakExternal = Math.max(peakExternal, m.arrayBuffers - base.arrayBuffers);
      },
    });
    expect(s).toMatchObject({ uploaded: 1, bytes: size, ok: true });
    expect(parts).toBeGreaterThanOrEqual(25);
    // The file is never held whole: buffers stay within a few 8 MiB parts.
    expect(peakExternal).toBeLessThan(100 * 1024 * 1024);
    console.log(`200 MiB multipart: peak arrayBuffers growth ${(peakExternal / 1048576).toFixed(1)} MiB`);

    const { GetObjectCommand, HeadObjectCommand } = await import('@aws-sdk/client-s3');
    const head = await t.client.send(new HeadObjectCommand({ Bucket: t.bucket, Key: `big/${rel}` }));
    expect(head.ContentLength).toBe(size);
    expect(head.ETag).toMatch(/-25"$/); // 200 MiB in 8 MiB parts
    const got = await t.client.send(new GetObjectCommand({ Bucket: t.bucket, Key: `big/${rel}` }));
    const remote = await sha256OfStream(got.Body as AsyncIterable<Uint8Array>);
    expect(remote).toEqual({ hex: expected, size });
    const l = await openLedger(ledger, { lock: false });
    expect([...l.entries()][0]).toMatchObject({
      method: 'multipart',
      verified: true,
      size,
      sha256: expected,
    });
    await l.close();
  }, 120_000);
});
