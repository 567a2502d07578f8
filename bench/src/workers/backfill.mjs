// Stations backfilled on a simulated clock through the real pipeline (board → journal → lake writers),
// one after the other in this process, as `opensensor-sim backfill --stations N` does.
// Also the `lake-only` mode: the reference's measured path (rows → 96 Parquet files), without the journal.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfUsage } from '../lib/proc.mjs';
import { emitResult, msSince, workerParams } from '../lib/worker.mjs';

const p = workerParams();
const stations = p.stations ?? 1;
const hours = p.hours ?? 24;
const start = Date.parse(p.start ?? '2026-01-01T00:00:00Z');
const end = start + hours * 3_600_000;
const readIntervalMs = p.readIntervalMs ?? 5000;
const compression = p.compression ?? 'zstd';
const base = mkdtempSync(join(p.dir ?? tmpdir(), 'opensensor-bench-'));

/** Bytes of the files under `dir` whose names pass `keep` (journal segments, lake files). */
function bytesUnder(dir, keep = () => true) {
  let total = 0;
  let files = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return { bytes: 0, files: 0 };
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      const sub = bytesUnder(path, keep);
      total += sub.bytes;
      files += sub.files;
    } else if (keep(e.name)) {
      total += statSync(path).size;
      files++;
    }
  }
  return { bytes: total, files };
}

const stationId = (i) => `00000000-0000-8000-8000-${String(i + 1).padStart(12, '0')}`;

async function lakeOnly() {
  const { hyparquetEncoder, nextWindow, partitionDir, SENSOR_SCHEMA, windowOf, writeWindowFile } =
    await import('@opensensor/parquet-hive-writer');
  // `encoder: 'hyparquet-writer'` writes with the encoder the default replaced, for side-by-side runs.
  const encoder = p.encoder === 'hyparquet-writer' ? { encoder: hyparquetEncoder } : {};
  const { sensorWindowRows } = await import('@opensensor/parquet-hive-writer/testing');
  const { fsyncDir } = await import('@opensensor/buffer');
  // Rows are built first, as the reference's measurement starts from rows in memory.
  const batches = [];
  for (let i = 0; i < stations; i++) {
    let window = windowOf(start, 900);
    while (window.start < end) {
      batches.push({
        station: stationId(i),
        window,
        rows: sensorWindowRows({ window, seed: batches.length + 1 }),
      });
      window = nextWindow(window);
    }
  }
  const began = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let seq = 1;
  let bytes = 0;
  let rows = 0;
  // As a backfill writes its windows: up to four files in flight, each fsynced and named when it
  // resolves (`syncDirectory` default), named in order (`nameAfter`); `inFlight: 1` writes one at a time.
  const inFlight = p.inFlight ?? 4;
  const writing = [];
  let previous = Promise.resolve();
  // `groupOf: n` syncs directories as a backfill does: each file is fsynced and named, and the
  // directories are fsynced once after every n windows (the backfill's drain group) instead of after
  // each file. Without it, each file's directory is fsynced when the file is named.
  const groupOf = p.groupOf;
  const unsynced = new Set();
  let inGroup = 0;
  const syncGroup = async () => {
    await Promise.all(writing.splice(0));
    for (const dir of unsynced) await fsyncDir(dir);
    unsynced.clear();
    inGroup = 0;
  };
  for (const b of batches) {
    const n = b.rows.timestamp.length;
    const write = writeWindowFile({
      root: join(base, 'output'),
      station: b.station,
      schema: SENSOR_SCHEMA,
      window: b.window,
      rows: b.rows,
      firstSeq: seq,
      lastSeq: seq + n - 1,
      compression,
      nameAfter: previous,
      ...(groupOf !== undefined ? { syncDirectory: false } : {}),
      ...encoder,
    });
    previous = write;
    writing.push(
      write.then((res) => {
        bytes += res.bytes;
      }),
    );
    if (writing.length >= inFlight) await writing.shift();
    if (groupOf !== undefined) {
      unsynced.add(partitionDir({ root: join(base, 'output'), station: b.station, window: b.window }));
      if (++inGroup === groupOf) await syncGroup();
    }
    seq += n;
    rows += n;
  }
  await Promise.all(writing);
  if (groupOf !== undefined) await syncGroup();
  const cpu = process.cpuUsage(cpu0);
  return {
    runMs: msSince(began),
    runCpuMs: (cpu.user + cpu.system) / 1000,
    readings: rows,
    files: batches.length,
    lakeBytes: bytes,
  };
}

