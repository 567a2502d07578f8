import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseDecimal } from '@opensensor/config';
import { OpenSensorError } from '@opensensor/errors';
import { PacedClock, type PacedClockAnchor, type PacedClockStep } from '@opensensor/pipeline';

/** A step of the simulated wall clock, `afterMs` of simulated time after the clock first started. */
export interface ClockStepSpec {
  afterMs: number;
  byMs: number;
}

/** Thrown for a `--clock-steps` value that cannot be read; the message names the part. */
export class ClockStepsError extends OpenSensorError {
  override readonly name = 'ClockStepsError';
  constructor(message: string) {
    super('INVALID_CLOCK_STEPS', message);
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function duration(text: string, signed: boolean): number | undefined {
  const m = /^([+-]?)(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m || (m[1] !== '' && !signed)) return undefined;
  const n = parseDecimal(m[2] as string);
  if (n === undefined) return undefined;
  return Math.round((m[1] === '-' ? -n : n) * (UNITS[m[3] as string] as number));
}

/**
 * `36h=+2h,6d=-45m` → steps of the simulated wall clock: 36 simulated hours after the clock first
 * started it jumps two hours ahead, after six days 45 minutes back. Units ms, s, m, h, d.
 */
export function parseClockSteps(spec: string): ClockStepSpec[] {
  const steps: ClockStepSpec[] = [];
  for (const part of spec.split(',')) {
    const [after, by, extra] = part.split('=');
    const afterMs = duration(after ?? '', false);
    const byMs = duration(by ?? '', true);
    if (afterMs === undefined || byMs === undefined || byMs === 0 || extra !== undefined)
      throw new ClockStepsError(
        `--clock-steps: expected after=by pairs such as 36h=+2h,6d=-45m (units ms, s, m, h, d; a step is not 0), received "${part}"`,
      );
    steps.push({ afterMs, byMs });
  }
  return steps.sort((a, b) => a.afterMs - b.afterMs);
}

/** What `sim-clock.json` holds: the anchor, and the simulated instant the clock first started at. */
interface SavedAnchor extends PacedClockAnchor {
  origin: number;
}

async function readAnchor(file: string): Promise<SavedAnchor | null> {
  try {
    const saved = JSON.parse(await readFile(file, 'utf8')) as Partial<SavedAnchor>;
    if (
      typeof saved.speed === 'number' &&
      typeof saved.simEpoch === 'number' &&
      typeof saved.realEpoch === 'number' &&
      saved.speed > 0
    ) {
      const steps = Array.isArray(saved.steps)
        ? saved.steps.filter(
            (s): s is PacedClockStep =>
              typeof s?.at === 'number' && typeof s?.by === 'number' && Number.isFinite(s.at + s.by),
          )
        : [];
      return {
        speed: saved.speed,
        simEpoch: saved.simEpoch,
        realEpoch: saved.realEpoch,
        origin: typeof saved.origin === 'number' ? saved.origin : saved.simEpoch,
        ...(steps.length > 0 ? { steps } : {}),
      };
    }
  } catch {
    // None yet (or unreadable): the simulated clock starts at the real time now.
  }
  return null;
}

/**
 * The paced clock of a station run with `--speed`: anchored in its state directory, so a restarted
 * process (after a kill, say) continues where the simulated clock would be, its downtime passing at the
 * same speed. A new speed re-anchors at the simulated time the old one has reached.
 *
 * `steps` (from `--clock-steps`) replaces the schedule of wall-clock steps, counted from the clock's
 * first start; without it the saved schedule stays, so a restart continues on the same stepped clock.
 */
export async function pacedClockFor(
  file: string,
  speed: number,
  realNow = Date.now(),
  steps?: readonly ClockStepSpec[],
): Promise<PacedClock> {
  const saved = await readAnchor(file);
  let anchor: SavedAnchor = saved ?? {
    speed,
    simEpoch: Math.round(realNow),
    realEpoch: realNow,
    origin: Math.round(realNow),
  };
  let changed = saved === null;
  if (anchor.speed !== speed) {
    const at = new PacedClock(anchor, () => realNow).simulatedAt(realNow);
    anchor = { ...anchor, speed, simEpoch: Math.round(at), realEpoch: realNow };
    changed = true;
  }
  if (steps !== undefined) {
    const origin = anchor.origin;
    const wanted = steps.map((s) => ({ at: origin + s.afterMs, by: s.byMs }));
    if (JSON.stringify(wanted) !== JSON.stringify(anchor.steps ?? [])) {
      const { steps: _old, ...rest } = anchor;
      anchor = wanted.length > 0 ? { ...rest, steps: wanted } : rest;
      changed = true;
    }
  }
  if (changed) {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(`${file}.tmp`, `${JSON.stringify(anchor)}\n`);
    await rename(`${file}.tmp`, file);
  }
  return new PacedClock(anchor);
}
