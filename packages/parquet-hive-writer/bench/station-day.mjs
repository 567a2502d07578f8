// One station-day (96 windows × 180 readings × 20 columns) through writeWindowFile, as measurements.md
// measured the reference. Run after `pnpm build`:
//   node bench/station-day.mjs [zstd|snappy|gzip] [columnar|records] [files|encode-only]
// `encode-only` skips the file system (no fsync), to separate encoding from SD-card cost.
// Prints wall time, peak RSS and bytes; the numbers are for comparison on one machine, not assertions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  hyparquetEncoder,
  loadCodec,
  nextWindow,
  opensensorEncoder,
  prepareColumns,
  rowsFromRecords,
  SENSOR_SCHEMA,
  windowOf,
  writeWindowFile,
} from '../dist/index.js';
import { sensorWindowRows } from '../dist/testing.js';

const compression = process.argv[2] ?? 'zstd';
const input = process.argv[3] ?? 'columnar';
const mode = process.argv[4] ?? 'files';
const codec = await loadCodec(compression);
const root = mkdtempSync(join(tmpdir(), 'lake-bench-'));

// Rows are generated up front so that only the write path is timed.
let window = windowOf(Date.UTC(2025, 0, 1), 900);
const batches = [];
for (let i = 0; i < 96; i++) {
  const rows = sensorWindowRows({ window, seed: i + 1 });
  if (input === 'records') {
    const records = Array.from(rows.timestamp, (timestamp, r) => {
      const record = { timestamp };
      for (const [name, { values, nulls }] of Object.entries(rows.columns))
        record[name] = nulls[r] ? null : values[r];
      return record;
    });
    batches.push({ window, records });
  } else {
    batches.push({ window, rows });
  }
  window = nextWindow(window);
}

const started = performance.now();
let bytes = 0;
let seq = 1;
for (const batch of batches) {
  const rows = batch.rows ?? rowsFromRecords(SENSOR_SCHEMA, batch.records);
  const n = rows.timestamp.length;
  if (mode === 'encode-only') {
    const columns = prepareColumns(SENSOR_SCHEMA, batch.window, rows);
    // The encoder writeWindowFile would pick: its own, hyparquet-writer for snappy.
    const encoder = codec.compress ? opensensorEncoder : hyparquetEncoder;
    await encoder.load?.();
    bytes += encoder.encode({
      schema: SENSOR_SCHEMA,
      columns,
      codec,
      metadata: [],
      createdBy: 'bench',
    }).length;
    continue;
  }
  const result = await writeWindowFile({
    root,
    station: 'bench',
    schema: SENSOR_SCHEMA,
    window: batch.window,
    rows,
    firstSeq: seq,
    lastSeq: seq + n - 1,
    compression,
  });
  seq += n;
  bytes += result.bytes;
}
const wallMs = performance.now() - started;
rmSync(root, { recursive: true, force: true });
console.log(
  JSON.stringify({
    compression,
    input,
    mode,
    files: batches.length,
    wallMs: Math.round(wallMs),
    bytes,
    bytesPerFile: Math.round(bytes / batches.length),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
