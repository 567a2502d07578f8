import { open } from 'node:fs/promises';

/** Key-value metadata keys this writer puts in every footer. */
export const FOOTER_KEYS = {
  schema: 'opensensor.schema',
  schemaVersion: 'opensensor.schema_version',
  writer: 'opensensor.writer',
  writerVersion: 'opensensor.writer_version',
  station: 'opensensor.station',
  firstSeq: 'opensensor.first_seq',
  lastSeq: 'opensensor.last_seq',
  seqSource: 'opensensor.seq_source',
  windowStart: 'opensensor.window_start',
  windowEnd: 'opensensor.window_end',
} as const;

/** What a lake file's footer says about it. */
export interface LakeFileFooter {
  path: string;
  rows: number;
  createdBy: string | undefined;
  /** All key-value metadata, including keys this writer does not know. */
  metadata: Record<string, string>;
  /** Parsed from `opensensor.first_seq` / `last_seq`; undefined for files written by another tool. */
  firstSeq: bigint | undefined;
  lastSeq: bigint | undefined;
  /** What numbers those sequence numbers (`opensensor.seq_source`, e.g. a journal's id); undefined when unsaid. */
  seqSource: string | undefined;
}

const SEQ = /^\d{1,20}$/;

/** Reads only the footer of a Parquet file (the tail), never its data pages. */
export async function readLakeFooter(path: string): Promise<LakeFileFooter> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size < 12) throw new Error(`${path} is ${size} bytes, too short to be Parquet`);
    const tail = Buffer.alloc(8);
    await handle.read(tail, 0, 8, size - 8);
    const footerLength = tail.readUInt32LE(0);
    if (tail.toString('latin1', 4) !== 'PAR1' || footerLength + 12 > size) {
      throw new Error(`${path} has no valid Parquet footer`);
    }
    const buf = Buffer.alloc(footerLength + 8);
    await handle.read(buf, 0, buf.length, size - buf.length);
    // Loaded on first use, like the encoder: importing this package stays cheap (see encoder.ts).
    const { parquetMetadata } = await import('hyparquet');
    const meta = parquetMetadata(buf);
    const metadata: Record<string, string> = {};
    for (const { key, value } of meta.key_value_metadata ?? []) metadata[key] = value ?? '';
    const seq = (key: string) => {
      const v = metadata[key];
      return v !== undefined && SEQ.test(v) ? BigInt(v) : undefined;
    };
    return {
      path,
      rows: Number(meta.num_rows),
      createdBy: meta.created_by,
      metadata,
      firstSeq: seq(FOOTER_KEYS.firstSeq),
      lastSeq: seq(FOOTER_KEYS.lastSeq),
      seqSource: metadata[FOOTER_KEYS.seqSource] || undefined,
    };
  } finally {
    await handle.close();
  }
}
