import { mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describeLockHolder, tryAcquireProcessLock, writeFileAtomic } from '@opensensor/buffer';
import { parseLakeFileName } from '@opensensor/parquet-hive-writer';
import type { Stream } from './bronze.js';
import { LakehouseLockedError } from './build.js';

/** One object of a bucket listing. */
export interface BronzeObject {
  /** The full key, prefix included. */
  key: string;
  size: number;
  /** Identifies the object's bytes; compared as given (quotes ignored). */
  etag?: string | undefined;
  /** ISO 8601; used to notice a change only when the store sends no ETag. */
  lastModified?: string | undefined;
}

/**
 * Where bronze objects come from: anything that can list keys under a prefix and download one key to
 * a file. `@opensensor/s3-sync`'s `listObjects` and `downloadObject` fit (see the README); this package
 * never loads an S3 client itself.
 */
export interface BronzeObjectStore {
  /** Every object whose key starts with `prefix` (which ends with `/`, or is empty for the bucket root). */
  list(prefix: string): AsyncIterable<BronzeObject> | Promise<Iterable<BronzeObject>>;
  /**
   * Writes the object to `path` atomically (a partial download must never appear at `path`) and says
   * what was written. When the key no longer exists, reject with an error whose `code` is `NOT_FOUND`.
   */
  download(key: string, path: string): Promise<{ size: number; etag?: string | undefined }>;
}

/** A bronze stream in a bucket: the store and the key prefix of its `station=…` folders. */
export interface BronzeSource {
  store: BronzeObjectStore;
  /** The key prefix, without a trailing slash (`fleet/sensors`); `''` for the bucket root. */
  prefix: string;
}

export interface MirrorProgress {
  /** `list` as pages come (every 1 000 objects and at the end of a stream), `listed` once at the end of listing, `download` after each download. */
  phase: 'list' | 'listed' | 'download';
  stream: Stream;
  /** Objects listed so far (both streams). */
  listed: number;
  /** Objects that are new or changed, to be downloaded (known once listing is over). */
  toDownload: number;
  downloaded: number;
  bytes: number;
}

export interface MirrorBronzeOptions {
  /** The readings lake in the bucket. */
  data: BronzeSource;
  /** The health lake in the bucket, or null/absent for none. */
  health?: BronzeSource | null;
  /**
   * The local cache: `<cacheDir>/data/station=…`, `<cacheDir>/health/station=…` and its index. Keep
   * one per lakehouse (`bronzeCacheDir(lakehouse)`): the build's memory of consumed files relies on
   * the cache keeping unchanged files untouched.
   */
  cacheDir: string;
  /** Downloads at once; default 8. */
  concurrency?: number;
  /** List and compare only: count what would be downloaded (`pending`), write nothing. */
  dryRun?: boolean;
  /** Stops starting downloads; those in flight finish (or fail) first, and what is done is remembered. */
  signal?: AbortSignal;
  onProgress?: (progress: MirrorProgress) => void;
}

export interface MirrorSummary {
  /** The local readings lake to build from: `<cacheDir>/data`. */
  data: string;
  /** The local health lake, `<cacheDir>/health`, or null when no health source was given. */
  health: string | null;
  /** Objects listed under the prefixes: `downloaded + cached + vanished + ignored (+ pending)`. */
  listed: number;
  /** New or changed objects downloaded into the cache. */
  downloaded: number;
  /** Bytes downloaded. */
  bytes: number;
  /** Lake objects already in the cache, unchanged (same size and ETag): not downloaded. */
  cached: number;
  /** Objects under the prefixes that are not finished lake files of their stream (left alone). */
  ignored: number;
  /** Objects deleted between the listing and their download. */
  vanished: number;
  /** Cached files whose objects are no longer in the bucket (bronze retention): kept, never deleted. */
  kept: number;
  /** Dry run only: objects a mirror would download. */
  pending: number;
  seconds: number;
}

interface IndexEntry {
  size: number;
  etag?: string;
  lastModified?: string;
}

