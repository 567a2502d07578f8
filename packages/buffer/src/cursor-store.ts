import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@opensensor/errors';
import { isoTime } from '@opensensor/errors';
import { fsyncDir, unlinkIfExists, writeFileAtomic } from './fs-util.js';
import { isValidConsumerName } from './options.js';

/**
 * One small JSON file per consumer under `<dir>/cursors/`, replaced atomically, so consumers commit
 * independently and a crash mid-commit leaves either the old or the new cursor.
 */
export interface StoredCursor {
  consumer: string;
  seq: number;
  committedAt: string;
  /**
   * Ranges of seqs after the cursor, first and last inclusive, that this consumer has already counted
   * as dropped by the journal's bound (found missing when it came to read them), so that a restart
   * reading them again does not count them twice. Absent when there are none (and in earlier files).
   */
  lost?: LostRange[];
  /** Where the next open may start scanning the newest segment (absent in earlier files). */
  resume?: ResumePoint;
}

export type LostRange = [first: number, last: number];

/**
 * A record boundary at or before the cursor in the newest segment at the time of the commit: record
 * `seq` starts at byte `offset` of segment `segment` (its first seq). The journal's open scans the
 * newest segment to find its end; from a resume point that it finds intact it need not scan the
 * records before it (which this consumer has read; one that lags reads and checks them itself).
 */
export interface ResumePoint {
  segment: number;
  seq: number;
  offset: number;
}

/** A consumer's persisted state: its cursor, the losses to the bound it has counted, its resume point. */
export interface LoadedCursor {
  seq: number;
  lost: LostRange[];
  resume?: ResumePoint;
}

function parseResume(value: unknown): ResumePoint | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { segment, seq, offset } = value as Record<string, unknown>;
  const whole = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
  if (!whole(segment) || !whole(seq) || !whole(offset) || seq < segment) return undefined;
  return { segment, seq, offset };
}

function parseLost(value: unknown, seq: number): LostRange[] {
  if (!Array.isArray(value)) return [];
  const ranges: LostRange[] = [];
  for (const r of value) {
    if (!Array.isArray(r) || r.length !== 2) continue;
    const [a, b] = r as unknown[];
    if (
      Number.isSafeInteger(a) &&
      Number.isSafeInteger(b) &&
      (a as number) <= (b as number) &&
      (b as number) > seq
    )
      ranges.push([a as number, b as number]);
  }
  return ranges.sort((x, y) => x[0] - y[0]);
}

const SUFFIX = '.json';

export function cursorDir(journalDir: string): string {
  return join(journalDir, 'cursors');
}

/** Reads every cursor; `removeTemp` (false for read-only inspection) deletes interrupted commits. */
export async function loadCursors(
  journalDir: string,
  logger: Logger,
  removeTemp = true,
): Promise<Map<string, LoadedCursor>> {
  const dir = cursorDir(journalDir);
  const cursors = new Map<string, LoadedCursor>();
  // Synchronous: a few small files, read once when the journal opens.
  for (const entry of readdirSync(dir)) {
    if (entry.endsWith('.tmp')) {
      if (!removeTemp) continue;
      // A commit that a crash interrupted before its rename: the old cursor file is still valid.
      await unlinkIfExists(join(dir, entry));
      continue;
    }
    if (!entry.endsWith(SUFFIX)) continue;
    const name = entry.slice(0, -SUFFIX.length);
    if (!isValidConsumerName(name)) continue;
    try {
      const parsed = JSON.parse(readFileSync(join(dir, entry), 'utf8')) as Partial<StoredCursor>;
      if (typeof parsed.seq !== 'number' || !Number.isSafeInteger(parsed.seq) || parsed.seq < 0) {
        throw new Error(`seq is ${JSON.stringify(parsed.seq)}`);
      }
      const resume = parseResume(parsed.resume);
      cursors.set(name, {
        seq: parsed.seq,
        lost: parseLost(parsed.lost, parsed.seq),
        ...(resume ? { resume } : {}),
      });
    } catch (err) {
      // Replaying from the start duplicates work that consumers de-duplicate by seq; losing the
      // consumer would let retention delete what it has not read. So fall back to 0.
      logger.error('unreadable consumer cursor; the consumer will replay from the oldest record', {
        consumer: name,
        file: join(dir, entry),
        error: err instanceof Error ? err.message : String(err),
      });
      cursors.set(name, { seq: 0, lost: [] });
    }
  }
  return cursors;
}

export async function storeCursor(
  journalDir: string,
  consumer: string,
  seq: number,
  now: number,
  lost: readonly LostRange[] = [],
  resume?: ResumePoint,
): Promise<void> {
  const above = lost.filter((r) => r[1] > seq);
  const content: StoredCursor = {
    consumer,
    seq,
    committedAt: isoTime(now),
    ...(above.length > 0 ? { lost: above } : {}),
    ...(resume ? { resume } : {}),
  };
  await writeFileAtomic(join(cursorDir(journalDir), `${consumer}${SUFFIX}`), `${JSON.stringify(content)}\n`);
}

export async function deleteCursor(journalDir: string, consumer: string): Promise<void> {
  await unlinkIfExists(join(cursorDir(journalDir), `${consumer}${SUFFIX}`));
  await fsyncDir(cursorDir(journalDir));
}
