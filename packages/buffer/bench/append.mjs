// Measures append throughput per fsync policy on this machine. Not a test: run it by hand after
// building (`pnpm --filter @opensensor/buffer build && node packages/buffer/bench/append.mjs [dir]`).
// The directory defaults to the OS temp dir; pass one on the disk you care about (e.g. the SD card).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../dist/index.js';

const base = mkdtempSync(join(process.argv[2] ?? tmpdir(), 'journal-bench-'));
const payload = new Uint8Array(96).fill(7); // about one reading of 19 float32 columns plus a timestamp
const silent = { info() {}, warn() {}, error() {} };

async function measure(name, fsync, run, seconds = 2) {
  const dir = join(base, name.replace(/\W+/g, '-'));
  const journal = await Journal.open({
    dir,
    fsync,
    consumers: ['bench'],
    logger: silent,
    maxBytes: 1024 * 1024 * 1024,
  });
  const heapBefore = process.memoryUsage().heapUsed;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(seconds * 1e9);
  let count = 0;
  while (process.hrtime.bigint() < deadline) count += await run(journal);
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  const fsyncs = journal.stats().fsyncs;
  await journal.close();
  const perSecond = Math.round(count / elapsed);
  console.log(
    `${name.padEnd(44)} ${String(perSecond).padStart(9)} appends/s   fsyncs ${String(fsyncs).padStart(6)}   heap +${Math.round((process.memoryUsage().heapUsed - heapBefore) / 1024)} KiB`,
  );
  return perSecond;
}

const sequential = async (journal) => {
  for (let i = 0; i < 100; i++) await journal.append(payload);
  return 100;
};
const concurrent64 = async (journal) => {
  const pending = [];
  for (let i = 0; i < 64; i++) pending.push(journal.append(payload));
  await Promise.all(pending);
  return 64;
};
const batch = (size) => async (journal) => {
  const values = new Array(size).fill(payload);
  await journal.appendBatch(values);
  return size;
};

console.log(`node ${process.version}, ${process.platform}/${process.arch}, dir ${base}`);
await measure('never: await each append', 'never', sequential);
await measure('interval 1000 ms: await each append', { interval: 1000 }, sequential);
await measure('always: await each append', 'always', sequential);
await measure('always: 64 appends in flight', 'always', concurrent64);
await measure('always: appendBatch of 1000', 'always', batch(1000));
await measure('interval 1000 ms: appendBatch of 1000', { interval: 1000 }, batch(1000));

{
  const dir = join(base, 'read');
  const journal = await Journal.open({ dir, fsync: 'never', consumers: ['bench'], logger: silent });
  await journal.appendBatch(new Array(200_000).fill(payload));
  const start = process.hrtime.bigint();
  let count = 0;
  for await (const _ of journal.read('bench')) count += 1;
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(
    `${'read (replay) 200k records'.padEnd(44)} ${String(Math.round(count / elapsed)).padStart(9)} records/s`,
  );
  await journal.close();
}
rmSync(base, { recursive: true, force: true });