/** What the cache holds, by `<stream>/<path under the prefix>`: the object each file was downloaded from. */
interface MirrorIndex {
  version: 1;
  objects: Record<string, IndexEntry>;
}

/** The bronze cache of a lakehouse: `<lakehouse>/_bronze-cache` (not part of the lakehouse contract). */
export function bronzeCacheDir(lakehouse: string): string {
  return join(lakehouse, '_bronze-cache');
}

const YEAR = /^year=\d{4}$/;
const MONTH = /^month=(0[1-9]|1[0-2])$/;
const DAY = /^day=(0[1-9]|[12]\d|3[01])$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we refuse
const UNSAFE = /[\\/\u0000-\u001f\u007f]/;

/** Whether a path under the prefix names a finished file of the stream (the grammar of a local lake). */
export function isBronzeObjectPath(relative: string, stream: Stream): boolean {
  const parts = relative.split('/');
  if (parts.length !== 5) return false;
  const [s, y, m, d, name] = parts as [string, string, string, string, string];
  const id = s.startsWith('station=') ? s.slice('station='.length) : '';
  return (
    id.length > 0 &&
    id !== '.' &&
    id !== '..' &&
    !UNSAFE.test(id) &&
    YEAR.test(y) &&
    MONTH.test(m) &&
    DAY.test(d) &&
    parseLakeFileName(name)?.prefix === stream
  );
}

const bareEtag = (etag: string | undefined) => etag?.replace(/"/g, '');

function unchanged(entry: IndexEntry | undefined, o: BronzeObject): boolean {
  if (!entry || entry.size !== o.size) return false;
  const etag = bareEtag(o.etag);
  if (etag && entry.etag) return etag === entry.etag;
  if (o.lastModified && entry.lastModified) return o.lastModified === entry.lastModified;
  return true;
}

async function loadIndex(path: string): Promise<MirrorIndex> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as MirrorIndex;
    if (parsed.version === 1 && typeof parsed.objects === 'object' && parsed.objects !== null) return parsed;
  } catch {
    // Missing or damaged: the cache is only a cache. Files it cannot vouch for are downloaded again
    // (atomically, the same bytes), which costs transfer, never data.
  }
  return { version: 1, objects: {} };
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return -1;
  }
}

/** Removes hidden temp files of `path` left by a download that was killed (`.<name>.<anything>.tmp`). */
async function removeStaleTemps(path: string): Promise<void> {
  const start = `.${basename(path)}.`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const n of names)
    if (n.startsWith(start) && n.endsWith('.tmp'))
      await unlink(join(dirname(path), n)).catch(() => undefined);
}

const folderOf = (prefix: string) => {
  const p = prefix.replace(/^\/+|\/+$/g, '');
  return p === '' ? '' : `${p}/`;
};

/**
 * Brings the bronze objects of a bucket into a local cache that `buildLakehouse` reads like any local
 * lake, downloading only objects that are new or changed (by size and ETag, remembered in
 * `<cacheDir>/index.json`). Unchanged files are not touched, so their mtime stays and the build sees
 * nothing new; cached files are never deleted when their objects disappear (stations' retention
 * deletes bronze, silver keeps it). Downloads are atomic and the index is saved atomically as it
 * goes, so an interrupted mirror loses at most the memory of a few downloads, which the next one
 * downloads again. One mirror at a time per cache.
 */
