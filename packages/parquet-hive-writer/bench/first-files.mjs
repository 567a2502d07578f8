// The cold cost of a fresh process: one station-day (96 windows × 180 readings × 20 columns, zstd)
// written with writeWindowFile, each file timed on its own, so that module loading and JIT warm-up
// show up where a station pays them (its first windows). Run after `pnpm build`, one process per run:
//   node bench/first-files.mjs [default|hyparquet-writer]
// Prints first file, files 2–30, files 31–96 and the whole day in ms (wall; the day's CPU time too);
// for comparison, not assertions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hyparquetEncoder, nextWindow, SENSOR_SCHEMA, windowOf, writeWindowFile } from '../dist/index.js';
import { sensorWindowRows } from '../dist/testing.js';

const encoderName = process.argv[2] ?? 'default';
const root = mkdtempSync(join(tmpdir(), 'lake-first-files-'));

let window = windowOf(Date.UTC(2025, 0, 1), 900);
const batches = [];
for (let i = 0; i < 96; i++) {
  batches.push({ window, rows: sensorWindowRows({ window, seed: i + 1 }) });
  window = nextWindow(window);
}

const ms = [];
const cpu0 = process.cpuUsage();
let seq = 1;
let bytes = 0;
for (const { window, rows } of batches) {
  const n = rows.timestamp.length;
  const t0 = performance.now();
  const result = await writeWindowFile({
    root,
    station: 'bench',
    schema: SENSOR_SCHEMA,
    window,
    rows,
    firstSeq: seq,
    lastSeq: seq + n - 1,
    ...(encoderName === 'hyparquet-writer' ? { encoder: hyparquetEncoder } : {}),
  });
  ms.push(performance.now() - t0);
  seq += n;
  bytes += result.bytes;
}
const cpu = process.cpuUsage(cpu0);
rmSync(root, { recursive: true, force: true });
const sum = (a) => a.reduce((x, y) => x + y, 0);
const round = (v) => Math.round(v * 10) / 10;
console.log(
  JSON.stringify({
    encoder: encoderName,
    firstMs: round(ms[0]),
    files2to30Ms: round(sum(ms.slice(1, 30))),
    files31to96Ms: round(sum(ms.slice(30))),
    medianWarmMs: round([...ms.slice(30)].sort((a, b) => a - b)[33]),
    dayMs: round(sum(ms)),
    dayCpuMs: round((cpu.user + cpu.system) / 1000),
    bytesPerFile: Math.round(bytes / batches.length),
  }),
);
