import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { currentBootId, writeFileAtomic } from '@opensensor/buffer';
import { isoTime } from '@opensensor/errors';
import type { CommandOutcome } from './health.js';

/**
 * Whether readings can be dated. A Raspberry Pi has no real-time clock: until NTP has synchronised
 * the clock after boot, the system time is 1970 or the last shutdown time (fake-hwclock). The
 * policy (docs/clock.md):
 *
 * - `wait-for-sync` (default): readings taken before the clock is synchronised are journaled with
 *   their monotonic time and the boot they belong to; once synchronisation is detected a marker is
 *   journaled and the consumers re-date them exactly (wall = sync wall − (sync mono − reading mono)).
 *   Readings of a boot that ended before any synchronisation cannot be dated: they are dropped,
 *   counted and logged, never filed under a wrong date.
 * - `trust-system-clock`: for stations with a battery-backed RTC: the system time is used as is.
 *
 * "Synchronised" is read from systemd (`timedatectl show -p NTPSynchronized`). Once seen in a boot,
 * it holds for the rest of that boot (persisted, so an agent restart keeps it). Where systemd cannot
 * tell, a clock later than the release floor counts as synchronised.
 */
export type ClockPolicy = 'wait-for-sync' | 'trust-system-clock';

/** No reading of this software can be older than this: earlier clocks are certainly wrong. */
export const CLOCK_FLOOR_MS = Date.UTC(2026, 0, 1);

export interface ClockSyncSources {
  /** `true`/`false` from the OS, or `null` when it cannot tell. */
  ntpSynchronized(): Promise<boolean | null>;
  /** Current boot's id (`/proc/sys/kernel/random/boot_id`), or null. */
  bootId(): Promise<string | null>;
  now(): number;
  /** Monotonic ms since boot (CLOCK_MONOTONIC). */
  monotonic(): number;
}

export interface ClockSyncMonitorOptions {
  policy: ClockPolicy;
  /** File that remembers "this boot has been synchronised" across agent restarts. */
  stateFile: string;
  sources: ClockSyncSources;
  floorMs?: number;
}

export function bootTagOf(bootId: string | null): number {
  if (!bootId) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < bootId.length; i++) h = Math.imul(h ^ bootId.charCodeAt(i), 0x01000193);
  return h >>> 0 || 1;
}

export class ClockSyncMonitor {
  private syncedState = false;
  private tag = 0;
  private bootIdValue: string | null = null;

  constructor(private readonly options: ClockSyncMonitorOptions) {}

  get synced(): boolean {
    return this.syncedState;
  }

  get bootTag(): number {
    return this.tag;
  }

  async init(): Promise<void> {
    this.bootIdValue = await this.options.sources.bootId();
    this.tag = bootTagOf(this.bootIdValue);
    if (this.options.policy === 'trust-system-clock') {
      this.syncedState = true;
      return;
    }
    const remembered = await readFile(this.options.stateFile, 'utf8').then(
      (t) => (JSON.parse(t) as { bootId?: string }).bootId ?? null,
      () => null,
    );
    if ((remembered !== null && remembered === this.bootIdValue) || (await this.poll()))
      await this.markSynced();
  }

  /**
   * Whether the clock is synchronised now (the OS says so and the time is plausible). It does not
   * change `synced`: the caller first journals the marker that re-dates earlier readings, then calls
   * {@link markSynced}, so a failed marker is simply tried again at the next reading.
   */
  async poll(): Promise<boolean> {
    const os = await this.options.sources.ntpSynchronized();
    const plausible = this.options.sources.now() >= (this.options.floorMs ?? CLOCK_FLOOR_MS);
    return os === null ? plausible : os && plausible;
  }

  /** From now on readings are dated; remembered for this boot (best effort: a full disk must not stop readings). */
  async markSynced(): Promise<void> {
    this.syncedState = true;
    if (this.bootIdValue !== null && this.options.policy === 'wait-for-sync') {
      await this.remember(this.bootIdValue).catch(() => {});
    }
  }

  private async remember(bootId: string): Promise<void> {
    const file = this.options.stateFile;
    await mkdir(dirname(file), { recursive: true });
    await writeFileAtomic(file, JSON.stringify({ bootId, syncedAt: isoTime(this.options.sources.now()) }));
  }
}

/**
 * The real sources on Linux; every call degrades to null where the OS cannot tell. `run` may say why a
 * command gave no output ({@link CommandOutcome}): a `timedatectl` that timed out or could not be
 * started on a busy machine has not said that it cannot tell, so the clock counts as not synchronised
 * and is asked about again at the next reading (taking "no answer" for "cannot tell" dated readings with
 * a clock NTP had not set, whenever a slow Pi took more than the timeout to start `timedatectl`).
 */
export function systemClockSources(
  run: (cmd: string, args: string[]) => Promise<string | null | CommandOutcome>,
): ClockSyncSources {
  return {
    async ntpSynchronized() {
      const answer = await run('timedatectl', ['show', '-p', 'NTPSynchronized', '--value']);
      let out: string | null;
      if (answer !== null && typeof answer === 'object') {
        if (!('stdout' in answer))
          return answer.failure === 'timeout' || answer.failure === 'spawn' ? false : null;
        out = answer.stdout;
      } else out = answer;
      if (out === null) return null;
      const v = out.trim();
      return v === 'yes' ? true : v === 'no' ? false : null;
    },
    async bootId() {
      return currentBootId();
    },
    now: () => Date.now(),
    monotonic: () => Number(process.hrtime.bigint() / 1000n) / 1000,
  };
}
