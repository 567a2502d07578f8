import { createReadStream, promises as fs } from 'node:fs';
import type { HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { digestBuffer, digestFile, type FileDigest, sha256OfStream } from './checksum.js';
import { ConflictError, UploadError } from './errors.js';
import type { UploadMethod } from './ledger.js';
import { classifyS3Error, errorNameOf, httpStatusOf } from './retry.js';
import { s3Sdk } from './sdk.js';
import type { ConditionalWriteMode, S3Target } from './target.js';

/** User metadata every object carries, so a later HEAD can compare without downloading. */
export const SHA256_METADATA_KEY = 'opensensor-sha256';
const CONTENT_TYPE = 'application/vnd.apache.parquet';

export interface MultipartSettings {
  /** Files at least this large go through multipart. Default 64 MiB. */
  readonly thresholdBytes: number;
  /** Part size. Default 16 MiB (S3's minimum is 5 MiB). */
  readonly partSizeBytes: number;
  /** Parts in flight per file; memory is about partSize × (queueSize + 1). Default 1. */
  readonly queueSize: number;
}

/** Mutable per-sync state shared by all uploads to one target. */
export interface UploadContext {
  readonly target: S3Target;
  readonly multipart: MultipartSettings;
  /** Starts as the target's mode; drops to head-before-put if the store does not implement If-None-Match. */
  conditional: ConditionalWriteMode;
  onFallback?: (reason: string) => void;
  onBytes?: (key: string, loaded: number, total: number) => void;
}

export interface UploadOutcome {
  readonly method: UploadMethod;
  readonly etag: string | undefined;
  readonly verified: boolean;
  readonly digest: FileDigest;
  /** Bytes sent (0 when the object was already there). */
  readonly bytesSent: number;
}

function isPreconditionFailed(err: unknown): boolean {
  return httpStatusOf(err) === 412 || errorNameOf(err) === 'PreconditionFailed';
}

function isConditionalUnsupported(err: unknown): boolean {
  const status = httpStatusOf(err);
  const name = errorNameOf(err);
  if (status === 501 || name === 'NotImplemented') return true;
  const msg = String((err as { message?: unknown })?.message ?? '');
  return status === 400 && /if-none-match/i.test(msg);
}

async function head(
  ctx: UploadContext,
  key: string,
  signal: AbortSignal,
): Promise<HeadObjectCommandOutput | undefined> {
  const { HeadObjectCommand } = await s3Sdk();
  try {
    return await ctx.target.client.send(
      new HeadObjectCommand({ Bucket: ctx.target.bucket, Key: key, ChecksumMode: 'ENABLED' }),
      { abortSignal: signal },
    );
  } catch (err) {
    const status = httpStatusOf(err);
    if (status === 404 || errorNameOf(err) === 'NotFound' || errorNameOf(err) === 'NoSuchKey')
      return undefined;
    if (status === 403)
      throw new UploadError(
        'CANNOT_VERIFY',
        `HEAD ${key}: access denied (HTTP 403) — cannot compare the existing object with the local file; grant s3:GetObject on the prefix (see docs/s3-sync.md)`,
        { key, status, retryable: false },
      );
    throw classifyS3Error(err, 'HEAD', key, ctx.target.redact);
  }
}

/**
 * Decides whether the object already in the store holds our bytes. Cheapest evidence first: size,
 * then our metadata digest, a full-object SHA-256, a single-part MD5 ETag; only if none is conclusive
 * is the object downloaded and hashed.
 */
async function sameAsExisting(
  ctx: UploadContext,
  key: string,
  digest: FileDigest,
  existing: HeadObjectCommandOutput,
  signal: AbortSignal,
): Promise<{ same: true; etag: string | undefined } | { same: false; detail: string }> {
  const etag = existing.ETag;
  if (typeof existing.ContentLength === 'number' && existing.ContentLength !== digest.size)
    return { same: false, detail: `remote size ${existing.ContentLength} bytes, local ${digest.size}` };
  const meta = existing.Metadata?.[SHA256_METADATA_KEY];
  if (meta) {
    return meta === digest.sha256Hex ? { same: true, etag } : { same: false, detail: 'SHA-256 differs' };
  }
  const remoteSha = existing.ChecksumSHA256;
  if (remoteSha && !remoteSha.includes('-') && existing.ChecksumType !== 'COMPOSITE') {
    return remoteSha === digest.sha256Base64
      ? { same: true, etag }
      : { same: false, detail: 'SHA-256 differs' };
  }
  const bare = etag?.replace(/"/g, '').toLowerCase();
  if (bare && bare === digest.md5Hex) return { same: true, etag };
  const { GetObjectCommand } = await s3Sdk();
  try {
    const got = await ctx.target.client.send(new GetObjectCommand({ Bucket: ctx.target.bucket, Key: key }), {
      abortSignal: signal,
    });
    const body = got.Body as AsyncIterable<Uint8Array> | undefined;
    if (!body) return { same: false, detail: 'the store returned no body' };
    const remote = await sha256OfStream(body);
    return remote.hex === digest.sha256Hex
      ? { same: true, etag }
      : { same: false, detail: `SHA-256 differs (remote ${remote.size} bytes)` };
  } catch (err) {
    if (httpStatusOf(err) === 403)
      throw new UploadError(
        'CANNOT_VERIFY',
        `GET ${key}: access denied (HTTP 403) — cannot compare the existing object; grant s3:GetObject on the prefix`,
        { key, status: 403, retryable: false },
      );
    throw classifyS3Error(err, 'GET', key, ctx.target.redact);
  }
}

async function settleExisting(
  ctx: UploadContext,
  key: string,
  digest: FileDigest,
  existing: HeadObjectCommandOutput,
  signal: AbortSignal,
): Promise<UploadOutcome> {
  const r = await sameAsExisting(ctx, key, digest, existing, signal);
  if (!r.same) throw new ConflictError(key, r.detail);
  return { method: 'existing', etag: r.etag, verified: true, digest, bytesSent: 0 };
}

async function putSmall(
  ctx: UploadContext,
  key: string,
  body: Buffer,
  digest: FileDigest,
  conditional: boolean,
  signal: AbortSignal,
): Promise<{ etag: string | undefined }> {
  const { PutObjectCommand } = await s3Sdk();
  const t = ctx.target;
  const res = await t.client.send(
    new PutObjectCommand({
      Bucket: t.bucket,
      Key: key,
      Body: body,
      ContentLength: body.byteLength,
      ContentType: CONTENT_TYPE,
      Metadata: { [SHA256_METADATA_KEY]: digest.sha256Hex },
      ...(conditional ? { IfNoneMatch: '*' } : {}),
      // Buffered bodies put the checksum in a header, the form every S3-compatible store accepts.
      ...(t.checksum === 'when_supported'
        ? { ChecksumAlgorithm: 'SHA256' as const, ChecksumSHA256: digest.sha256Base64 }
        : { ContentMD5: digest.md5Base64 }),
    }),
    { abortSignal: signal },
  );
  return { etag: res.ETag };
}

async function putMultipart(
  ctx: UploadContext,
  key: string,
  path: string,
  digest: FileDigest,
  conditional: boolean,
  signal: AbortSignal,
): Promise<{ etag: string | undefined }> {
  const { Upload } = await import('@aws-sdk/lib-storage');
  const t = ctx.target;
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024 });
  const upload = new Upload({
    client: t.client,
    partSize: ctx.multipart.partSizeBytes,
    queueSize: ctx.multipart.queueSize,
    leavePartsOnError: false,
    params: {
      Bucket: t.bucket,
      Key: key,
      Body: stream,
      ContentType: CONTENT_TYPE,
      Metadata: { [SHA256_METADATA_KEY]: digest.sha256Hex },
      // lib-storage passes the params on to CompleteMultipartUpload, where S3 honours If-None-Match.
      ...(conditional ? { IfNoneMatch: '*' } : {}),
    },
  });
  const onAbort = () => {
    upload.abort().catch(() => undefined);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  upload.on('httpUploadProgress', (p) => {
    if (typeof p.loaded === 'number') ctx.onBytes?.(key, p.loaded, digest.size);
  });
  try {
    const res = await upload.done();
    return { etag: res.ETag };
  } finally {
    signal.removeEventListener('abort', onAbort);
    stream.destroy();
  }
}

/**
 * One attempt to get a local file into the store under `key` without ever replacing a different
 * object. Throws `ConflictError` (never retried) or an `UploadError` saying whether to retry.
 */
export async function uploadFile(
  ctx: UploadContext,
  path: string,
  key: string,
  signal: AbortSignal,
): Promise<UploadOutcome> {
  const st = await fs.stat(path);
  const small = st.size < ctx.multipart.thresholdBytes;
  // Small files are read once: the bytes hashed are the bytes sent.
  const body = small ? await fs.readFile(path) : undefined;
  const digest = body ? digestBuffer(body) : await digestFile(path);

  if (ctx.conditional === 'head-before-put') {
    const existing = await head(ctx, key, signal);
    if (existing) return settleExisting(ctx, key, digest, existing, signal);
  }
  const conditional = ctx.conditional === 'if-none-match';
  let etag: string | undefined;
  try {
    etag = body
      ? (await putSmall(ctx, key, body, digest, conditional, signal)).etag
      : (await putMultipart(ctx, key, path, digest, conditional, signal)).etag;
  } catch (err) {
    if (conditional && isPreconditionFailed(err)) {
      const existing = await head(ctx, key, signal);
      if (!existing)
        throw new UploadError(
          'SERVER',
          `PUT ${key}: the store reported an existing object that HEAD cannot find; retrying`,
          {
            key,
            retryable: true,
          },
        );
      return settleExisting(ctx, key, digest, existing, signal);
    }
    if (conditional && isConditionalUnsupported(err)) {
      ctx.conditional = 'head-before-put';
      ctx.onFallback?.(
        `the store does not implement If-None-Match (${errorNameOf(err)}, HTTP ${httpStatusOf(err) ?? '?'}); using HEAD before PUT`,
      );
      return uploadFile(ctx, path, key, signal);
    }
    throw classifyS3Error(err, body ? 'PUT' : 'multipart upload', key, ctx.target.redact);
  }
  let verified = true;
  if (!body && ctx.target.checksum === 'when_required') {
    // Parts went without checksums in this mode, so confirm size and digest with a HEAD.
    try {
      const after = await head(ctx, key, signal);
      verified =
        !!after &&
        after.ContentLength === digest.size &&
        after.Metadata?.[SHA256_METADATA_KEY] === digest.sha256Hex;
    } catch {
      verified = false;
    }
  }
  return { method: body ? 'put' : 'multipart', etag, verified, digest, bytesSent: digest.size };
}
