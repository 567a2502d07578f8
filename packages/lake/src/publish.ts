import { mkdir, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { commitTempFile } from '@opensensor/buffer';
import type { Engine } from './engine.js';
import { literal } from './sql.js';

let counter = 0;

/**
 * Writes the result of `select` to `path` as one zstd Parquet file, atomically: DuckDB writes a temp
 * file beside it (a dot name, never matched by `*.parquet` globs), which is fsynced, renamed over
 * the old file and the directory fsynced. A build killed at any moment leaves the old file or the
 * new one, never a partial one. Returns the number of rows, or 0 (and writes nothing) when empty.
 */
export async function publishQuery(engine: Engine, select: string, path: string): Promise<number> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  // A build killed while DuckDB wrote leaves its temp file; the lakehouse lock says no one else writes here.
  const stale = `.${basename(path)}.`;
  for (const name of await readdir(dir))
    if (name.startsWith(stale) && name.endsWith('.tmp')) await rm(join(dir, name), { force: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${counter++}.tmp`);
  try {
    const [res] = await engine.rows(
      `COPY (${select}) TO ${literal(tmp)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)`,
    );
    const rows = Number(res?.Count ?? 0);
    if (rows === 0) {
      await rm(tmp, { force: true });
      return 0;
    }
    await commitTempFile(tmp, path);
    return rows;
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
