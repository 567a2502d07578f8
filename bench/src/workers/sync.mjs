// Upload throughput to an S3-compatible server (moto_server on loopback, started by the parent): either
// one station-day of real lake files, or one large file (multipart above the 64 MiB threshold).
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3Target, syncLake } from '@opensensor/s3-sync';
import { emitResult, msSince, workerParams } from '../lib/worker.mjs';

const p = workerParams();
const dir = mkdtempSync(join(p.dir ?? tmpdir(), 'opensensor-sync-'));
const root = join(dir, 'output');
const station = '00000000-0000-8000-8000-000000000001';

async function writeDay() {
  const { nextWindow, SENSOR_SCHEMA, windowOf, writeWindowFile } = await import(
    '@opensensor/parquet-hive-writer'
  );
  const { sensorWindowRows } = await import('@opensensor/parquet-hive-writer/testing');
  let window = windowOf(Date.UTC(2026, 0, 1), 900);
  let seq = 1;
  for (let i = 0; i < (p.files ?? 96); i++) {
    const rows = sensorWindowRows({ window, seed: i + 1 });
    const n = rows.timestamp.length;
    await writeWindowFile({
      root,
      station,
      schema: SENSOR_SCHEMA,
      window,
      rows,
      firstSeq: seq,
      lastSeq: seq + n - 1,
    });
    seq += n;
    window = nextWindow(window);
  }
}

function writeLarge(bytes) {
  const path = join(root, `station=${station}`, 'year=2026', 'month=01', 'day=01');
  mkdirSync(path, { recursive: true });
  // Incompressible like Parquet pages, deterministic, and written in 1 MiB chunks so that the
  // process's peak RSS is the upload's, not this generator's.
  const fd = openSync(join(path, 'data_0015.parquet'), 'w');
  const chunk = Buffer.allocUnsafe(1024 * 1024);
  let x = 2463534242;
  for (let written = 0; written < bytes; written += chunk.length) {
    for (let i = 0; i < chunk.length; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      chunk.writeUInt32LE(x >>> 0, i);
    }
    writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - written));
  }
  closeSync(fd);
}

try {
  if (p.kind === 'large') writeLarge(p.bytes ?? 100 * 1024 * 1024);
  else await writeDay();
  const target = await createS3Target({
    provider: 'minio',
    bucket: p.bucket,
    prefix: p.prefix,
    endpoint: p.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing-secret' },
  });
  const rssBefore = process.memoryUsage().rss;
  const began = process.hrtime.bigint();
  const summary = await syncLake({ root, target, ledger: join(dir, 'ledger.jsonl') });
  const runMs = msSince(began);
  target.destroy();
  if (!summary.ok || summary.uploaded === 0)
    throw new Error(`sync did not upload everything: ${JSON.stringify({ ...summary, planned: undefined })}`);
  emitResult({
    runMs,
    files: summary.uploaded,
    bytes: summary.bytes,
    filesPerSec: summary.uploaded / (runMs / 1000),
    mbPerSec: summary.bytes / 1024 / 1024 / (runMs / 1000),
    rssBeforeMB: rssBefore / 1024 / 1024,
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
