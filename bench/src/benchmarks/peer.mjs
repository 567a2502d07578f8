import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runToExit, runWorker } from '../lib/child.mjs';
import { summarize } from '../lib/stats.mjs';

/**
 * Where the reference's write path, rebuilt in Python, lives: `OPENSENSOR_PEER_DIR`, or the team's
 * shared folder next to this repository (`../shared/peer`). It is not part of the repository.
 */
const PEER_DIR =
  process.env.OPENSENSOR_PEER_DIR ?? fileURLToPath(new URL('../../../../shared/peer/', import.meta.url));
const PYTHON = process.env.OPENSENSOR_PEER_PYTHON ?? 'python3';

/** Runs a Python script in a fresh process; resolves with its last JSON line and the wall time from spawn to exit. */
async function runPython(args, timeoutMs = 600_000) {
  const { code, stdout, stderr, wallMs } = await runToExit(PYTHON, args, { timeoutMs, stderrLimit: 8192 });
  const line = stdout.trim().split('\n').filter(Boolean).pop();
  if (code !== 0 || !line)
    throw new Error(`${args[0]} exited with code ${code}: ${stderr.trim().slice(-1500)}`);
  return { ...JSON.parse(line), processWallMs: wallMs };
}

/** Why the peer cannot run here, or null when it can. */
function unavailable(writer) {
  if (!existsSync(writer))
    return `${writer} not found (set OPENSENSOR_PEER_DIR to the folder holding polars_batch_writer.py)`;
  const probe = spawnSync(PYTHON, ['-c', 'import polars, pyarrow'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} cannot run: ${probe.error.message}`;
  if (probe.status !== 0)
    return `${PYTHON} has no polars/pyarrow (pip install polars pyarrow): ${probe.stderr.trim().split('\n').pop()}`;
  return null;
}

/**
 * 10. Side by side with the reference's write path (optional): Python + Polars + PyArrow writing the
 * same station-day of 15-minute files (`polars_batch_writer.py`), alternated with our `lake-only` path
 * in the same run, and both encoders on identical rows (`polars_reencode.py` re-encodes our files).
 * Skipped, saying why, when the peer scripts or Polars are missing.
 */
export async function peerWritePath(ctx) {
  const { hours, warmup, reps } = ctx.profile.day;
  const writer = join(PEER_DIR, 'polars_batch_writer.py');
  const why = unavailable(writer);
  const params = { stations: 1, hours, readIntervalSec: 5, rowsPerFile: 180, compression: 'zstd' };
  if (why) {
    ctx.emit({ name: 'peer-write-path', params, figures: {}, skipped: why });
    return;
  }
  const version = spawnSync(
    PYTHON,
    [
      '-c',
      'import sys, polars, pyarrow; print(f"Python {sys.version.split()[0]}, Polars {polars.__version__}, PyArrow {pyarrow.__version__}")',
    ],
    { encoding: 'utf8' },
  ).stdout.trim();
  const dir = mkdtempSync(join(tmpdir(), 'opensensor-bench-peer-'));
  const ours = [];
  const peer = [];
  try {
    // Alternated, so that a change of the machine's load reaches both sides alike.
    for (let i = 0; i < warmup + reps; i++) {
      const out = join(dir, `peer-${i}`);
      const p = await runPython([writer, out, String(hours * 4), '180', 'zstd']);
      rmSync(out, { recursive: true, force: true });
      const o = await runWorker('backfill', { mode: 'lake-only', hours, removeOutput: 'parent' });
      if (i >= warmup) {
        peer.push(p);
        ours.push(o);
      }
      if (o.outputDir && i < warmup + reps - 1) rmSync(o.outputDir, { recursive: true, force: true });
    }
    // Identical rows: the last of our runs' files, re-encoded by the peer with its write settings.
    const last = ours[ours.length - 1];
    const same = await runPython([
      join(PEER_DIR, 'polars_reencode.py'),
      join(last.outputDir, 'output'),
      join(dir, 'reencoded'),
      'zstd',
    ]);
    const med = (rs, f) => summarize(rs.map(f), '').median;
    const oursWall = med(ours, (r) => r.processWallMs / 1000);
    const peerWall = med(peer, (r) => r.processWallMs / 1000);
    ctx.emit({
      name: 'peer-write-path',
      params: { ...params, peer: version },
      description:
        'one station’s 15-minute zstd files for the profile’s hours (24 h = 96 files by default): ours = rows in memory → atomic fsynced files (the lake-only case); peer = the reference collector’s write path in Python (dicts → DataFrame → Float32 → write_parquet via PyArrow), each in a fresh process, alternated; bytes on identical rows = our files re-encoded by the peer',
      figures: {
        oursProcessWallS: summarize(
          ours.map((r) => r.processWallMs / 1000),
          's',
        ),
        peerProcessWallS: summarize(
          peer.map((r) => r.processWallMs / 1000),
          's',
        ),
        peerInProcessS: summarize(
          peer.map((r) => r.seconds),
          's',
        ),
        peerOverOursWall: summarize([peerWall / oursWall], '×'),
        oursPeakRssMB: summarize(
          ours.map((r) => r.peakRssMB),
          'MB',
        ),
        peerPeakRssMB: summarize(
          peer.map((r) => r.peak_rss_kib / 1024),
          'MB',
        ),
        oursBytesPerFile: summarize([same.ours_bytes / same.files], 'B'),
        peerBytesPerFileSameRows: summarize([same.peer_bytes / same.files], 'B'),
        peerOverOursBytes: summarize([same.peer_bytes / same.ours_bytes], '×'),
      },
    });
  } finally {
    for (const r of ours) if (r.outputDir) rmSync(r.outputDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}
