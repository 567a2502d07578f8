// Upload throughput to an S3-compatible server (moto_server on loopback, started by the parent): either
// one station-day of real lake files, or one large file (multipart above the 64 MiB threshold).
import {
  closeSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3Target, digestFile, lakeObjectKey, listLakeFiles, syncLake } from '@opensensor/s3-sync';
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

/**
 * A station's year (`days` days of 96 files): the day written by `writeDay`, hard-linked into every
 * other day's folder (the same bytes under other names, which costs no disk), and the ledger a station
 * has after uploading all of it, one line per file as `Ledger.record` writes them.
 */
async function writeYear(days, target) {
  await writeDay();
  const { partitionDir, windowOf } = await import('@opensensor/parquet-hive-writer');
  const dayDir = (d) =>
    partitionDir({ root, station, window: windowOf(Date.UTC(2026, 0, 1) + d * 86_400_000, 900) });
  const first = dayDir(0);
  const names = readdirSync(first).filter((n) => n.endsWith('.parquet'));
  for (let d = 1; d < days; d++) {
    const to = dayDir(d);
    mkdirSync(to, { recursive: true });
    for (const n of names) linkSync(join(first, n), join(to, n));
  }
  const digests = new Map();
  let lines = '';
  for (const f of await listLakeFiles(root)) {
    const name = f.relativePath.slice(f.relativePath.lastIndexOf('/') + 1);
    if (!digests.has(name)) digests.set(name, (await digestFile(f.path)).sha256Hex);
    const entry = {
      target: target.id,
      key: lakeObjectKey(p.prefix, f.relativePath),
      path: f.relativePath,
      size: f.size,
      mtimeMs: f.mtimeMs,
      sha256: digests.get(name),
      uploadedAt: '2026-12-31T23:59:59.000Z',
      verified: true,
      method: 'put',
    };
    lines += `${JSON.stringify({ v: 1, op: 'put', ...entry })}\n`;
  }
  writeFileSync(join(dir, 'ledger.jsonl'), lines);
}

try {
  const target = await createS3Target({
    provider: 'minio',
    bucket: p.bucket,
    prefix: p.prefix,
    endpoint: p.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing-secret' },
  });
  if (p.kind === 'year') {
    // What every periodic sync of a station with a year of lake pays before it uploads anything: list
    // the lake, load the ledger, find every file already uploaded. A dry run touches neither store nor
    // ledger, so each repetition starts from the same state.
    const days = p.days ?? 365;
    await writeYear(days, target);
    const began = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    const summary = await syncLake({ root, target, ledger: join(dir, 'ledger.jsonl'), dryRun: true });
    const cpu = process.cpuUsage(cpu0);
    const runMs = msSince(began);
    target.destroy();
    if (!summary.ok || summary.skipped !== 96 * days || summary.planned.length !== 0)
      throw new Error(
        `the lake was not all in the ledger: ${JSON.stringify({ ...summary, planned: summary.planned.length })}`,
      );
    emitResult({ runMs, runCpuMs: (cpu.user + cpu.system) / 1000, files: summary.skipped });
  } else {
    await syncOnceAndReport(target);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

async function syncOnceAndReport(target) {
  if (p.kind === 'large') writeLarge(p.bytes ?? 100 * 1024 * 1024);
  else await writeDay();
  const rssBefore = process.memoryUsage().rss;
  const began = process.hrtime.bigint();
  const summary = await syncLake({
    root,
    target,
    ledger: join(dir, 'ledger.jsonl'),
    // The large file is random bytes, not Parquet: the sync would quarantine it instead of uploading.
    ...(p.kind === 'large' ? { checkParquet: false } : {}),
  });
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
}
