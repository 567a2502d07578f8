import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { commitTempFile } from '@opensensor/buffer';
import { realSleep, type Sleep } from '@opensensor/errors';
import { S3SyncError } from './errors.js';
import { normalizeKeyPrefix } from './lake-files.js';
import {
  backoffDelay,
  classifyS3Error,
  errorNameOf,
  httpStatusOf,
  type RetryPolicy,
  validateRetryPolicy,
} from './retry.js';
import { s3Sdk } from './sdk.js';
import type { S3Target } from './target.js';
import { SHA256_METADATA_KEY } from './upload.js';

/** One object of a listing. */
export interface ListedObject {
  /** The full key, prefix included. */
  readonly key: string;
  readonly size: number;
  /** As the store sends it, quotes included (`"d41d8cd9…"`); undefined when the store sends none. */
  readonly etag: string | undefined;
  /** ISO 8601, when the store sends it. */
  readonly lastModified: string | undefined;
}

/** What reading from a bucket shares: retries, cancellation, and injectable waiting for tests. */
export interface ReadOptions {
  readonly signal?: AbortSignal;
  /** Default `{ maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 20000 }`, per request. */
  readonly retry?: Partial<RetryPolicy>;
  readonly sleep?: Sleep;
  readonly random?: () => number;
}

export interface ListObjectsOptions extends ReadOptions {
  /**
   * The "folder" to list: normalised like a target prefix, and only keys under `<prefix>/` are
   * listed, so `sensors` never lists `sensors-health/…`. Default `target.prefix`; `''` lists the bucket.
   */
  readonly prefix?: string;
  /** Keys per request (ListObjectsV2 `MaxKeys`); default 1000, the most S3 returns. */
  readonly pageSize?: number;
}

export interface DownloadedObject {
  readonly key: string;
  readonly path: string;
  /** Bytes written. */
  readonly size: number;
  /** The ETag of the bytes received (from the GET), quotes included. */
  readonly etag: string | undefined;
  /** SHA-256 of the bytes written, hex. */
  readonly sha256: string;
  /**
   * True when the object carried `x-amz-meta-opensensor-sha256` (every object `syncLake` uploads does)
   * and the bytes matched it. A mismatch is an error, never a file.
   */
  readonly verified: boolean;
}

/** The upload-oriented hints of `classifyS3Error` would send a reader to the wrong permissions. */
function readError(err: unknown, op: 'LIST' | 'GET', what: string, target: S3Target): S3SyncError {
  const status = httpStatusOf(err);
  if (op === 'GET' && (status === 404 || errorNameOf(err) === 'NoSuchKey'))
    return new S3SyncError(
      'NOT_FOUND',
      `GET ${what}: no such object (HTTP 404): it was deleted after it was listed`,
      {
        key: what,
        status: 404,
      },
    );
  const e = classifyS3Error(err, op, what, target.redact);
  if (e.code !== 'ACCESS_DENIED') return e;
  return new S3SyncError(
    'ACCESS_DENIED',
    `${op} ${what}: access denied${status === undefined ? '' : ` (HTTP ${status})`} — reading a lake needs s3:ListBucket on the bucket (for the prefix) and s3:GetObject on its keys`,
    { ...(status === undefined ? {} : { status }), ...(op === 'GET' ? { key: what } : {}) },
  );
}

async function withRetries<T>(options: ReadOptions, attempt: () => Promise<T>): Promise<T> {
  const policy = validateRetryPolicy(options.retry);
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      const retryable = err instanceof S3SyncError && err.retryable && err.code !== 'ABORTED';
      if (!retryable || n >= policy.maxAttempts || options.signal?.aborted) throw err;
      await sleep(backoffDelay(n, policy, random), options.signal);
    }
  }
}

/**
 * Lists the objects under a prefix with ListObjectsV2, following continuation tokens, one page at a
 * time (memory stays bounded by a page however large the bucket). Each page request is retried on
 * network errors, throttling and 5xx. Keys come in the store's order (ascending UTF-8 on S3).
 */
