import type { S3Client } from '@aws-sdk/client-s3';
import { S3SyncOptionsError } from './errors.js';
import { normalizeKeyPrefix } from './lake-files.js';
import { type Redactor, redactorFor } from './retry.js';
import { s3Sdk } from './sdk.js';

/** S3-compatible providers with built-in defaults (the reference collector's list, minus Azure). */
export type StorageProvider = 's3' | 'r2' | 'gcs' | 'minio' | 'wasabi' | 'backblaze' | 'hetzner';

export const STORAGE_PROVIDERS: readonly StorageProvider[] = [
  's3',
  'r2',
  'gcs',
  'minio',
  'wasabi',
  'backblaze',
  'hetzner',
];

/**
 * Which integrity checksum travels with each upload.
 * - `when_supported`: the SDK's default behaviour; single PUTs carry `x-amz-checksum-sha256` of the
 *   file, multipart parts the SDK's CRC32. The store verifies and stores them.
 * - `when_required`: the SDK adds no flexible checksums (for stores that reject `x-amz-checksum-*`:
 *   older R2, B2, MinIO, Ceph); single PUTs carry `Content-MD5`, which every S3-compatible store verifies.
 */
export type ChecksumMode = 'when_supported' | 'when_required';

/**
 * How an existing object is protected from being overwritten.
 * - `if-none-match`: `If-None-Match: *` on the PUT (and on CompleteMultipartUpload); the store refuses
 *   with 412 when the key exists. If the store answers 501/NotImplemented, the sync switches to
 *   `head-before-put` by itself.
 * - `head-before-put`: a HEAD before each PUT, for stores that ignore the header. There is a small race
 *   window if two writers upload the same key at once, which a single station never does.
 */
export type ConditionalWriteMode = 'if-none-match' | 'head-before-put';

/** Static keys. Without them the AWS default credential chain applies (env, shared files, instance role). */
export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface S3TargetOptions {
  /** Default `s3`. */
  readonly provider?: StorageProvider;
  readonly bucket: string;
  /** Key prefix, e.g. `lake/v1`; default empty (the bucket root). */
  readonly prefix?: string;
  /** Default per provider: s3 us-west-2, wasabi us-east-1, backblaze us-west-004, hetzner fsn1, others auto/us-east-1. */
  readonly region?: string;
  /** Required for r2 and minio; derived from the region for wasabi, backblaze and hetzner; gcs defaults to https://storage.googleapis.com. */
  readonly endpoint?: string;
  readonly credentials?: S3Credentials;
  /** Default: false for s3, true for every other provider. */
  readonly forcePathStyle?: boolean;
  /** Default `when_supported`, except gcs (`when_required`). */
  readonly checksum?: ChecksumMode;
  /** Default `if-none-match` for s3, r2 and minio; `head-before-put` for the others. */
  readonly conditionalWrites?: ConditionalWriteMode;
  /** Socket connect timeout. Default 10 s. */
  readonly connectTimeoutMs?: number;
  /** Per-request inactivity timeout. Default 60 s. */
  readonly requestTimeoutMs?: number;
}

/** Where uploads go: a client, a bucket and the policies that apply to them. */
export interface S3Target {
  /** Identifies store + bucket in the ledger, e.g. `s3://my-bucket` or `https://host:9000/my-bucket`. */
  readonly id: string;
  readonly client: S3Client;
  readonly bucket: string;
  /** Normalised key prefix (no leading or trailing slash). */
  readonly prefix: string;
  readonly checksum: ChecksumMode;
  readonly conditionalWrites: ConditionalWriteMode;
  readonly endpoint: string | undefined;
  /** True when requests (and the signatures of the credentials) travel over plain http. Warn the user. */
  readonly plainHttp: boolean;
  /** Removes the target's secrets from a text; every message this package builds goes through it. */
  readonly redact: Redactor;
  /** Closes the client's sockets (only for clients this package built). */
  destroy(): void;
}

interface ProviderDefaults {
  region: string;
  endpoint?: (region: string) => string;
  needsEndpoint: boolean;
  pathStyle: boolean;
  checksum: ChecksumMode;
  conditional: ConditionalWriteMode;
}

