// Batch encode: one 15-minute window (180 readings × the lake's 20 columns) → Parquet bytes, per codec.
// In one process, after warm-up; times validation + encoding (prepareColumns + the encoder), not the disk.
// `encoder`: `default` (what writeWindowFile picks: the package's own encoder, hyparquet-writer for
// snappy) or `hyparquet-writer`, for the comparison in docs/decisions/0303.
import {
  hyparquetEncoder,
  loadCodec,
  nextWindow,
  opensensorEncoder,
  prepareColumns,
  SENSOR_SCHEMA,
  windowOf,
} from '@opensensor/parquet-hive-writer';
import { sensorWindowRows } from '@opensensor/parquet-hive-writer/testing';
import { emitResult, workerParams } from '../lib/worker.mjs';

const {
  codec: compression,
  encoder: encoderName = 'default',
  batches = 48,
  warmup = 24,
  reps = 7,
  intervalSec = 5,
} = workerParams();
const codec = await loadCodec(compression);
const encoder = encoderName === 'hyparquet-writer' || !codec.compress ? hyparquetEncoder : opensensorEncoder;
await encoder.load?.();

// Different windows of one station: every batch is encoded from its own data, as in a real day.
let window = windowOf(Date.UTC(2026, 0, 1), 900);
const inputs = [];
for (let i = 0; i < batches; i++) {
  inputs.push({ window, rows: sensorWindowRows({ window, seed: i + 1, intervalSec }) });
  window = nextWindow(window);
}
const metadata = [{ key: 'opensensor.bench', value: 'batch-encode' }];

function encode(input) {
  const columns = prepareColumns(SENSOR_SCHEMA, input.window, input.rows);
  return encoder.encode({ schema: SENSOR_SCHEMA, columns, codec, metadata, createdBy: 'bench' });
}

for (let i = 0; i < warmup; i++) encode(inputs[i % inputs.length]);

const samples = [];
let bytes = 0;
let rows = 0;
for (let r = 0; r < reps; r++) {
  let repBytes = 0;
  let repRows = 0;
  const heapBefore = process.memoryUsage().heapUsed;
  const started = process.hrtime.bigint();
  for (const input of inputs) {
    repBytes += encode(input).byteLength;
    repRows += input.rows.timestamp.length;
  }
  const ns = Number(process.hrtime.bigint() - started);
  samples.push({
    usPerBatch: ns / 1000 / inputs.length,
    rowsPerSec: repRows / (ns / 1e9),
    heapGrowthKBPerBatch: (process.memoryUsage().heapUsed - heapBefore) / 1024 / inputs.length,
  });
  bytes = repBytes;
  rows = repRows;
}

emitResult({
  implementation: codec.implementation,
  encoder: encoder.id,
  rowsPerBatch: rows / inputs.length,
  bytesPerFile: bytes / inputs.length,
  samples,
});