async function pipeline() {
  const { SimulatedClock, Station } = await import('@opensensor/pipeline');
  const { SENSOR_SCHEMA } = await import('@opensensor/parquet-hive-writer');
  const { SimulatedEnviroplus } = await import('@opensensor/simulation');
  const io0 = selfUsage();
  const began = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const perStationMs = [];
  let readings = 0;
  let files = 0;
  let lakeBytes = 0;
  let healthFiles = 0;
  let journalBytes = 0;
  let journalRecords = 0;
  let journalFsyncs = 0;
  for (let i = 0; i < stations; i++) {
    const t0 = process.hrtime.bigint();
    const clock = new SimulatedClock(start);
    const seed = 1000 + i;
    const id = stationId(i);
    const stateDir = join(base, 'state', id);
    const station = await Station.open({
      stationId: id,
      board: new SimulatedEnviroplus({ seed, now: () => clock.now() }),
      schema: SENSOR_SCHEMA,
      clock,
      stateDir,
      outputDir: join(base, 'output'),
      healthDir: join(base, 'output-health'),
      readIntervalMs,
      batchDurationSec: 900,
      compression,
      fsync: p.fsync ?? { interval: 1000 },
      clockSync: null,
      // As `opensensor-sim backfill` compresses (apps/simulator/src/commands.ts, `backfillStation`).
      zstd: p.zstd ?? 'wasm',
      // Plausible health values without running the host's commands (as the simulator does).
      health:
        p.health === false
          ? null
          : {
              sources: {
                readFile: async (path) => (path.endsWith('thermal_zone0/temp') ? '48000' : null),
                run: async () => null,
                statfs: async () => ({ totalBytes: 32 * 1024 ** 3, freeBytes: 20 * 1024 ** 3 }),
                loadavg: () => [0.2, 0.15, 0.1],
                uptimeSeconds: () => 3600,
                networkInterfaces: () => ({}),
              },
            },
    });
    try {
      await station.backfill({ from: start, to: end });
      const s = station.status();
      readings += s.stats.readings;
      files += s.lake.windows;
      lakeBytes += s.lake.bytes;
      healthFiles += s.health?.windows ?? 0;
      journalRecords += s.journal.lastSeq;
      journalFsyncs += station.journal.stats().fsyncs;
      // Every segment is still on disk after a day (4 MiB segments): their size is what was appended.
      journalBytes += bytesUnder(join(stateDir, 'journal'), (n) => n.endsWith('.seg')).bytes;
    } finally {
      await station.close();
    }
    perStationMs.push(msSince(t0));
  }
  const cpu = process.cpuUsage(cpu0);
  const io1 = selfUsage();
  return {
    runMs: msSince(began),
    runCpuMs: (cpu.user + cpu.system) / 1000,
    readings,
    files,
    lakeBytes,
    healthFiles,
    healthBytes: bytesUnder(join(base, 'output-health')).bytes,
    journalBytes,
    journalRecords,
    journalFsyncs,
    writeBytes: io1.writeBytes - io0.writeBytes,
    writeCalls: io1.writeCalls - io0.writeCalls,
    perStationMs,
  };
}

// With `removeOutput: 'parent'` the benchmark deletes the output after this process has exited: a
// backfill leaves its lake behind, and deleting 200 files is not part of what is measured.
let emitted = false;
try {
  const result = p.mode === 'lake-only' ? await lakeOnly() : await pipeline();
  const usage = selfUsage();
  // The process counters cover module loading too; the run counters cover only the backfill.
  emitResult({
    ...result,
    processWriteBytes: usage.writeBytes,
    ...(p.removeOutput === 'parent' ? { outputDir: base } : {}),
  });
  emitted = true;
} finally {
  if (!emitted || p.removeOutput !== 'parent') rmSync(base, { recursive: true, force: true });
}