const PROVIDERS: Record<StorageProvider, ProviderDefaults> = {
  s3: {
    region: 'us-west-2',
    needsEndpoint: false,
    pathStyle: false,
    checksum: 'when_supported',
    conditional: 'if-none-match',
  },
  r2: {
    region: 'auto',
    needsEndpoint: true,
    pathStyle: true,
    checksum: 'when_supported',
    conditional: 'if-none-match',
  },
  minio: {
    region: 'us-east-1',
    needsEndpoint: true,
    pathStyle: true,
    checksum: 'when_supported',
    conditional: 'if-none-match',
  },
  gcs: {
    region: 'auto',
    endpoint: () => 'https://storage.googleapis.com',
    needsEndpoint: false,
    pathStyle: true,
    checksum: 'when_required',
    conditional: 'head-before-put',
  },
  wasabi: {
    region: 'us-east-1',
    endpoint: (r) => `https://s3.${r}.wasabisys.com`,
    needsEndpoint: false,
    pathStyle: true,
    checksum: 'when_supported',
    conditional: 'head-before-put',
  },
  backblaze: {
    region: 'us-west-004',
    endpoint: (r) => `https://s3.${r}.backblazeb2.com`,
    needsEndpoint: false,
    pathStyle: true,
    checksum: 'when_supported',
    conditional: 'head-before-put',
  },
  hetzner: {
    region: 'fsn1',
    endpoint: (r) => `https://${r}.your-objectstorage.com`,
    needsEndpoint: false,
    pathStyle: true,
    checksum: 'when_supported',
    conditional: 'head-before-put',
  },
};

/** The settings `createS3Target` would use, without loading the SDK. Exported for `--dry-run` and docs. */
export interface ResolvedTargetSettings {
  readonly provider: StorageProvider;
  readonly bucket: string;
  readonly prefix: string;
  readonly region: string;
  readonly endpoint: string | undefined;
  readonly forcePathStyle: boolean;
  readonly checksum: ChecksumMode;
  readonly conditionalWrites: ConditionalWriteMode;
  readonly plainHttp: boolean;
  readonly id: string;
}

function validateEndpoint(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new S3SyncOptionsError(
      'endpoint',
      `"${raw}" is not a URL; use e.g. https://s3.example.com or http://127.0.0.1:9000`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new S3SyncOptionsError(
      'endpoint',
      `must start with https:// (or http:// for a local server), got ${url.protocol}`,
    );
  if (url.username || url.password)
    throw new S3SyncOptionsError('endpoint', 'must not contain credentials; pass them as `credentials`');
  if (url.search || url.hash)
    throw new S3SyncOptionsError('endpoint', 'must not contain a query or fragment');
  return url;
}

function validateBucket(bucket: unknown): string {
  if (typeof bucket !== 'string' || bucket.length === 0)
    throw new S3SyncOptionsError('bucket', 'is required (the name of an existing bucket)');
  if (!/^[a-z0-9][a-z0-9.\-_]{1,254}$/i.test(bucket))
    throw new S3SyncOptionsError(
      'bucket',
      `"${bucket}" is not a bucket name (letters, digits, dots and hyphens, 3+ chars)`,
    );
  return bucket;
}

function positive(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v <= 0)
    throw new S3SyncOptionsError(name, `must be a positive number of milliseconds, got ${v}`);
  return v;
}

/** Applies the provider defaults and validates the options. Pure: loads nothing. */
export function resolveTargetSettings(options: S3TargetOptions): ResolvedTargetSettings {
  const provider = options.provider ?? 's3';
  const d = PROVIDERS[provider];
  if (!d) {
    const hint =
      (provider as string) === 'azure'
        ? 'Azure Blob Storage has no S3 API; put an S3-compatible gateway in front of it'
        : `use one of ${STORAGE_PROVIDERS.join(', ')}`;
    throw new S3SyncOptionsError('provider', `"${provider}" is not supported: ${hint}`);
  }
  const bucket = validateBucket(options.bucket);
  const prefix = normalizeKeyPrefix(options.prefix);
  const region = options.region && options.region.length > 0 ? options.region : d.region;
  let endpoint = options.endpoint && options.endpoint.length > 0 ? options.endpoint : undefined;
  if (endpoint === undefined && d.endpoint) endpoint = d.endpoint(region);
  if (endpoint === undefined && d.needsEndpoint)
    throw new S3SyncOptionsError(
      'endpoint',
      provider === 'r2'
        ? 'is required for r2: https://<account-id>.r2.cloudflarestorage.com'
        : `is required for ${provider}, e.g. http://127.0.0.1:9000`,
    );
  let plainHttp = false;
  if (endpoint !== undefined) {
    const url = validateEndpoint(endpoint);
    plainHttp = url.protocol === 'http:';
    endpoint = url.toString().replace(/\/+$/, '');
  }
  const checksum = options.checksum ?? d.checksum;
  if (checksum !== 'when_supported' && checksum !== 'when_required')
    throw new S3SyncOptionsError(
      'checksum',
      `must be "when_supported" or "when_required", got "${String(checksum)}"`,
    );
  const conditionalWrites = options.conditionalWrites ?? d.conditional;
  if (conditionalWrites !== 'if-none-match' && conditionalWrites !== 'head-before-put')
    throw new S3SyncOptionsError(
      'conditionalWrites',
      `must be "if-none-match" or "head-before-put", got "${String(conditionalWrites)}"`,
    );
  if (options.credentials) {
    const c = options.credentials;
    if (!c.accessKeyId || !c.secretAccessKey)
      throw new S3SyncOptionsError(
        'credentials',
        'need both accessKeyId and secretAccessKey (or leave credentials out to use the default AWS chain)',
      );
  }
  const id = endpoint === undefined ? `s3://${bucket}` : `${endpoint}/${bucket}`;
  return {
    provider,
    bucket,
    prefix,
    region,
    endpoint,
    forcePathStyle: options.forcePathStyle ?? d.pathStyle,
    checksum,
    conditionalWrites,
    plainHttp,
    id,
  };
}

