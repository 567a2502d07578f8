import { runWorker } from '../lib/child.mjs';
import { summarize, summarizeFields } from '../lib/stats.mjs';

/** 1. One 15-minute window (180 readings × 20 columns) → Parquet bytes, per codec. */
export async function batchEncode(ctx) {
  // zstd twice: with the default encoder and with hyparquet-writer, the encoder it replaced (0303).
  const cases = [
    ['zstd', 'default'],
    ['zstd', 'hyparquet-writer'],
    ['snappy', 'default'],
    ['gzip', 'default'],
  ];
  for (const [codec, encoder] of cases) {
    const params = { codec, encoder, rowsPerBatch: 180, columns: 20, ...ctx.profile.encode };
    const r = await runWorker('encode', params);
    ctx.emit({
      name: 'batch-encode',
      params: { ...params, encoder: r.encoder, implementation: r.implementation },
      figures: {
        ...summarizeFields(r.samples, { usPerBatch: 'µs', rowsPerSec: 'rows/s' }),
        bytesPerFile: summarize([r.bytesPerFile], 'B'),
        peakRssMB: summarize([r.peakRssMB], 'MB'),
      },
      ...(codec === 'zstd' && encoder === 'default'
        ? {
            reference: {
              bytesPerFile: 14_800,
              source:
                'Polars 1.44 + PyArrow 25, zstd, one station-day / 96 files (measurements.md); other rows',
            },
          }
        : {}),
    });
  }
}
