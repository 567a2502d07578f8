import { promises as fs } from 'node:fs';

/** What the check found: a file a Parquet reader can open, or why it cannot. */
export type ParquetCheckResult =
  | { readonly valid: true; readonly rows: number; readonly rowGroups: number }
  | { readonly valid: false; readonly reason: string };

const MAGIC = 0x31524150; // "PAR1" read as a little-endian uint32
/** No lake footer comes near this; a larger length field is damage, not a footer to allocate. */
const MAX_FOOTER_BYTES = 64 * 1024 * 1024;

type Hyparquet = typeof import('hyparquet');
type FileMetaData = ReturnType<Hyparquet['parquetMetadata']>;
let hyparquet: Promise<Hyparquet> | undefined;

const invalid = (reason: string): ParquetCheckResult => ({ valid: false, reason });

async function readExactly(h: fs.FileHandle, length: number, position: number): Promise<Buffer | null> {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await h.read(buf, done, length - done, position + done);
    if (bytesRead === 0) return null;
    done += bytesRead;
  }
  return buf;
}

const shrank = (path: string) =>
  Object.assign(new Error(`${path} became shorter while being checked`), { code: 'ESHRANK' });

const toNumber = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : Number(v ?? Number.NaN));

/**
 * Checks that a file is a complete Parquet file without reading its data pages: at least 12 bytes,
 * `PAR1` at both ends, a footer length that fits, footer metadata that parses (hyparquet), row counts
 * that add up and column chunks that lie inside the file. This is what every reader (DuckDB's
 * `read_parquet`, Spark, Snowflake) needs before it can open the file; a zero-byte file left by a power
 * cut or a truncated copy fails here. Reading errors (permissions, I/O) are thrown, not reported as
 * invalid: they say nothing about the file's contents.
 */
export async function checkParquetFile(path: string): Promise<ParquetCheckResult> {
  const h = await fs.open(path, 'r');
  try {
    const { size } = await h.stat();
    if (size === 0) return invalid('empty file (0 bytes)');
    if (size < 12)
      return invalid(`${size} bytes: too short for Parquet (at least 12: PAR1, footer length, PAR1)`);
    const head = await readExactly(h, 4, 0);
    const tail = await readExactly(h, 8, size - 8);
    if (!head || !tail) throw shrank(path);
    if (head.readUInt32LE(0) !== MAGIC) return invalid('does not start with the Parquet magic PAR1');
    if (tail.readUInt32LE(4) !== MAGIC)
      return invalid('does not end with the Parquet magic PAR1 (truncated, or not a Parquet file)');
    const footerLength = tail.readUInt32LE(0);
    if (footerLength === 0 || footerLength > size - 12 || footerLength > MAX_FOOTER_BYTES)
      return invalid(`footer length ${footerLength} does not fit in a file of ${size} bytes`);
    const footer = await readExactly(h, footerLength + 8, size - footerLength - 8);
    if (!footer) throw shrank(path);

    // Loaded on first use: a sync with nothing new to upload never pays for it.
    hyparquet ??= import('hyparquet');
    const { parquetMetadata } = await hyparquet;
    let meta: FileMetaData;
    try {
      meta = parquetMetadata(footer, { geoparquet: false });
    } catch (err) {
      return invalid(`footer metadata cannot be parsed (${(err as Error)?.message ?? String(err)})`);
    }
    let problem: string | undefined;
    try {
      problem = inconsistency(meta, size - 8 - footerLength);
    } catch (err) {
      problem = `footer metadata is malformed (${(err as Error)?.message ?? String(err)})`;
    }
    if (problem) return invalid(problem);
    return { valid: true, rows: toNumber(meta.num_rows), rowGroups: meta.row_groups.length };
  } finally {
    await h.close();
  }
}

/** What in parsed footer metadata contradicts itself or the file (`dataEnd`: where the footer starts). */
function inconsistency(meta: FileMetaData, dataEnd: number): string | undefined {
  const schema = meta.schema ?? [];
  if (schema.length === 0) return 'footer metadata has no schema';
  const leaves = schema.filter((e) => e.type !== undefined).length;
  const rows = toNumber(meta.num_rows);
  if (!Number.isSafeInteger(rows) || rows < 0) return `footer metadata gives ${rows} rows`;
  let rowSum = 0;
  for (const [g, group] of meta.row_groups.entries()) {
    rowSum += toNumber(group.num_rows);
    if (group.columns.length !== leaves)
      return `row group ${g} has ${group.columns.length} column chunks for ${leaves} columns`;
    for (const [c, chunk] of group.columns.entries()) {
      const m = chunk.meta_data;
      if (!m) return `row group ${g}, column ${c}: no column metadata`;
      const dataPage = toNumber(m.data_page_offset);
      const dict = m.dictionary_page_offset === undefined ? Number.NaN : toNumber(m.dictionary_page_offset);
      // Some writers store 0 for "no dictionary page".
      const start = dict > 0 ? Math.min(dict, dataPage) : dataPage;
      const end = start + toNumber(m.total_compressed_size);
      if (!(start >= 4 && end <= dataEnd))
        return `row group ${g}, column ${m.path_in_schema.join('.')}: bytes ${start} to ${end} lie outside the data (4 to ${dataEnd})`;
    }
  }
  if (rowSum !== rows) return `footer metadata gives ${rows} rows but its row groups hold ${rowSum}`;
  return undefined;
}