export async function mirrorBronze(options: MirrorBronzeOptions): Promise<MirrorSummary> {
  const began = process.hrtime.bigint();
  const { cacheDir } = options;
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  const sources: [Stream, BronzeSource][] = [['data', options.data]];
  if (options.health) sources.push(['health', options.health]);
  const summary: MirrorSummary = {
    data: join(cacheDir, 'data'),
    health: options.health ? join(cacheDir, 'health') : null,
    listed: 0,
    downloaded: 0,
    bytes: 0,
    cached: 0,
    ignored: 0,
    vanished: 0,
    kept: 0,
    pending: 0,
    seconds: 0,
  };
  const indexPath = join(cacheDir, 'index.json');
  let release: () => void = () => undefined;
  if (!options.dryRun) {
    await mkdir(cacheDir, { recursive: true });
    const attempt = tryAcquireProcessLock(join(cacheDir, '.lock'), { label: 'opensensor lake mirror' });
    if (!attempt.acquired)
      throw new LakehouseLockedError(
        `The bronze cache ${cacheDir} is being filled by ${describeLockHolder(attempt.holder)}: wait for it to finish.`,
      );
    release = () => attempt.lock.release();
  }
  try {
    const index = await loadIndex(indexPath);
    const queue: {
      stream: Stream;
      store: BronzeObjectStore;
      ik: string;
      object: BronzeObject;
      path: string;
    }[] = [];
    const progress = (phase: MirrorProgress['phase'], stream: Stream) =>
      options.onProgress?.({
        phase,
        stream,
        listed: summary.listed,
        toDownload: queue.length,
        downloaded: summary.downloaded,
        bytes: summary.bytes,
      });

    // 1. List, and compare with the index and the files on disk.
    for (const [stream, source] of sources) {
      const folder = folderOf(source.prefix);
      let indexed = 0;
      for (const k of Object.keys(index.objects)) if (k.startsWith(`${stream}/`)) indexed++;
      let matched = 0;
      const listing = source.store.list(folder);
      for await (const o of 'then' in listing ? await listing : listing) {
        summary.listed++;
        if (summary.listed % 1000 === 0) progress('list', stream);
        const rel = o.key.startsWith(folder) ? o.key.slice(folder.length) : '';
        if (!isBronzeObjectPath(rel, stream)) {
          summary.ignored++;
          continue;
        }
        const ik = `${stream}/${rel}`;
        const entry = index.objects[ik];
        if (entry) matched++;
        const path = join(cacheDir, stream, ...rel.split('/'));
        if (unchanged(entry, o) && (await sizeOf(path)) === o.size) summary.cached++;
        else queue.push({ stream, store: source.store, ik, object: o, path });
      }
      summary.kept += indexed - matched;
      progress('list', stream);
    }
    progress('listed', sources[sources.length - 1]?.[0] ?? 'data');
    if (options.dryRun) {
      summary.pending = queue.length;
      return summary;
    }

    // 2. Download what is new or changed, a few at a time; remember each one.
    let unsaved = 0;
    let savedAt = Date.now();
    let saving: Promise<void> = Promise.resolve();
    const save = () => {
      unsaved = 0;
      savedAt = Date.now();
      const text = JSON.stringify(index);
      saving = saving.then(() => writeFileAtomic(indexPath, text));
      return saving;
    };
    let next = 0;
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      while (!failure && !options.signal?.aborted) {
        const item = queue[next++];
        if (!item) return;
        try {
          await removeStaleTemps(item.path);
          const got = await item.store.download(item.object.key, item.path);
          const etag = bareEtag(got.etag ?? item.object.etag);
          index.objects[item.ik] = {
            size: got.size,
            ...(etag ? { etag } : {}),
            ...(item.object.lastModified ? { lastModified: item.object.lastModified } : {}),
          };
          summary.downloaded++;
          summary.bytes += got.size;
          progress('download', item.stream);
          // Often enough that a killed mirror re-downloads little; rarely enough for a large index.
          unsaved++;
          if (Date.now() - savedAt >= 5000) await save();
        } catch (error) {
          if ((error as { code?: unknown } | null)?.code === 'NOT_FOUND') {
            summary.vanished++;
            continue;
          }
          failure ??= { error };
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
    } finally {
      if (unsaved > 0) await save();
      await saving;
    }
    if (failure) throw failure.error;
    options.signal?.throwIfAborted();
    return summary;
  } finally {
    release();
    summary.seconds = Number(process.hrtime.bigint() - began) / 1e9;
  }
}
