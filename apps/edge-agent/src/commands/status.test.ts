import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../program.js';
import { memoryIo } from '../testing-io.js';

const STATION = '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f';
const hasProc = existsSync('/proc/1/stat') && existsSync('/proc/sys/kernel/random/boot_id');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'os-status-'));
});

function startTimeOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(
    stat
      .slice(stat.lastIndexOf(')') + 1)
      .trim()
      .split(/\s+/)[19],
  );
}

async function status(): Promise<{
  agent: { running: boolean; pid: number | null; holder: string | null };
  lake: { writer: { pid: number; label: string | null } | null };
}> {
  const t = memoryIo({ OPENSENSOR_STATION_ID: STATION }, dir);
  expect(await runCli(['status', '--json'], t.io)).toBe(0);
  return JSON.parse(t.stdout());
}

describe('opensensor status agrees with the journal lock', () => {
  it.skipIf(!hasProc)(
    'a lock and status file left by a killed agent whose pid now belongs to another process: not running, and start takes over',
    async () => {
      // The agent was killed with kill -9; pid 1 (always alive) stands for the process that got its pid.
      const journalDir = join(dir, 'state', 'journal');
      mkdirSync(journalDir, { recursive: true });
      const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      writeFileSync(
        join(journalDir, 'LOCK'),
        JSON.stringify({ pid: 1, bootId: boot, startTime: startTimeOf(1) + 1 }),
      );
      writeFileSync(
        join(dir, 'state', 'status.json'),
        JSON.stringify({
          pid: 1,
          startedAt: '2026-11-26T10:00:00.000Z',
          updatedAt: '2026-11-26T10:05:00.000Z',
          simulate: true,
          station: { station: STATION, board: 'enviroplus', stats: {}, lake: {}, tasks: {} },
        }),
      );
      expect((await status()).agent).toMatchObject({ running: false, pid: null });
      const text = memoryIo({ OPENSENSOR_STATION_ID: STATION }, dir);
      expect(await runCli(['status'], text.io)).toBe(0);
      expect(text.stdout()).toMatch(/Agent\s+not running \(last seen 2026-11-26T10:05:00.000Z\)/);

      const controller = new AbortController();
      const t = memoryIo(
        { OPENSENSOR_STATION_ID: STATION, OPENSENSOR_LOG_LEVEL: 'warn', OPENSENSOR_HEALTH_ENABLED: 'false' },
        dir,
      );
      t.io.deps = { shutdown: () => ({ signal: controller.signal, dispose: () => {} }) };
      controller.abort();
      expect(await runCli(['start', '--simulate'], t.io), t.stderr()).toBe(0);
      expect(t.stderr()).toContain('took over a stale lock');
      expect(t.stderr()).toContain('its pid now belongs to another process');
      expect(t.stderr()).not.toContain('already open');
    },
  );

  it('reports the live holder of the journal and of the lake as running, whatever the status file says', async () => {
    const { Journal } = await import('@opensensor/buffer');
    const { lockStationLakes } = await import('@opensensor/pipeline');
    const journal = await Journal.open({ dir: join(dir, 'state', 'journal'), lockLabel: 'opensensor start' });
    const lakes = await lockStationLakes([join(dir, 'output')], STATION, { label: 'opensensor-sim run' });
    try {
      expect(await status()).toMatchObject({
        agent: { running: true, pid: process.pid, holder: 'opensensor start' },
        lake: { writer: { pid: process.pid, label: 'opensensor-sim run' } },
      });
      const text = memoryIo({ OPENSENSOR_STATION_ID: STATION }, dir);
      expect(await runCli(['status'], text.io)).toBe(0);
      expect(text.stdout()).toMatch(
        new RegExp(`Agent\\s+running, pid ${process.pid} \\(opensensor start\\)`),
      );
    } finally {
      for (const l of lakes) l.release();
      await journal.close();
    }
    expect(await status()).toMatchObject({ agent: { running: false, pid: null }, lake: { writer: null } });
  });
});
