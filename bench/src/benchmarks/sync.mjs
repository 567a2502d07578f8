import { runWorker } from '../lib/child.mjs';
import { summarizeFields } from '../lib/stats.mjs';

/** 6. Upload throughput to a local moto_server: a station-day of files, and one large (multipart) file. */
export async function syncThroughput(ctx) {
  let startMotoServer;
  try {
    ({ startMotoServer } = await import('@opensensor/s3-sync/testing'));
  } catch (err) {
    throw new Error(`@opensensor/s3-sync/testing is not built: run pnpm build (${err.message})`);
  }
  let moto;
  try {
    moto = await startMotoServer();
  } catch (err) {
    ctx.emit({
      name: 'sync',
      params: {},
      figures: {},
      skipped: `moto_server could not start: ${err.message}`,
    });
    return;
  }
  try {
    await moto.createBucket('bench');
    const { warmup, reps, largeBytes } = ctx.profile.sync;
    let prefix = 0;
    const run = async (params, n) => {
      const out = [];
      for (let i = 0; i < n; i++) {
        // A fresh prefix and ledger every time: each repetition uploads everything.
        out.push(
          await runWorker('sync', {
            ...params,
            endpoint: moto.endpoint,
            bucket: 'bench',
            prefix: `p${prefix++}`,
          }),
        );
      }
      return out;
    };
    for (const [label, params] of [
      ['station-day', { kind: 'day', files: ctx.profile.sync.files }],
      ['large-file', { kind: 'large', bytes: largeBytes }],
    ]) {
      await run(params, warmup);
      const results = await run(params, reps);
      ctx.emit({
        name: 'sync',
        params: { upload: label, ...params, concurrency: 2, server: 'moto_server on loopback' },
        figures: summarizeFields(
          results.map((r) => ({ ...r, runS: r.runMs / 1000, mb: r.bytes / 1e6 })),
          { files: 'files', mb: 'MB', runS: 's', filesPerSec: 'files/s', mbPerSec: 'MiB/s', peakRssMB: 'MB' },
        ),
      });
    }
    // What each periodic sync (every 15 minutes by default) pays once a station has a year of lake,
    // before it uploads anything.
    const days = ctx.profile.sync.yearDays;
    await run({ kind: 'year', days }, warmup);
    const year = await run({ kind: 'year', days }, reps);
    ctx.emit({
      name: 'sync',
      params: { upload: 'nothing new', lakeDays: days, files: days * 96, dryRun: true },
      description:
        'syncLake over a year of lake files already in the ledger: list, load the ledger, compare (the files are hard links of one day, so the file system caches are warm)',
      figures: summarizeFields(
        year.map((r) => ({ ...r, runS: r.runMs / 1000, cpuS: r.runCpuMs / 1000 })),
        // No peak RSS: the worker's peak is that of building the year, not of the sync.
        { files: 'files', runS: 's', cpuS: 's' },
      ),
    });
  } finally {
    await moto.stop();
  }
}
