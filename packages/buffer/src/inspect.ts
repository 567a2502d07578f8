import { open, readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { silentLogger } from '@opensensor/errors';
import { type LoadedCursor, loadCursors } from './cursor-store.js';
import { errnoCode } from './errors.js';
import { lockHolder } from './fs-util.js';
import { segmentBase } from './segment-files.js';
import { scanToEnd } from './segment-scanner.js';

/** What `inspectJournal` sees in a journal directory, without opening (or locking, or repairing) it. */
export interface JournalInspection {
  dir: string;
  /** False when the directory or its segments do not exist (nothing has been journaled there). */
  exists: boolean;
  /** Pid of the live process that has the journal open, or null (a stale LOCK file does not count). */
  openBy: number | null;
  /** What that process said it is ("opensensor start"), when it did. */
  openByLabel: string | null;
  segments: number;
  bytes: number;
  /** Smallest seq that may still be in the journal, or null when it holds no record. */
  firstSeq: number | null;
  /** Highest valid seq on disk (0 when none). */
  lastSeq: number;
  consumers: Record<string, { cursor: number; backlog: number }>;
  /** Bytes after the last valid record of the newest segment: the next open will cut them off. */
  tornTailBytes: number;
  /** Damaged regions in the newest segment that the next open will skip (after its resume point, if any). */
  corruptRegions: number;
}

/**
 * Reads the state of a journal directory without taking its lock or changing any file, so a status
 * command can run while the agent has the journal open. Scans only the newest segment, from where the
 * next open would (the consumers' resume point).
 */
export async function inspectJournal(dir: string): Promise<JournalInspection> {
  const absolute = isAbsolute(dir) ? dir : resolve(dir);
  const result: JournalInspection = {
    dir: absolute,
    exists: false,
    openBy: null,
    openByLabel: null,
    segments: 0,
    bytes: 0,
    firstSeq: null,
    lastSeq: 0,
    consumers: {},
    tornTailBytes: 0,
    corruptRegions: 0,
  };
  let entries: string[];
  try {
    entries = await readdir(absolute);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return result;
    throw err;
  }
  const holder = lockHolder(absolute);
  result.openBy = holder?.pid ?? null;
  result.openByLabel = holder?.label ?? null;
  const bases = entries
    .map(segmentBase)
    .filter((b): b is number => b !== null)
    .sort((a, b) => a - b);
  result.exists = bases.length > 0;
  result.segments = bases.length;
  for (const entry of entries) {
    if (segmentBase(entry) !== null) result.bytes += (await stat(join(absolute, entry))).size;
  }

  let cursors = new Map<string, LoadedCursor>();
  try {
    cursors = await loadCursors(absolute, silentLogger, false);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }

  const lastBase = bases.at(-1);
  if (lastBase !== undefined) {
    const name = entries.find((e) => segmentBase(e) === lastBase) as string;
    const file = await open(join(absolute, name), 'r');
    try {
      const size = (await file.stat()).size;
      // Where the next open would start: what it would find is what is reported.
      const scan = await scanToEnd(file, size, lastBase, cursors.values(), size);
      let lastSeq = scan.prevSeq;
      for (let item = scan.first; item !== null; item = await scan.scanner.next()) {
        if (item.kind === 'record') lastSeq = item.seq;
        else if (item.kind === 'corrupt') result.corruptRegions += 1;
        else result.tornTailBytes = item.end - item.offset;
      }
      result.lastSeq = lastSeq;
    } finally {
      await file.close();
    }
    const firstBase = bases[0] as number;
    result.firstSeq = result.lastSeq >= firstBase ? firstBase : null;
  }
  for (const [name, { seq: cursor }] of cursors) {
    // A cursor past the last record is moved back at the next open to replay what the journal holds.
    const effective = cursor > result.lastSeq ? 0 : cursor;
    const floor = Math.max(effective, (result.firstSeq ?? result.lastSeq + 1) - 1);
    result.consumers[name] = { cursor, backlog: Math.max(0, result.lastSeq - floor) };
  }
  return result;
}
