import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseLakeFileName } from '@opensensor/parquet-hive-writer';

/** Which stream a bronze file belongs to: readings, or the station's health. */
export type Stream = 'data' | 'health';

/** One finished file of the raw lake, as found on disk. */
export interface BronzeFile {
  /** `<stream>/station=…/year=…/month=…/day=…/<name>`: the key the jobs remember it by. */
  key: string;
  path: string;
  stream: Stream;
  station: string;
  size: number;
  mtimeMs: number;
}

export interface BronzeRoots {
  /** The readings lake (`station=…/…/data_HHMM.parquet`). */
  data: string;
  /** The health lake (`<data>-health`), or null when there is none. */
  health: string | null;
}

async function subdirs(dir: string, prefix: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return [];
    throw err;
  });
  return entries.filter((e) => e.isDirectory() && e.name.startsWith(prefix)).map((e) => e.name);
}

/** One day folder of the raw lake (`<root>/station=…/year=…/month=…/day=…`), as found on disk. */
export interface BronzeFolder {
  /** `<stream>/station=…/year=…/month=…/day=…`: the key the jobs remember it by. */
  key: string;
  path: string;
  stream: Stream;
  station: string;
  mtimeMs: number;
  ino: number;
}

/** Every day folder of both streams, with its own mtime and inode (one stat per folder). Sorted by key. */
export async function listBronzeFolders(roots: BronzeRoots): Promise<BronzeFolder[]> {
  const out: BronzeFolder[] = [];
  const streams: [Stream, string | null][] = [
    ['data', roots.data],
    ['health', roots.health],
  ];
  for (const [stream, root] of streams) {
    if (root === null) continue;
    for (const s of await subdirs(root, 'station=')) {
      const station = s.slice('station='.length);
      for (const y of await subdirs(join(root, s), 'year=')) {
        for (const m of await subdirs(join(root, s, y), 'month=')) {
          const days = await subdirs(join(root, s, y, m), 'day=');
          const stats = await Promise.all(days.map((d) => stat(join(root, s, y, m, d))));
          days.forEach((d, i) => {
            const st = stats[i] as Awaited<ReturnType<typeof stat>>;
            out.push({
              key: `${stream}/${s}/${y}/${m}/${d}`,
              path: join(root, s, y, m, d),
              stream,
              station,
              mtimeMs: Number(st.mtimeMs),
              ino: Number(st.ino),
            });
          });
        }
      }
    }
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * The finished files of one day folder: `(data|health)_HHMM[_seq].parquet` of the folder's stream.
 * Temp files, quarantined files and anything else are not bronze. Sorted by key.
 */
export async function listFolderFiles(folder: BronzeFolder): Promise<BronzeFile[]> {
  const names = (
    await readdir(folder.path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw err;
    })
  )
    .filter((n) => parseLakeFileName(n)?.prefix === folder.stream)
    .sort();
  const stats = await Promise.all(
    names.map((n) =>
      stat(join(folder.path, n)).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null; // removed since the listing
        throw err;
      }),
    ),
  );
  const files: BronzeFile[] = [];
  names.forEach((name, i) => {
    const st = stats[i];
    if (!st) return;
    files.push({
      key: `${folder.key}/${name}`,
      path: join(folder.path, name),
      stream: folder.stream,
      station: folder.station,
      size: Number(st.size),
      mtimeMs: Math.trunc(Number(st.mtimeMs)),
    });
  });
  return files;
}

/**
 * Every finished file of both streams: `station=/year=/month=/day=/(data|health)_HHMM[_seq].parquet`.
 * Temp files, quarantined files and anything else are not bronze. Sorted by key.
 */
export async function scanBronze(roots: BronzeRoots): Promise<BronzeFile[]> {
  const out: BronzeFile[] = [];
  for (const folder of await listBronzeFolders(roots)) out.push(...(await listFolderFiles(folder)));
  return out;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
