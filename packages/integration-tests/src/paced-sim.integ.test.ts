import { join } from 'node:path';
import { inspectJournal } from '@opensensor/buffer';
import { openLakeReader } from '@opensensor/parquet-hive-writer/testing';
import { describe, expect, it } from 'vitest';
import { duplicateReadings, listFiles, stationTimestamps } from './lake.js';
import { CliProcess, killAll, logLines, sleep, tempDir, waitForLog } from './processes.js';

const STATION = '0193a5c1-4e2f-7b3a-8c1d-2f6e9a0b4c80';
const MINUTE = 60_000;

describe('opensensor-sim run --speed', () => {
  it('runs the station on a simulated clock 600 times faster: a reading a simulated minute, on the grid, continued across a kill', async () => {
    const dir = tempDir('paced');
    const processes: CliProcess[] = [];
    try {
      const output = join(dir.path, 'output');
      const state = join(dir.path, 'state');
      const journalDir = join(state, 'sim', STATION, 'journal');
      const env = { OPENSENSOR_STATE_DIR: state, OPENSENSOR_LOG_LEVEL: 'info', OPENSENSOR_LOG_JSON: 'true' };
      const args = ['run', '--station-id', STATION, '--speed', '600', '--read-interval', '60'];
      const p = new CliProcess('sim', [...args, '--output', output], { cwd: dir.path, env });
      processes.push(p);
      await waitForLog(p, 'simulated station started');
      // About ten wall seconds at this speed; waited for by the data, however slow the machine.
      const until = Date.now() + 120_000;
      while ((await inspectJournal(journalDir)).lastSeq < 110 && Date.now() < until) await sleep(200);
      p.signal('SIGTERM');
      expect(await p.exited, p.stderr).toEqual({ code: 0, signal: null });
      expect(p.stderr).not.toMatch(/"level":"error"/);

      const reader = await openLakeReader();
      try {
        expect(await duplicateReadings(reader, output)).toEqual([]);
        const ts = await stationTimestamps(reader, output, STATION);
        expect(ts.length).toBeGreaterThanOrEqual(100);
        // Every reading on the minute grid of simulated time; a gap only where the station said it
        // skipped deadlines (a tick that outlasted a simulated minute on a busy machine).
        expect(ts.every((t) => t % MINUTE === 0)).toBe(true);
        const skipped = logLines(p)
          .filter((l) => l.msg === 'reading took longer than the interval; deadlines skipped')
          .reduce((n, l) => n + Number(l.missed), 0);
        const gaps = ts.slice(1).map((t, i) => t - (ts[i] as number));
        expect(gaps.every((g) => g > 0)).toBe(true);
        expect(gaps.reduce((n, g) => n + g / MINUTE - 1, 0)).toBeLessThanOrEqual(skipped);
        // 100 simulated minutes in 15-minute windows: about seven files, not one per wall second.
        const files = listFiles(output).filter((f) => f.endsWith('.parquet'));
        expect(files.length).toBeLessThanOrEqual(Math.ceil(ts.length / 15) + 2);
        // The health stream is on the same clock.
        const health = await stationTimestamps(reader, `${output}-health`, STATION);
        expect(health.length).toBeGreaterThanOrEqual(5);
        expect(Math.max(...health)).toBeLessThanOrEqual(Math.max(...ts) + MINUTE);

        // Killed and started again, the station continues on the same simulated clock (anchored in its
        // state directory): later readings, still on the grid, none twice.
        const killed = new CliProcess('sim', [...args, '--output', output], { cwd: dir.path, env });
        processes.push(killed);
        await waitForLog(killed, 'simulated station started');
        const from = (await inspectJournal(journalDir)).lastSeq;
        while ((await inspectJournal(journalDir)).lastSeq < from + 20 && Date.now() < until + 60_000)
          await sleep(200);
        expect(await killed.kill()).toEqual({ code: null, signal: 'SIGKILL' });
        const again = new CliProcess('sim', [...args, '--output', output], { cwd: dir.path, env });
        processes.push(again);
        await waitForLog(again, 'simulated station started');
        const resumed = (await inspectJournal(journalDir)).lastSeq;
        while ((await inspectJournal(journalDir)).lastSeq < resumed + 20 && Date.now() < until + 120_000)
          await sleep(200);
        again.signal('SIGTERM');
        expect(await again.exited, again.stderr).toEqual({ code: 0, signal: null });
        expect(await duplicateReadings(reader, output)).toEqual([]);
        const all = await stationTimestamps(reader, output, STATION);
        expect(all.length).toBeGreaterThanOrEqual(ts.length + 30);
        expect(all.slice(0, ts.length)).toEqual(ts);
        expect(all.every((t) => t % MINUTE === 0)).toBe(true);
      } finally {
        reader.close();
      }
    } finally {
      await killAll(processes);
      dir.remove();
    }
  }, 300_000);
});
