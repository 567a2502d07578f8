import { readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isoTime } from '@opensensor/errors';
import pkg from '../package.json' with { type: 'json' };
import { mkdirDurable, writeFileExclusive } from './atomic-file.js';
import { type LakeCompression, loadCodec, type ZstdImplementation } from './codecs.js';
import { hyparquetEncoder, type LakeEncodings, type ParquetEncoder } from './encoder.js';
import {
  BatchOverlapError,
  type ExistingBatch,
  FileConflictError,
  LakeOptionsError,
  RowsError,
  WindowError,
} from './errors.js';
import { FOOTER_KEYS, type LakeFileFooter, readLakeFooter } from './footer.js';
import { type LakeFilePrefix, lakeFileName, parseLakeFileName, partitionDir } from './hive-path.js';
import { opensensorEncoder, opensensorEncoderSupports } from './parquet/opensensor-encoder.js';
import { type NonFinitePolicy, prepareColumns, type WindowRows } from './rows.js';
import type { LakeSchema } from './schema.js';
import { assertBatchDuration, type LakeWindow } from './window.js';

export const WRITER_NAME = '@opensensor/parquet-hive-writer';
export const WRITER_VERSION: string = pkg.version;

/** A journal sequence number: a non-negative safe integer or a bigint. */
export type SequenceNumber = number | bigint;

export interface WriteWindowFileOptions {
  /** Lake root: `output` for readings, `output-health` for health. Created if missing. */
  root: string;
  /** Station id, the `station=<id>` directory; letters, digits, `.`, `_`, `-` (a UUID works). */
  station: string;
  schema: LakeSchema;
  /** The window the rows belong to, from `windowOf()`; every row's timestamp must fall inside it. */
  window: LakeWindow;
  rows: WindowRows;
  /** Journal sequence numbers of the first and last record in `rows`; they identify the batch. */
  firstSeq: SequenceNumber;
  lastSeq: SequenceNumber;
  /**
   * What numbers `firstSeq`/`lastSeq` (e.g. the journal's id), stored in the footer. Two journals for one
   * station number their records independently: ranges of different sources never overlap. Files
   * without a source (older files) are compared with every batch.
   */
  seqSource?: string;
  /** `data` (default) or `health`. */
  prefix?: LakeFilePrefix;
  /** Default `zstd`. */
  compression?: LakeCompression;
  /** Default `auto`: node:zlib zstd on Node ≥ 22.15, this package's own compressor before. */
  zstd?: ZstdImplementation;
  /** Default `null`: NaN/±Infinity are stored as null and counted in the result. */
  nonFinite?: NonFinitePolicy;
  /** Extra footer key-value metadata; keys starting with `opensensor.` are reserved. Never put secrets here. */
  metadata?: Readonly<Record<string, string>>;
  /** Default `compact` (DELTA_BINARY_PACKED timestamps, BYTE_STREAM_SPLIT floats); `plain` for old readers. */
  encodings?: LakeEncodings;
  /**
   * Swap the Parquet encoder. Default: this package's own (`opensensorEncoder`) for zstd and gzip,
   * hyparquet-writer for snappy (see docs/decisions/0303-own-parquet-encoder.md).
   */
  encoder?: ParquetEncoder;
  /** Fault injection for tests: runs after the temp file is durable and before it gets its final name. */
  onTempFileWritten?: (tempPath: string) => void | Promise<void>;
  /**
   * Default true: the directory is fsynced after the file gets its name, so the name survives a power
   * cut. False leaves that to a caller that writes many files into the directory: it calls
   * `syncDirectory(dirname(result.path))` once before it relies on the names (the file's content is
   * durable before it is named either way).
   */
  syncDirectory?: boolean;
  /**
   * Called once the rows are encoded, before the file is written: from then on the caller may reuse
   * the arrays it passed in `rows`. Not called when the write ends earlier (an identical file, an error).
   */
  onEncoded?: () => void;
  /**
   * The file gets its name only after this settles, and not at all if it rejects (the write then
   * rejects with its reason); an identical file already there is reported only after it settles too.
   * A writer of many windows passes the previous file's write: the files' encoding, writes and fsyncs
   * overlap while their names appear in the order the writes started, so a crash of the process leaves
   * the first ones named, never a later one without an earlier.
   */
  nameAfter?: PromiseLike<unknown>;
}

export interface WriteWindowFileResult {
  /** `written`: a new file; `identical`: this batch (same first/last seq and row count) was already there. */
  status: 'written' | 'identical';
  path: string;
  fileName: string;
  /** True when the plain name held another batch and this one went to `<prefix>_<HHMM>_<firstSeq>.parquet`. */
  suffixed: boolean;
  bytes: number;
  rows: number;
  /** Values stored as null because they were NaN/±Infinity (policy `null`). 0 for `identical`. */
  nonFiniteNulls: number;
  /** Which compressor wrote the file, e.g. `zstd-wasm`; undefined for `identical`. */
  codec: string | undefined;
}

