/**
 * Checks a crash-and-restart run's readings against the times the station was down: every gap in the
 * timestamps must be explained by a recorded downtime, or a reading was lost while the station ran.
 */

/** One process of a run: when it was ready to read and when it was killed or stopped. */
export interface Lifetime {
  /** When the process said it was about to read (epoch ms); null if it was killed before that. */
  readyAt: number | null;
  /** When the test killed or stopped it (epoch ms). */
  endedAt: number;
  /** Deadlines the station skipped because a reading ran long, as it logged them (explicit, counted). */
  overruns?: readonly Overrun[];
}

export interface Overrun {
  /** When it was logged, just after the reading that ran long. */
  at: number;
  missed: number;
}

export interface Downtime {
  /** The kill (or stop) that began it. */
  from: number;
  /** The next process's ready time. */
  to: number;
}

export interface GapPolicy {
  /** Reading interval of the station. */
  intervalMs: number;
  /** A step between readings up to this long is not a gap. Default 2 intervals. */
  maxStepMs?: number;
  /** How long before a kill readings may be missing (in flight, or not yet durable). */
  lossSlackMs: number;
  /** How long after a process said it was ready its first reading may come. */
  resumeSlackMs: number;
}

export interface Gap {
  after: number;
  before: number;
  /** Why it is not explained by a downtime. */
  reason: string;
}

/** The times no process was up: from each end of a ready process to the next ready one. */
export function downtimes(lifetimes: readonly Lifetime[]): Downtime[] {
  const up = lifetimes.filter((l) => l.readyAt !== null) as { readyAt: number; endedAt: number }[];
  const out: Downtime[] = [];
  for (let i = 1; i < up.length; i++) {
    out.push({
      from: (up[i - 1] as (typeof up)[number]).endedAt,
      to: (up[i] as (typeof up)[number]).readyAt,
    });
  }
  return out;
}

/**
 * Gaps between consecutive readings (sorted epoch ms) that no downtime explains. A gap is explained
 * when it starts no earlier than `lossSlackMs` before a downtime begins and ends no later than
 * `resumeSlackMs` after it ends; readings before the first ready or after the last end are
 * reported too.
 */
export function unexplainedGaps(
  timestamps: readonly number[],
  lifetimes: readonly Lifetime[],
  policy: GapPolicy,
): Gap[] {
  const maxStep = policy.maxStepMs ?? 2 * policy.intervalMs;
  const down = downtimes(lifetimes);
  const overruns = lifetimes.flatMap((l) => l.overruns ?? []);
  const gaps: Gap[] = [];
  const ready = lifetimes.map((l) => l.readyAt).filter((t): t is number => t !== null);
  const first = Math.min(...ready);
  const last = Math.max(...lifetimes.map((l) => l.endedAt));
  for (const t of timestamps) {
    if (t < first - policy.resumeSlackMs || t > last + policy.resumeSlackMs) {
      gaps.push({ after: t, before: t, reason: 'reading outside every lifetime of the station' });
      break;
    }
  }
  for (let i = 1; i < timestamps.length; i++) {
    const a = timestamps[i - 1] as number;
    const b = timestamps[i] as number;
    if (b - a <= maxStep) continue;
    const d = down.find((w) => a < w.to && b > w.from);
    // A stall just before a kill: its skipped deadlines would have been logged after the tick the
    // kill cut short, so the loss window before a kill covers them.
    const cutShort = down.some((w) => b <= w.from && a >= w.from - policy.lossSlackMs);
    if (!d && cutShort) continue;
    if (!d) {
      // While running, only deadlines the station said it skipped may be missing: m skipped
      // deadlines leave a step of (m + 1) intervals, plus less than one of wake-up lateness.
      const missed = overruns
        .filter((o) => o.at >= a && o.at <= b + policy.intervalMs)
        .reduce((n, o) => n + o.missed, 0);
      if (missed === 0 || b - a >= (missed + 2) * policy.intervalMs)
        gaps.push({
          after: a,
          before: b,
          reason: `no downtime overlaps it and ${missed} skipped deadline(s) were logged: readings lost while running`,
        });
    } else if (a < d.from - policy.lossSlackMs)
      gaps.push({
        after: a,
        before: b,
        reason: `starts ${d.from - a} ms before the kill (more than ${policy.lossSlackMs} ms of readings lost)`,
      });
    else if (b > d.to + policy.resumeSlackMs)
      gaps.push({
        after: a,
        before: b,
        reason: `ends ${b - d.to} ms after the restart was ready (more than ${policy.resumeSlackMs} ms)`,
      });
  }
  return gaps;
}
