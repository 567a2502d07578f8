import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectJournal } from '@opensensor/buffer';
import { lakeGlob, openLakeReader } from '@opensensor/parquet-hive-writer/testing';
import { describe, expect, it } from 'vitest';
import { type JournaledRecord, journaledRecords } from './journal-records.js';
import { duplicateReadings, listFiles, stationTimestamps } from './lake.js';
import { CliProcess, killAll, sleep, tempDir, waitForLog } from './processes.js';

const STATION = '0193a5c1-4e2f-7b3a-8c1d-2f6e9a0b4c7e';
const READY = 'simulated station started';

/** Each reading's timestamp as the policy dates it: undated ones from the next marker of their boot. */
function expectedTimestamps(records: JournaledRecord[], kind: number): number[] {
  const out: number[] = [];
  for (const [i, r] of records.entries()) {
    if (r.kind !== kind) continue;
    if (!r.unsynced) {
      out.push(r.timestamp);
      continue;
    }
    // The next marker of its boot; for one journaled after it (a health record whose probes spanned
    // the synchronisation), the one before.
    const marker =
      records.slice(i + 1).find((m) => m.kind === 2 && m.bootTag === r.bootTag) ??
      records
        .slice(0, i)
        .reverse()
        .find((m) => m.kind === 2 && m.bootTag === r.bootTag);
    if (marker) out.push(Math.round(marker.timestamp - (marker.monotonic - r.monotonic)));
  }
  return out.sort((a, b) => a - b);
}

describe('readings taken before the clock synchronised, across SIGKILLs and restarts', () => {
  it('wait in the journal through two kills, are re-dated after a restart once NTP synchronises, and reach the lake exactly once', async () => {
    const dir = tempDir('clock-hold');
    const processes: CliProcess[] = [];
    try {
      // A stand-in timedatectl on PATH answers from a file: the test synchronises "NTP" by writing it.
      const fake = join(dir.path, 'fake-bin');
      mkdirSync(fake);
      const ntp = join(dir.path, 'ntp-synchronized');
      writeFileSync(ntp, 'no\n');
      writeFileSync(join(fake, 'timedatectl'), `#!/bin/sh\ncat ${JSON.stringify(ntp)}\n`);
      chmodSync(join(fake, 'timedatectl'), 0o755);
      const output = join(dir.path, 'output');
      const state = join(dir.path, 'state');
      const journalDir = join(state, 'sim', STATION, 'journal');
      const env = {
        PATH: `${fake}:${process.env.PATH}`,
        OPENSENSOR_CLOCK_POLICY: 'wait-for-sync',
        OPENSENSOR_STATE_DIR: state,
        OPENSENSOR_LOG_LEVEL: 'info',
        OPENSENSOR_LOG_JSON: 'true',
      };
      const args = ['run', '--station-id', STATION, '--read-interval', '0.05', '--batch-duration', '60'];
      const start = () => {
        const p = new CliProcess('sim', [...args, '--output', output], { cwd: dir.path, env });
        processes.push(p);
        return p;
      };
      /** Waits (generously) until the journal holds `more` records beyond what it held. */
      const journalGrows = async (more: number) => {
        const from = (await inspectJournal(journalDir)).lastSeq;
        const until = Date.now() + 60_000;
        while ((await inspectJournal(journalDir)).lastSeq < from + more && Date.now() < until)
          await sleep(100);
      };

      // Two lifetimes without NTP, each killed while it holds readings.
      for (let i = 0; i < 2; i++) {
        const p = start();
        await waitForLog(p, READY);
        await journalGrows(40);
        expect(await p.kill(), p.stderr).toEqual({ code: null, signal: 'SIGKILL' });
      }
      expect(listFiles(output).filter((f) => f.endsWith('.parquet') && !f.includes('health'))).toEqual([]);
      const held = (await inspectJournal(journalDir)).consumers.parquet;
      // The lake writer's cursor stays before them (only the health record journaled first is behind it).
      expect(held?.cursor).toBeLessThanOrEqual(1);

      // NTP synchronises; the next start journals a marker that dates what its predecessors held.
      writeFileSync(ntp, 'yes\n');
      const synced = start();
      await waitForLog(synced, 'clock synchronised at start');
      await journalGrows(20);
      // Killed again, perhaps in the middle of writing the re-dated windows.
      expect(await synced.kill(), synced.stderr).toEqual({ code: null, signal: 'SIGKILL' });

      const last = start();
      await waitForLog(last, READY);
      await journalGrows(40);
      last.signal('SIGTERM');
      expect(await last.exited, last.stderr).toEqual({ code: 0, signal: null });
      for (const p of processes) expect(p.stderr).not.toMatch(/"level":"error"/);

      const after = await inspectJournal(journalDir);
      expect(after.consumers.parquet?.backlog).toBe(0);
      expect(after.consumers.health?.backlog).toBe(0);
      const records = await journaledRecords(journalDir, 'clock-hold-test');
      const undated = records.filter((r) => r.kind === 1 && r.unsynced);
      expect(undated.length).toBeGreaterThanOrEqual(60);
      const reader = await openLakeReader();
      try {
        expect(await duplicateReadings(reader, output)).toEqual([]);
        expect(await duplicateReadings(reader, `${output}-health`)).toEqual([]);
        // Every reading journaled is in the lake once, at the time the policy gives it.
        expect(await stationTimestamps(reader, output, STATION)).toEqual(expectedTimestamps(records, 1));
        expect(await stationTimestamps(reader, `${output}-health`, STATION)).toEqual(
          expectedTimestamps(records, 3),
        );
        // Nothing before the marker was filed under the time the unsynchronised clock said.
        const n = await reader.rows(`SELECT count(*)::INT n FROM ${lakeGlob(output)}`);
        expect(n[0]?.n).toBe(records.filter((r) => r.kind === 1).length);
      } finally {
        reader.close();
      }
    } finally {
      await killAll(processes);
      dir.remove();
    }
  }, 180_000);
});