function toSeq(name: string, value: SequenceNumber): bigint {
  if (typeof value === 'bigint' && value >= 0n && value < 2n ** 64n) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  throw new LakeOptionsError(
    `${name} must be a non-negative integer journal sequence number, got ${String(value)}`,
  );
}

function assertWindow(window: LakeWindow): void {
  if (
    typeof window !== 'object' ||
    window === null ||
    !Number.isInteger(window.start) ||
    !Number.isInteger(window.durationSec)
  ) {
    throw new WindowError('window must come from windowOf(timestampMs, batchDurationSec)');
  }
  assertBatchDuration(window.durationSec);
  if (
    window.start % (window.durationSec * 1000) !== 0 ||
    window.end !== window.start + window.durationSec * 1000
  ) {
    throw new WindowError(
      `window ${window.start}–${window.end} is not clock-aligned to ${window.durationSec} s: build it with windowOf()`,
    );
  }
}

/**
 * Writes one window of one station as one Parquet file, atomically, into the Hive layout.
 *
 * Replaying the same journal range is a no-op (`identical`); a different batch for a window that already
 * has a file goes to `<prefix>_<HHMM>_<firstSeq>.parquet`; a batch that overlaps a file's range is refused
 * (`BatchOverlapError`), because writing it would store readings twice.
 */
export async function writeWindowFile(options: WriteWindowFileOptions): Promise<WriteWindowFileResult> {
  const { schema, window, rows } = options;
  // Observed at once: the previous file's failure may arrive while this one is still being encoded
  // or fsynced, and must not count as an unhandled rejection meanwhile; it is awaited before naming.
  if (options.nameAfter !== undefined) Promise.resolve(options.nameAfter).catch(() => undefined);
  const prefix = options.prefix ?? 'data';
  if (!schema || !Array.isArray(schema.allColumns)) {
    throw new LakeOptionsError(
      'schema must come from defineLakeSchema() (or be SENSOR_SCHEMA / HEALTH_SCHEMA)',
    );
  }
  assertWindow(window);
  const dir = partitionDir({ root: options.root, station: options.station, window });
  lakeFileName(window, prefix);
  const firstSeq = toSeq('firstSeq', options.firstSeq);
  const lastSeq = toSeq('lastSeq', options.lastSeq);
  if (firstSeq > lastSeq) {
    throw new LakeOptionsError(`firstSeq ${firstSeq} is after lastSeq ${lastSeq}`);
  }
  const extra = options.metadata ?? {};
  for (const key of Object.keys(extra)) {
    if (key.startsWith('opensensor.')) {
      throw new LakeOptionsError(`metadata key "${key}" is reserved for the writer; choose another prefix`);
    }
    if (typeof extra[key] !== 'string') throw new LakeOptionsError(`metadata "${key}" must be a string`);
  }

  const columns = prepareColumns(schema, window, rows, options.nonFinite ?? 'null');
  if (columns.rowCount === 0) {
    throw new RowsError(
      'COLUMN_LENGTH',
      'rows is empty: a window without readings has no file, skip the write',
      {
        column: 'timestamp',
      },
    );
  }
  if (BigInt(columns.rowCount) > lastSeq - firstSeq + 1n) {
    throw new LakeOptionsError(
      `${columns.rowCount} rows cannot come from seq ${firstSeq}..${lastSeq} (${lastSeq - firstSeq + 1n} records)`,
    );
  }
  const codec = await loadCodec(options.compression ?? 'zstd', options.zstd ?? 'auto');
  const encoder =
    options.encoder ?? (opensensorEncoderSupports(codec) ? opensensorEncoder : hyparquetEncoder);
  await encoder.load?.();

  await mkdirDurable(dir);
  let bytes: Uint8Array | undefined;
  // A concurrent writer can take a name between our check and our link; then we look again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await existingBatches(dir, window.hhmm, prefix);
    const plain = lakeFileName(window, prefix);
    const sameSource = (f: WindowFile) =>
      f.seqSource === undefined || options.seqSource === undefined || f.seqSource === options.seqSource;
    for (const file of existing) {
      if (
        sameSource(file) &&
        file.firstSeq === firstSeq &&
        file.lastSeq === lastSeq &&
        file.rows === columns.rowCount
      ) {
        const name = file.path.slice(dir.length + 1);
        // Already named, but resolved only in its turn, like a file written now.
        await options.nameAfter;
        return {
          status: 'identical',
          path: file.path,
          fileName: name,
          suffixed: name !== plain,
          bytes: (await stat(file.path)).size,
          rows: file.rows,
          nonFiniteNulls: 0,
          codec: undefined,
        };
      }
    }
    for (const file of existing) {
      if (sameSource(file) && file.firstSeq !== undefined && file.lastSeq !== undefined) {
        if (file.firstSeq <= lastSeq && firstSeq <= file.lastSeq) {
          throw new BatchOverlapError(file as ExistingBatch, firstSeq, lastSeq);
        }
      }
    }
    const taken = new Set(existing.map((f) => f.path.slice(dir.length + 1)));
    const suffixed = taken.has(plain);
    const fileName = suffixed ? lakeFileName(window, prefix, firstSeq) : plain;
    const path = join(dir, fileName);
    if (taken.has(fileName)) {
      throw new FileConflictError(path, 'does not hold this batch and has an unreadable or foreign footer');
    }
    if (bytes === undefined) {
      bytes = encoder.encode({
        schema,
        columns,
        codec,
        encodings: options.encodings ?? 'compact',
        createdBy: `${WRITER_NAME} version ${WRITER_VERSION} (${encoder.id})`,
        metadata: [
          { key: FOOTER_KEYS.schema, value: schema.name },
          { key: FOOTER_KEYS.schemaVersion, value: String(schema.version) },
          { key: FOOTER_KEYS.writer, value: WRITER_NAME },
          { key: FOOTER_KEYS.writerVersion, value: WRITER_VERSION },
          { key: FOOTER_KEYS.station, value: options.station },
          { key: FOOTER_KEYS.firstSeq, value: String(firstSeq) },
          { key: FOOTER_KEYS.lastSeq, value: String(lastSeq) },
          ...(options.seqSource ? [{ key: FOOTER_KEYS.seqSource, value: options.seqSource }] : []),
          { key: FOOTER_KEYS.windowStart, value: isoTime(window.start) },
          { key: FOOTER_KEYS.windowEnd, value: isoTime(window.end) },
          ...Object.entries(extra).map(([key, value]) => ({ key, value })),
        ],
      });
      options.onEncoded?.();
    }
    const { onTempFileWritten, nameAfter } = options;
    const beforeName =
      nameAfter === undefined
        ? onTempFileWritten
        : async (tempPath: string) => {
            await onTempFileWritten?.(tempPath);
            await nameAfter;
          };
    const outcome = await writeFileExclusive(path, bytes, beforeName, {
      syncDirectory: options.syncDirectory !== false,
    });
    if (outcome === 'created') {
      return {
        status: 'written',
        path,
        fileName,
        suffixed,
        bytes: bytes.byteLength,
        rows: columns.rowCount,
        nonFiniteNulls: columns.nonFiniteNulls,
        codec: codec.implementation,
      };
    }
  }
  throw new FileConflictError(
    join(dir, lakeFileName(window, prefix)),
    'kept changing while this batch was written',
  );
}

