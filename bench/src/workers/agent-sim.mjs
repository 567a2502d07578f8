// The agent's steady state on a simulated clock: the station `opensensor start --simulate` builds from
// the default configuration (5 s readings, 15-minute windows, health every 12 readings, journal fsync
// every second, zstd), driven through simulated hours as the simulator's backfill does. Per simulated
// hour: CPU, bytes handed to write(2), journal and lake growth.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { loadConfig } from '@opensensor/config';
import { SimulatedClock, stationFromConfig } from '@opensensor/pipeline';
import { selfUsage } from '../lib/proc.mjs';
import { emitResult, msSince, workerParams } from '../lib/worker.mjs';

const p = workerParams();
// The V8 flags the real agent sets for itself (`opensensor start`, v8-flags.ts), as it reported them.
for (const flag of p.v8Flags ?? []) setFlagsFromString(flag);
const hours = p.hours ?? 24;
const start = Date.parse('2026-01-01T00:00:00Z');
const dir = mkdtempSync(join(p.dir ?? tmpdir(), 'opensensor-agent-'));

function segmentBytes(journalDir) {
  let bytes = 0;
  for (const name of readdirSync(journalDir)) {
    if (name.endsWith('.seg')) bytes += statSync(join(journalDir, name)).size;
  }
  return bytes;
}

try {
  const { config } = loadConfig({
    env: { OPENSENSOR_STATION_ID: '0190a8e2-7c4b-7000-8000-000000000001' },
    cwd: dir,
    envFile: false,
  });
  const clock = new SimulatedClock(start);
  const station = await stationFromConfig({
    config,
    clock,
    simulate: { seed: 42 },
    trustClock: true,
    withoutRemote: true,
    healthSources: {
      readFile: async (path) => (path.endsWith('thermal_zone0/temp') ? '48000' : null),
      run: async () => null,
      statfs: async () => ({ totalBytes: 32 * 1024 ** 3, freeBytes: 20 * 1024 ** 3 }),
      loadavg: () => [0.2, 0.15, 0.1],
      uptimeSeconds: () => 3600,
      networkInterfaces: () => ({}),
    },
  });
  const io0 = selfUsage();
  const cpu0 = process.cpuUsage();
  const began = process.hrtime.bigint();
  await station.backfill({ from: start, to: start + hours * 3_600_000 });
  const cpu = process.cpuUsage(cpu0);
  const runMs = msSince(began);
  const io1 = selfUsage();
  const s = station.status();
  const journalBytes = segmentBytes(join(config.stateDir, 'journal'));
  const fsyncs = station.journal.stats().fsyncs;
  await station.close();
  emitResult({
    hours,
    runMs,
    cpuSecondsPerSimHour: (cpu.user + cpu.system) / 1e6 / hours,
    readingsPerHour: s.stats.readings / hours,
    journalBytesPerHour: journalBytes / hours,
    journalRecordsPerHour: s.journal.lastSeq / hours,
    lakeBytesPerHour: s.lake.bytes / hours,
    lakeFilesPerHour: s.lake.windows / hours,
    healthFilesPerHour: (s.health?.windows ?? 0) / hours,
    writeBytesPerHour: (io1.writeBytes - io0.writeBytes) / hours,
    writeCallsPerHour: (io1.writeCalls - io0.writeCalls) / hours,
    journalFsyncs: fsyncs,
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