/**
 * Builds an `S3Client` with the provider's defaults and wraps it as a target. The SDK is imported
 * here, lazily, so importing this package stays cheap. The SDK's own retries are turned off
 * (`maxAttempts: 1`): `syncLake` retries with its own policy and time budget.
 */
export async function createS3Target(options: S3TargetOptions): Promise<S3Target> {
  const s = resolveTargetSettings(options);
  const connectionTimeout = positive('connectTimeoutMs', options.connectTimeoutMs, 10_000);
  const requestTimeout = positive('requestTimeoutMs', options.requestTimeoutMs, 60_000);
  const { S3Client: Client } = await s3Sdk();
  const calc = s.checksum === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  const client = new Client({
    region: s.region,
    ...(s.endpoint === undefined ? {} : { endpoint: s.endpoint }),
    forcePathStyle: s.forcePathStyle,
    ...(options.credentials
      ? {
          credentials: {
            accessKeyId: options.credentials.accessKeyId,
            secretAccessKey: options.credentials.secretAccessKey,
            ...(options.credentials.sessionToken ? { sessionToken: options.credentials.sessionToken } : {}),
          },
        }
      : {}),
    requestChecksumCalculation: calc,
    responseChecksumValidation: calc,
    followRegionRedirects: s.provider === 's3',
    maxAttempts: 1,
    // Recent SDKs only warn on a request timeout unless told to throw; a hung link must fail the attempt.
    requestHandler: { connectionTimeout, requestTimeout, throwOnRequestTimeout: true },
  });
  const redact = redactorFor([
    options.credentials?.accessKeyId,
    options.credentials?.secretAccessKey,
    options.credentials?.sessionToken,
  ]);
  return {
    id: s.id,
    client,
    bucket: s.bucket,
    prefix: s.prefix,
    checksum: s.checksum,
    conditionalWrites: s.conditionalWrites,
    endpoint: s.endpoint,
    plainHttp: s.plainHttp,
    redact,
    destroy: () => client.destroy(),
  };
}

export interface ClientTargetOptions {
  /** A client you configured (retries, credentials, proxies); it is not destroyed by `destroy()`. */
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix?: string;
  /** Must match how the client was configured; default `when_supported`. */
  readonly checksum?: ChecksumMode;
  readonly conditionalWrites?: ConditionalWriteMode;
  /** Ledger identity of the store; default `s3://<bucket>`. Give endpoint + bucket for non-AWS stores. */
  readonly id?: string;
  /** Secrets to keep out of error messages. */
  readonly secrets?: readonly string[];
}

/** Wraps an injected `S3Client` as a target. */
export function s3TargetFromClient(options: ClientTargetOptions): S3Target {
  const bucket = validateBucket(options.bucket);
  const checksum = options.checksum ?? 'when_supported';
  if (checksum !== 'when_supported' && checksum !== 'when_required')
    throw new S3SyncOptionsError(
      'checksum',
      `must be "when_supported" or "when_required", got "${String(checksum)}"`,
    );
  const conditionalWrites = options.conditionalWrites ?? 'if-none-match';
  if (conditionalWrites !== 'if-none-match' && conditionalWrites !== 'head-before-put')
    throw new S3SyncOptionsError('conditionalWrites', `must be "if-none-match" or "head-before-put"`);
  return {
    id: options.id ?? `s3://${bucket}`,
    client: options.client,
    bucket,
    prefix: normalizeKeyPrefix(options.prefix),
    checksum,
    conditionalWrites,
    endpoint: undefined,
    plainHttp: false,
    redact: redactorFor(options.secrets ?? []),
    destroy: () => undefined,
  };
}
