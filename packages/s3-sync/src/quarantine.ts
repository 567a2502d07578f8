import { constants, type Dirent, promises as fs } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { fsyncDir } from '@opensensor/buffer';
import { S3SyncOptionsError } from './errors.js';

/**
 * Where the broken files of a lake root go: `<root>-quarantine`, next to the lake and outside it, so
 * a DuckDB glob over the lake (`read_parquet('output/**\/*.parquet')`) never sees them.
 */
export function defaultQuarantineDir(root: string): string {
  return `${resolve(root)}-quarantine`;
}

/** Refuses a quarantine folder inside the lake (globs over the lake would still read the files). */
export function assertQuarantineOutsideLake(root: string, quarantineDir: string): void {
  const rel = relative(resolve(root), resolve(quarantineDir));
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel)))
    throw new S3SyncOptionsError(
      'quarantineDir',
      `${quarantineDir} is inside the lake ${root}; put it next to the lake, e.g. ${defaultQuarantineDir(root)}`,
    );
}

/** `data_0915.parquet`, then `data_0915.2.parquet`, `data_0915.3.parquet`, … */
function candidate(path: string, n: number): string {
  if (n === 1) return path;
  const ext = extname(path);
  return join(dirname(path), `${basename(path, ext)}.${n}${ext}`);
}

/** Errors of `link` that mean "this filesystem has no hard links here", not "the move is impossible". */
const NO_LINK = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

/**
 * Moves `source` to `target` without ever replacing a file already there: an earlier quarantined
 * file of the same name keeps its place and this one gets the next free `.<n>` name. A hard link
 * (or, across filesystems and on FAT, an exclusive copy) is made first, then the source is removed.
 * Returns the path the file now has.
 */
export async function moveWithoutOverwrite(source: string, target: string): Promise<string> {
  await fs.mkdir(dirname(target), { recursive: true });
  for (let n = 1; n <= 1000; n++) {
    const dest = candidate(target, n);
    try {
      await fs.link(source, dest);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (code === 'EEXIST') continue;
      if (!NO_LINK.has(code)) throw err;
      try {
        await fs.copyFile(source, dest, constants.COPYFILE_EXCL);
      } catch (copyErr) {
        if ((copyErr as NodeJS.ErrnoException).code === 'EEXIST') continue;
        await fs.rm(dest, { force: true }).catch(() => undefined);
        throw copyErr;
      }
      const h = await fs.open(dest, 'r');
      try {
        await h.sync();
      } finally {
        await h.close();
      }
    }
    await fsyncDir(dirname(dest));
    try {
      await fs.unlink(source);
    } catch (err) {
      // Leave the lake as it was rather than holding the file twice.
      await fs.unlink(dest).catch(() => undefined);
      throw err;
    }
    await fsyncDir(dirname(source));
    return dest;
  }
  throw Object.assign(new Error(`${target}: 1000 quarantined files of this name already exist`), {
    code: 'EEXIST',
  });
}

/** Files in a quarantine folder (recursively) and their bytes; an absent folder holds none. */
export async function inspectQuarantine(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  const walk = async (d: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        files++;
        bytes += await fs.stat(p).then(
          (s) => s.size,
          () => 0,
        );
      }
    }
  };
  await walk(dir);
  return { files, bytes };
}
