import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';

/** Digests of a local file, computed in one pass. */
export interface FileDigest {
  readonly size: number;
  /** SHA-256, lower-case hex: what the ledger records and what `x-amz-meta-opensensor-sha256` carries. */
  readonly sha256Hex: string;
  /** SHA-256, base64: the value of `x-amz-checksum-sha256`. */
  readonly sha256Base64: string;
  /** MD5, base64: the value of `Content-MD5` (the checksum every S3-compatible store verifies). */
  readonly md5Base64: string;
  /** MD5, lower-case hex: the ETag of a single-part upload on most stores. */
  readonly md5Hex: string;
}

const CHUNK = 1024 * 1024;

/**
 * Hashes a file with a fixed 1 MiB buffer, so a 200 MiB compacted file costs no more memory than a
 * 50 kB one. Both digests come from the same read because the file is read from an SD card.
 */
export async function digestFile(path: string): Promise<FileDigest> {
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  const handle = await fs.open(path, 'r');
  const buf = Buffer.allocUnsafe(CHUNK);
  let size = 0;
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      const view = buf.subarray(0, bytesRead);
      sha.update(view);
      md5.update(view);
      size += bytesRead;
    }
  } finally {
    await handle.close();
  }
  const shaBuf = sha.digest();
  const md5Buf = md5.digest();
  return {
    size,
    sha256Hex: shaBuf.toString('hex'),
    sha256Base64: shaBuf.toString('base64'),
    md5Base64: md5Buf.toString('base64'),
    md5Hex: md5Buf.toString('hex'),
  };
}

/** Digests of bytes already in memory (small files are read once and sent from the same buffer). */
export function digestBuffer(buf: Uint8Array): FileDigest {
  const sha = createHash('sha256').update(buf).digest();
  const md5 = createHash('md5').update(buf).digest();
  return {
    size: buf.byteLength,
    sha256Hex: sha.toString('hex'),
    sha256Base64: sha.toString('base64'),
    md5Hex: md5.toString('hex'),
    md5Base64: md5.toString('base64'),
  };
}

/** Hashes a stream (a GET body) with SHA-256; used only to settle whether an existing object equals ours. */
export async function sha256OfStream(
  stream: AsyncIterable<Uint8Array>,
): Promise<{ hex: string; size: number }> {
  const sha = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    sha.update(chunk);
    size += chunk.byteLength;
  }
  return { hex: sha.digest('hex'), size };
}