type WindowFile = Omit<LakeFileFooter, 'metadata' | 'createdBy'>;

/**
 * Files of one window (`<prefix>_<HHMM>.parquet` and its suffixed siblings) with their footer ranges,
 * or of every window in the directory when `hhmm` is null.
 */
async function existingBatches(
  dir: string,
  hhmm: string | null,
  prefix: LakeFilePrefix,
): Promise<WindowFile[]> {
  // Synchronous: listing one day's folder is quick, and it happens for every file written.
  const names = readdirSync(dir);
  const files: WindowFile[] = [];
  for (const name of names) {
    const parsed = parseLakeFileName(name);
    if (!parsed || parsed.prefix !== prefix || (hhmm !== null && parsed.hhmm !== hhmm)) continue;
    const path = join(dir, name);
    try {
      const { rows, firstSeq, lastSeq, seqSource } = await readLakeFooter(path);
      files.push({ path, rows, firstSeq, lastSeq, seqSource });
    } catch {
      // A damaged or foreign file still occupies its name; it just cannot be identified.
      files.push({ path, rows: -1, firstSeq: undefined, lastSeq: undefined, seqSource: undefined });
    }
  }
  return files;
}

/** The batches already written for a window, read from their footers (for a pipeline resolving an overlap). */
export async function listWindowFiles(options: {
  root: string;
  station: string;
  window: LakeWindow;
  prefix?: LakeFilePrefix;
  /**
   * Every file of the window's day (partition), not only the window's own: a lake written with another
   * window length holds the same readings under other file names.
   */
  wholeDay?: boolean;
}): Promise<WindowFile[]> {
  const dir = partitionDir(options);
  try {
    return await existingBatches(
      dir,
      options.wholeDay ? null : options.window.hhmm,
      options.prefix ?? 'data',
    );
  } catch (err) {
    if (typeof err === 'object' && err !== null && (err as { code?: string }).code === 'ENOENT') return [];
    throw err;
  }
}