export async function* listObjects(
  target: S3Target,
  options: ListObjectsOptions = {},
): AsyncGenerator<ListedObject, void, undefined> {
  const folder = normalizeKeyPrefix(options.prefix ?? target.prefix);
  const prefix = folder === '' ? '' : `${folder}/`;
  const pageSize = options.pageSize ?? 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)
    throw new S3SyncError('INVALID_OPTIONS', `pageSize: must be an integer from 1 to 1000, got ${pageSize}`);
  const { ListObjectsV2Command } = await s3Sdk();
  let token: string | undefined;
  do {
    const page = await withRetries(options, async () => {
      try {
        return await target.client.send(
          new ListObjectsV2Command({
            Bucket: target.bucket,
            Prefix: prefix,
            MaxKeys: pageSize,
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
          options.signal ? { abortSignal: options.signal } : {},
        );
      } catch (err) {
        throw readError(err, 'LIST', `${target.id}/${prefix}`, target);
      }
    });
    for (const o of page.Contents ?? []) {
      if (typeof o.Key !== 'string' || !o.Key.startsWith(prefix)) continue;
      yield {
        key: o.Key,
        size: Number(o.Size ?? 0),
        etag: o.ETag,
        lastModified: o.LastModified instanceof Date ? o.LastModified.toISOString() : undefined,
      };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}

/**
 * Downloads one object to `path` so that `path` holds either nothing (or what it held before) or the
 * whole object, never a part: the bytes go to a hidden temp file in the same directory
 * (`.<name>.<random>.tmp`, which lake readers and the uploader ignore), which is fsynced, checked
 * (length, and the SHA-256 the uploader stored in the object's metadata) and renamed over `path`;
 * then the directory is fsynced. Parent directories are created. Retried like `listObjects`; a key
 * that no longer exists fails with code `NOT_FOUND`.
 */
export async function downloadObject(
  target: S3Target,
  key: string,
  path: string,
  options: ReadOptions = {},
): Promise<DownloadedObject> {
  const { GetObjectCommand } = await s3Sdk();
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  return withRetries(options, async () => {
    const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    let renamed = false;
    try {
      let got: GetObjectCommandOutput;
      try {
        got = await target.client.send(
          new GetObjectCommand({ Bucket: target.bucket, Key: key }),
          options.signal ? { abortSignal: options.signal } : {},
        );
      } catch (err) {
        throw readError(err, 'GET', key, target);
      }
      const hash = createHash('sha256');
      let size = 0;
      const file = await open(tmp, 'wx');
      try {
        try {
          for await (const chunk of (got.Body ?? []) as AsyncIterable<Uint8Array>) {
            hash.update(chunk);
            size += chunk.byteLength;
            await file.write(chunk);
          }
        } catch (err) {
          throw readError(err, 'GET', key, target);
        }
      } finally {
        await file.close();
      }
      if (typeof got.ContentLength === 'number' && got.ContentLength !== size)
        throw new S3SyncError(
          'NETWORK',
          `GET ${key}: received ${size} of ${got.ContentLength} bytes (the connection ended early); retrying`,
          { key, retryable: true },
        );
      const sha256 = hash.digest('hex');
      const expected = got.Metadata?.[SHA256_METADATA_KEY];
      if (expected !== undefined && expected.toLowerCase() !== sha256)
        throw new S3SyncError(
          'DOWNLOAD_MISMATCH',
          `GET ${key}: the bytes received do not match the SHA-256 stored with the object (${SHA256_METADATA_KEY}); retrying`,
          { key, retryable: true },
        );
      // fsync, rename over `path`, fsync the directory.
      await commitTempFile(tmp, path);
      renamed = true;
      return { key, path, size, etag: got.ETag, sha256, verified: expected !== undefined };
    } finally {
      if (!renamed) await unlink(tmp).catch(() => undefined);
    }
  });
}
