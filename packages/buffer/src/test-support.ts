import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@opensensor/errors';
import type { Journal } from './journal.js';

/** Shared by this package's tests only; not exported from the package. */

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown> | undefined;
}

export function captureLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return {
    entries,
    debug: (message, fields) => entries.push({ level: 'debug', message, fields }),
    info: (message, fields) => entries.push({ level: 'info', message, fields }),
    warn: (message, fields) => entries.push({ level: 'warn', message, fields }),
    error: (message, fields) => entries.push({ level: 'error', message, fields }),
  };
}

export function makeTempDir(prefix = 'journal-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Deterministic payload for a seq, with a length that varies, so a test can check every byte. */
export function payloadFor(seq: number, size = 16 + (seq % 23)): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (seq * 31 + i * 7) & 0xff;
  return bytes;
}

export function samePayload(seq: number, value: Uint8Array, size?: number): boolean {
  const expected = payloadFor(seq, size);
  return Buffer.from(value).equals(Buffer.from(expected));
}

/** mulberry32: a tiny seeded PRNG so random-corruption tests are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function readAll<T>(
  journal: Journal<T>,
  consumer: string,
  fromSeq = 1,
): Promise<Array<{ seq: number; value: T }>> {
  return journal.readBatch(consumer, { fromSeq });
}

/** Damages one byte of a file (flips a bit), as a bad sector or a stray write would. */
export function flipByte(path: string, at: number): void {
  const bytes = readFileSync(path);
  bytes[at] = (bytes[at] as number) ^ 0x40;
  writeFileSync(path, bytes);
}
