import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@opensensor/errors';
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
): Promise<Map<string, number>> {
  const dir = cursorDir(journalDir);
  const cursors = new Map<string, number>();
  for (const entry of await readdir(dir)) {
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
      const parsed = JSON.parse(await readFile(join(dir, entry), 'utf8')) as Partial<StoredCursor>;
      if (typeof parsed.seq !== 'number' || !Number.isSafeInteger(parsed.seq) || parsed.seq < 0) {
        throw new Error(`seq is ${JSON.stringify(parsed.seq)}`);
      }
      cursors.set(name, parsed.seq);
    } catch (err) {
      // Replaying from the start duplicates work that consumers de-duplicate by seq; losing the
      // consumer would let retention delete what it has not read. So fall back to 0.
      logger.error('unreadable consumer cursor; the consumer will replay from the oldest record', {
        consumer: name,
        file: join(dir, entry),
        error: err instanceof Error ? err.message : String(err),
      });
      cursors.set(name, 0);
    }
  }
  return cursors;
}

export async function storeCursor(
  journalDir: string,
  consumer: string,
  seq: number,
  now: number,
): Promise<void> {
  const content: StoredCursor = { consumer, seq, committedAt: new Date(now).toISOString() };
  await writeFileAtomic(join(cursorDir(journalDir), `${consumer}${SUFFIX}`), `${JSON.stringify(content)}\n`);
}

export async function deleteCursor(journalDir: string, consumer: string): Promise<void> {
  await unlinkIfExists(join(cursorDir(journalDir), `${consumer}${SUFFIX}`));
  await fsyncDir(cursorDir(journalDir));
}
