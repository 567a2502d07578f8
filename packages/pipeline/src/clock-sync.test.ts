import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

vi.mock('@opensensor/buffer', async (importOriginal) => {
  const real = await importOriginal<typeof import('@opensensor/buffer')>();
  return { ...real, writeFileAtomic: vi.fn(real.writeFileAtomic) };
});

const { writeFileAtomic } = await import('@opensensor/buffer');
const { bootTagOf, CLOCK_FLOOR_MS, ClockSyncMonitor } = await import('./clock-sync.js');
type ClockSyncSources = import('./clock-sync.js').ClockSyncSources;

function sources(state: { ntp: boolean | null; boot: string | null; now: number }): ClockSyncSources {
  return {
    ntpSynchronized: async () => state.ntp,
    bootId: async () => state.boot,
    now: () => state.now,
    monotonic: () => 1,
  };
}

const NOW = Date.UTC(2026, 10, 27, 12);

describe('ClockSyncMonitor', () => {
  it('trust-system-clock counts as synchronised at once', async () => {
    const m = new ClockSyncMonitor({
      policy: 'trust-system-clock',
      stateFile: '/nonexistent/x',
      sources: sources({ ntp: false, boot: 'b', now: 0 }),
    });
    await m.init();
    expect(m.synced).toBe(true);
  });

  it('waits for NTP, reports the moment it synchronises once, and remembers it for the boot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-clock-'));
    const state = { ntp: false as boolean | null, boot: 'boot-1', now: Date.UTC(1970, 0, 1) };
    const stateFile = join(dir, 'clock-sync.json');
    const m = new ClockSyncMonitor({ policy: 'wait-for-sync', stateFile, sources: sources(state) });
    await m.init();
    expect(m.synced).toBe(false);
    expect(m.bootTag).toBe(bootTagOf('boot-1'));
    expect(await m.poll()).toBe(false);
    state.ntp = true;
    state.now = NOW;
    expect(await m.poll()).toBe(true);
    // poll only observes: the station journals its marker first, then marks the clock synchronised.
    expect(m.synced).toBe(false);
    await m.markSynced();
    expect(m.synced).toBe(true);
    // Remembered durably: a power cut must not leave a torn state file.
    expect(writeFileAtomic).toHaveBeenCalledWith(stateFile, expect.stringContaining('"bootId":"boot-1"'));

    // An agent restart in the same boot while NTP is unreachable keeps the synchronised state…
    state.ntp = false;
    const again = new ClockSyncMonitor({ policy: 'wait-for-sync', stateFile, sources: sources(state) });
    await again.init();
    expect(again.synced).toBe(true);
    // …a new boot does not.
    state.boot = 'boot-2';
    const rebooted = new ClockSyncMonitor({ policy: 'wait-for-sync', stateFile, sources: sources(state) });
    await rebooted.init();
    expect(rebooted.synced).toBe(false);
  });

  it('a state directory that cannot be written does not stop the clock from counting as synchronised', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-clock-ro-'));
    writeFileSync(join(dir, 'state'), 'a file where the state directory should be');
    const m = new ClockSyncMonitor({
      policy: 'wait-for-sync',
      stateFile: join(dir, 'state', 'clock-sync.json'),
      sources: sources({ ntp: true, boot: 'b', now: NOW }),
    });
    await m.init();
    expect(m.synced).toBe(true);
  });

  it('without systemd, a clock after the release floor counts as synchronised, one before never does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-clock-floor-'));
    const early = new ClockSyncMonitor({
      policy: 'wait-for-sync',
      stateFile: join(dir, 'a.json'),
      sources: sources({ ntp: null, boot: null, now: CLOCK_FLOOR_MS - 1 }),
    });
    await early.init();
    expect(early.synced).toBe(false);
    const late = new ClockSyncMonitor({
      policy: 'wait-for-sync',
      stateFile: join(dir, 'b.json'),
      sources: sources({ ntp: null, boot: null, now: NOW }),
    });
    await late.init();
    expect(late.synced).toBe(true);
    // Even systemd saying "synchronised" does not make a 1970 clock right.
    const wrong = new ClockSyncMonitor({
      policy: 'wait-for-sync',
      stateFile: join(dir, 'c.json'),
      sources: sources({ ntp: true, boot: 'x', now: 0 }),
    });
    await wrong.init();
    expect(wrong.synced).toBe(false);
  });
});

const { systemClockSources } = await import('./clock-sync.js');
const { runCommandOutcome } = await import('./health.js');

describe('systemClockSources: what timedatectl says', () => {
  type Answer = Awaited<ReturnType<typeof runCommandOutcome>> | string | null;
  const asked = (answer: Answer) => systemClockSources(async () => answer).ntpSynchronized();

  it('a timedatectl that timed out or could not start has not answered: not synchronised, asked again later', async () => {
    expect(await asked({ failure: 'timeout' })).toBe(false);
    expect(await asked({ failure: 'spawn' })).toBe(false);
  });

  it('no timedatectl, or one that fails (no systemd), cannot tell: the clock floor decides', async () => {
    expect(await asked({ failure: 'missing' })).toBeNull();
    expect(await asked({ failure: 'exit' })).toBeNull();
    expect(await asked(null)).toBeNull();
  });

  it('reads its answer, from a plain runner too', async () => {
    expect(await asked({ stdout: 'yes\n' })).toBe(true);
    expect(await asked({ stdout: 'no\n' })).toBe(false);
    expect(await asked('yes\n')).toBe(true);
    expect(await asked({ stdout: 'maybe\n' })).toBeNull();
  });

  it('runCommandOutcome tells a timeout, a failure and a missing command apart', async () => {
    expect(await runCommandOutcome('sh', ['-c', 'echo yes'])).toEqual({ stdout: 'yes\n' });
    expect(await runCommandOutcome('sh', ['-c', 'sleep 5'], 100)).toEqual({ failure: 'timeout' });
    expect(await runCommandOutcome('sh', ['-c', 'exit 1'])).toEqual({ failure: 'exit' });
    expect(await runCommandOutcome('opensensor-no-such-command', [])).toEqual({ failure: 'missing' });
  });
});
