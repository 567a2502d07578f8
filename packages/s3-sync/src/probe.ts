import type { S3SyncError } from './errors.js';
import { classifyS3Error } from './retry.js';
import { s3Sdk } from './sdk.js';
import type { S3Target } from './target.js';

/** What `probeWrite` found: the store took the object; whether it could be deleted again. */
export interface WriteProbeResult {
  /** The full key written (under the target's prefix). */
  readonly key: string;
  /** The write used `If-None-Match: *`, as uploads do on this store. */
  readonly conditional: boolean;
  /** False when the delete was refused (a station needs no s3:DeleteObject); the object stays. */
  readonly deleted: boolean;
  readonly deleteError: S3SyncError | undefined;
}

/**
 * Proves that the credentials are valid and the bucket takes writes the way the sync writes: a tiny
 * object under `<prefix>/<name>`, written conditionally where the store supports it, then deleted.
 * Throws an `S3SyncError` (bad credentials, no such bucket, access denied, unreachable) whose message
 * says what to do. `name` should be unique (it is never overwritten: a second probe with the same
 * name fails with a conflict on conditional stores).
 */
export async function probeWrite(target: S3Target, name: string): Promise<WriteProbeResult> {
  const key = target.prefix ? `${target.prefix}/${name}` : name;
  const conditional = target.conditionalWrites === 'if-none-match';
  const { DeleteObjectCommand, PutObjectCommand } = await s3Sdk();
  try {
    await target.client.send(
      new PutObjectCommand({
        Bucket: target.bucket,
        Key: key,
        Body: 'written by opensensor doctor; safe to delete\n',
        ContentType: 'text/plain',
        ...(conditional ? { IfNoneMatch: '*' } : {}),
      }),
    );
  } catch (err) {
    throw classifyS3Error(err, 'test write', key, target.redact);
  }
  try {
    await target.client.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: key }));
    return { key, conditional, deleted: true, deleteError: undefined };
  } catch (err) {
    return {
      key,
      conditional,
      deleted: false,
      deleteError: classifyS3Error(err, 'delete', key, target.redact),
    };
  }
}
