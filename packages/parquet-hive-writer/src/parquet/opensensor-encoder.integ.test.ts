import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { type CompressionCodec, parquetMetadata, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LakeCompression, loadCodec } from '../codecs.js';
import { type LakeReader, openLakeReader } from '../duckdb-reader.js';
import { hyparquetEncoder, type LakeEncodings, type ParquetEncoder } from '../encoder.js';
import { pythonReadersMissing, readWithPython } from '../python-readers.js';
import { prepareColumns, type WindowRows } from '../rows.js';
import { defineLakeSchema, type LakeSchema } from '../schema.js';
import { HEALTH_SCHEMA, SENSOR_SCHEMA } from '../schemas.js';
import { seededRandom, sensorWindowRows } from '../testing.js';
import { windowOf } from '../window.js';
import { WRITER_VERSION, writeWindowFile } from '../write-window-file.js';
import { opensensorEncoder } from './opensensor-encoder.js';

/**
 * Differential tests: the same rows encoded by this package's encoder and by hyparquet-writer (the
 * encoder the lake was written with before) must read back identically through two independent
 * readers, DuckDB and hyparquet, with equal schemas, footer metadata and column statistics.
 */

let db: LakeReader;
let dir: string;
let fileNo = 0;
beforeAll(async () => {
  db = await openLakeReader();
  dir = mkdtempSync(join(tmpdir(), 'own-encoder-'));
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

interface WasmZstd {
  isLoaded: Promise<boolean>;
  decompress(buffer: Uint8Array, size: number): Uint8Array;
}
const wasmZstd = createRequire(import.meta.url)('@foxglove/wasm-zstd') as WasmZstd;
const decompressors: Partial<Record<CompressionCodec, (input: Uint8Array, size: number) => Uint8Array>> = {
  GZIP: (input) => zlib.gunzipSync(input),
  ZSTD: (input, size) => wasmZstd.decompress(input, size),
};

const METADATA = [
  { key: 'opensensor.schema', value: 'test' },
  { key: 'opensensor.first_seq', value: '1' },
  { key: 'opensensor.station', value: 'station-ü-🌍' },
];

async function encodeBoth(
  schema: LakeSchema,
  rows: WindowRows,
  window: ReturnType<typeof windowOf>,
  encodings: LakeEncodings,
  compression: LakeCompression,
): Promise<{ ours: string; theirs: string }> {
  const codec = await loadCodec(compression);
  await hyparquetEncoder.load?.();
  const columns = prepareColumns(schema, window, rows);
  const write = (encoder: ParquetEncoder) => {
    const bytes = encoder.encode({
      schema,
      columns,
      codec,
      encodings,
      metadata: METADATA,
      createdBy: 'test',
    });
    fileNo += 1;
    const path = join(dir, `f${fileNo}.parquet`);
    writeFileSync(path, bytes);
    return path;
  };
  return { ours: write(opensensorEncoder), theirs: write(hyparquetEncoder) };
}

/** Every value through DuckDB; timestamps as epoch ms so that values beyond date formatting compare. */
async function duckRows(schema: LakeSchema, path: string): Promise<Record<string, unknown>[]> {
  const select = schema.allColumns
    .map((c) => (c.type === 'timestamp-ms' ? `epoch_ms("${c.name}") AS "${c.name}"` : `"${c.name}"`))
    .join(', ');
  return db.rows(`SELECT ${select} FROM read_parquet('${path}')`);
}

async function duckSchema(path: string) {
  return db.rows(
    `SELECT name, type, type_length, repetition_type, num_children, converted_type, scale, precision,
            field_id, logical_type FROM parquet_schema('${path}')`,
  );
}

async function duckStatistics(path: string) {
  return db.rows(
    `SELECT column_id, path_in_schema, type, num_values, stats_min, stats_max, stats_null_count,
            stats_min_value, stats_max_value, compression
     FROM parquet_metadata('${path}') ORDER BY column_id`,
  );
}

async function hyparquetRows(path: string) {
  const buf = readFileSync(path);
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  return parquetReadObjects({ file, compressors: decompressors });
}

function hyparquetFooter(path: string) {
  const buf = readFileSync(path);
  const meta = parquetMetadata(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return {
    version: meta.version,
    schema: meta.schema,
    num_rows: meta.num_rows,
    key_value_metadata: meta.key_value_metadata,
    created_by: meta.created_by,
    row_groups: meta.row_groups.length,
    statistics: meta.row_groups[0]?.columns.map((c) => ({
      path: c.meta_data?.path_in_schema,
      type: c.meta_data?.type,
      codec: c.meta_data?.codec,
      num_values: c.meta_data?.num_values,
      statistics: c.meta_data?.statistics,
    })),
  };
}

/** Asserts the two files hold the same data, schema, metadata and statistics for both readers. */
async function expectSameFile(schema: LakeSchema, ours: string, theirs: string) {
  const [oursRows, theirsRows] = [await duckRows(schema, ours), await duckRows(schema, theirs)];
  expect(oursRows).toEqual(theirsRows);
  expect(await duckSchema(ours)).toEqual(await duckSchema(theirs));
  expect(await duckStatistics(ours)).toEqual(await duckStatistics(theirs));
  expect(await hyparquetRows(ours)).toEqual(await hyparquetRows(theirs));
  expect(hyparquetFooter(ours)).toEqual(hyparquetFooter(theirs));
  return oursRows;
}

const MODES: [LakeEncodings, LakeCompression][] = [
  ['compact', 'zstd'],
  ['plain', 'zstd'],
  ['compact', 'gzip'],
  ['plain', 'gzip'],
];

/** Every column type, nullable, for the edge cases. */
const ALL_TYPES = defineLakeSchema({
  name: 'all_types',
  version: 1,
  columns: [
    { name: 'f', type: 'float' },
    { name: 'd', type: 'double' },
    { name: 'i', type: 'int32' },
    { name: 'l', type: 'int64' },
    { name: 'b', type: 'boolean' },
    { name: 's', type: 'string' },
    { name: 't', type: 'timestamp-ms' },
    { name: 'never', type: 'float' },
    { name: 'never_s', type: 'string' },
    { name: 'never_t', type: 'timestamp-ms' },
    { name: 'never_b', type: 'boolean' },
  ],
});

const w3600 = windowOf(Date.parse('2026-03-01T12:00:00Z'), 3600);
const F32_MAX = 3.4028234663852886e38;

/** Edge values of every type; NaN and ±Infinity become nulls in prepareColumns. */
const EDGE_ROWS: WindowRows = {
  timestamp: [5, 0, 3_599_999, 7, 7, 1, 2, 2, 2, 2, 2, 2, 1_000_000, 0].map((ms) => w3600.start + ms),
  columns: {
    f: [
      0,
      -0,
      F32_MAX,
      -F32_MAX,
      1.4e-45,
      -1.4e-45,
      Number.NaN,
      Infinity,
      -Infinity,
      null,
      1.1,
      3e38,
      21.4,
      -0,
    ],
    d: [
      -0,
      0,
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      5e-324,
      Number.NaN,
      -Infinity,
      Infinity,
      null,
      0.1,
      1e300,
      -1e-300,
      Math.PI,
      null,
    ],
    i: [0, -2147483648, 2147483647, null, -1, 1, 42, null, 7, 7, 7, 7, 7, 7],
    l: [
      -(2n ** 63n),
      2n ** 63n - 1n,
      0n,
      null,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      -1n,
      1,
      null,
      5n,
      5n,
      5n,
      5n,
      5n,
    ],
    b: [true, false, null, true, true, true, true, true, true, true, true, false, null, true],
    s: [
      '',
      'a',
      'é',
      '日本語のテキストはとても長いです',
      '🌍🌍🌍🌍🌍',
      '\u{10FFFF}\u{10FFFF}\u{10FFFF}\u{10FFFF}\u{10FFFF}',
      null,
      'zzzzzzzzzzzzzzzzzzzzzzzzz',
      '\ud800 lone surrogate',
      'e\u0301 combining',
      '\u0000nul',
      'a much longer ascii string than sixteen bytes',
      '\uffff\uffff\uffff\uffff\uffff\uffff',
      undefined,
    ],
    t: [
      0,
      -1,
      1_700_000_000_000,
      null,
      Date.UTC(1970, 0, 1),
      Date.UTC(2262, 0, 1),
      Date.UTC(1677, 0, 1),
      null,
      1,
      2,
      3,
      4,
      5,
      6,
    ],
  },
};

describe('opensensorEncoder reads back like hyparquet-writer (DuckDB and hyparquet)', () => {
  beforeAll(async () => {
    await wasmZstd.isLoaded;
  });

  it.each(MODES)('realistic sensor window, %s encodings, %s', async (encodings, compression) => {
    const window = windowOf(Date.parse('2025-01-07T09:05:00Z'), 900);
    const rows = sensorWindowRows({ window, seed: 11, nullRate: 0.05 });
    const { ours, theirs } = await encodeBoth(SENSOR_SCHEMA, rows, window, encodings, compression);
    const got = await expectSameFile(SENSOR_SCHEMA, ours, theirs);
    expect(got).toHaveLength(180);
    expect(got.map((r) => Number(r.timestamp))).toEqual(Array.from(rows.timestamp));
  });

  it.each(MODES)('edge values of every type, %s encodings, %s', async (encodings, compression) => {
    const rows = EDGE_ROWS;
    const { ours, theirs } = await encodeBoth(ALL_TYPES, rows, w3600, encodings, compression);
    const got = await expectSameFile(ALL_TYPES, ours, theirs);
    expect(got.map((r) => r.s)).toEqual(
      (rows.columns.s as (string | null | undefined)[]).map((s) =>
        s === undefined || s === null ? null : s.replace('\ud800', '\ufffd'),
      ),
    );
    expect(got.map((r) => r.never)).toEqual(new Array(14).fill(null));
  });

  const LONG_STRINGS: [string, string[]][] = [
    ['ascii', ['zzzzzzzzzzzzzzzzzzzzzzzzz', 'abcdefghijklmnopqrstu', 'mmmmmmmmmmmmmmmmmmmmm']],
    [
      'a code point across the cut',
      ['a日本語のテキストはとても長いです', 'ab日本語のテキストはとても長い', 'abc🌍🌍🌍🌍🌍🌍'],
    ],
    ['U+10FFFF at the end of the max', ['a\u{10FFFF}\u{10FFFF}\u{10FFFF}\u{10FFFF}\u{10FFFF}', 'a']],
    ['only U+10FFFF', ['\u{10FFFF}\u{10FFFF}\u{10FFFF}\u{10FFFF}\u{10FFFF}', '\u{10FFFF}']],
    ['U+D7FF before the cut', ['\ud7ff\ud7ff\ud7ff\ud7ff\ud7ff\ud7ff\ud7ff', '\ud7fe']],
    ['exactly 16 bytes', ['0123456789abcdef', '0123456789abcdeg0']],
  ];
  it.each(LONG_STRINGS)('string bounds longer than 16 bytes: %s', async (_, strings) => {
    const rows: WindowRows = {
      timestamp: strings.map((_, i) => w3600.start + i),
      columns: { s: strings },
    };
    const { ours, theirs } = await encodeBoth(ALL_TYPES, rows, w3600, 'compact', 'zstd');
    await expectSameFile(ALL_TYPES, ours, theirs);
  });

  const MAX = Number.MAX_SAFE_INTEGER;
  const MIN = Number.MIN_SAFE_INTEGER;
  const EXTREME_TIMESTAMPS: [string, (number | null)[]][] = [
    ['spanning the whole safe range (written PLAIN)', [MIN, MAX, 0, null, MIN + 1]],
    ['near the top (delta-packed from a large first value)', [MAX, MAX - 5, null, MAX - 1_000_000]],
    ['near the bottom', [MIN, MIN + 3, MIN + 2 ** 40, null]],
  ];
  it.each(EXTREME_TIMESTAMPS)('timestamp-ms values %s', async (_, t) => {
    const rows: WindowRows = { timestamp: t.map((_, i) => w3600.start + i), columns: { t } };
    for (const encodings of ['compact', 'plain'] as const) {
      const { ours, theirs } = await encodeBoth(ALL_TYPES, rows, w3600, encodings, 'zstd');
      expect(await hyparquetRows(ours)).toEqual(await hyparquetRows(theirs));
      expect(hyparquetFooter(ours)).toEqual(hyparquetFooter(theirs));
      const got = await duckRows(ALL_TYPES, ours);
      expect(got).toEqual(await duckRows(ALL_TYPES, theirs));
      expect(got.map((r) => (r.t === null ? null : Number(r.t)))).toEqual(t);
    }
  });

  it.each(MODES)('one row, %s encodings, %s', async (encodings, compression) => {
    const rows: WindowRows = {
      timestamp: [w3600.start + 1234],
      columns: { f: [21.5], d: [null], s: ['x'], b: [false], l: [9n], i: [3], t: [w3600.start] },
    };
    const { ours, theirs } = await encodeBoth(ALL_TYPES, rows, w3600, encodings, compression);
    expect(await expectSameFile(ALL_TYPES, ours, theirs)).toHaveLength(1);
  });

  it.each(MODES)('10,000 rows in shuffled time order, %s encodings, %s', async (encodings, compression) => {
    const random = seededRandom(99);
    const n = 10_000;
    const pick = <T>(values: T[]) => values[Math.floor(random() * values.length)] as T;
    const rows: WindowRows = {
      timestamp: Array.from({ length: n }, () => w3600.start + Math.floor(random() * 3_600_000)),
      columns: {
        f: {
          values: new Float32Array(n).map(() => (random() - 0.5) * 1e4),
          nulls: new Uint8Array(n).map(() => (random() < 0.1 ? 1 : 0)),
        },
        d: Float64Array.from({ length: n }, () => (random() - 0.5) * 1e12),
        i: Array.from({ length: n }, () => (random() < 0.2 ? null : Math.floor((random() - 0.5) * 2 ** 32))),
        l: Array.from({ length: n }, () =>
          random() < 0.2 ? null : BigInt(Math.floor((random() - 0.5) * 2 ** 53)) * 1024n,
        ),
        b: Array.from({ length: n }, () => (random() < 0.3 ? null : random() < 0.5)),
        s: Array.from({ length: n }, () =>
          random() < 0.3 ? null : pick(['wlan-1', 'κόσμε', '', 'x'.repeat(40)]),
        ),
        t: Array.from({ length: n }, (_, i) => (i % 50 === 0 ? null : w3600.start - i * 1_000_003)),
      },
    };
    const { ours, theirs } = await encodeBoth(ALL_TYPES, rows, w3600, encodings, compression);
    expect(await expectSameFile(ALL_TYPES, ours, theirs)).toHaveLength(n);
  });

  it.each(MODES)(
    'health rows (strings, booleans, int64, doubles), %s encodings, %s',
    async (encodings, compression) => {
      const window = windowOf(Date.parse('2025-01-07T09:05:00Z'), 900);
      const n = 15;
      const rows: WindowRows = {
        timestamp: Array.from({ length: n }, (_, i) => window.start + i * 60_000),
        columns: {
          cpu_temp_c: Array.from({ length: n }, (_, i) => 50 + i / 10),
          wifi_ssid: Array.from({ length: n }, (_, i) => (i === 3 ? null : 'home-wifi')),
          clock_synced: Array.from({ length: n }, (_, i) => i > 2),
          uptime_seconds: Array.from({ length: n }, (_, i) => 3600 + i * 60),
          latitude: Array.from({ length: n }, () => 52.520008),
          longitude: Array.from({ length: n }, () => 13.404954),
          station_name: Array.from({ length: n }, () => 'Balkon Süd'),
        },
      };
      const { ours, theirs } = await encodeBoth(HEALTH_SCHEMA, rows, window, encodings, compression);
      expect(await expectSameFile(HEALTH_SCHEMA, ours, theirs)).toHaveLength(n);
    },
  );
});

/**
 * PyArrow and Polars (the reference collector's libraries) as third and fourth readers: values and
 * PyArrow's view of the statistics must be the same for both encoders' files. Needs python3 with
 * polars and pyarrow (`.ci/run` installs them); skipped, saying so, without them.
 */
const PY_READ = `
import json, sys, math
import polars as pl, pyarrow.parquet as pq
def plain(v):
    if v is None: return None
    if isinstance(v, bool): return v
    if isinstance(v, int): return str(v)
    if isinstance(v, float): return repr(v)
    if isinstance(v, bytes): return v.hex()
    if hasattr(v, "timestamp"): return str(round(v.timestamp() * 1000))
    return v
out = {}
for path in sys.argv[1:]:
    f = pq.ParquetFile(path)
    t = f.read()
    df = pl.read_parquet(path)
    md = f.metadata.row_group(0)
    stats = []
    for i in range(md.num_columns):
        s = md.column(i).statistics
        stats.append(None if s is None else {
            "has_min_max": s.has_min_max, "null_count": s.null_count,
            "min": plain(s.min) if s.has_min_max else None, "max": plain(s.max) if s.has_min_max else None,
        })
    out[path] = {
        "schema": str(t.schema.remove_metadata()),
        "pyarrow": {c: [plain(v) for v in t.column(c).to_pylist()] for c in t.column_names},
        "polars": {c: [plain(v) for v in df[c].to_list()] for c in df.columns},
        "stats": stats,
    }
print(json.dumps(out))
`;

describe.skipIf(pythonReadersMissing !== null)(
  `PyArrow and Polars read both encoders' files alike${pythonReadersMissing ? ` (skipped: ${pythonReadersMissing})` : ''}`,
  () => {
    it('edge values and realistic sensor rows, both encodings modes', async () => {
      const window = windowOf(Date.parse('2025-01-07T09:05:00Z'), 900);
      const pairs: { ours: string; theirs: string }[] = [];
      for (const encodings of ['compact', 'plain'] as const) {
        pairs.push(await encodeBoth(ALL_TYPES, EDGE_ROWS, w3600, encodings, 'zstd'));
        const sensor = sensorWindowRows({ window, seed: 8, nullRate: 0.05 });
        pairs.push(await encodeBoth(SENSOR_SCHEMA, sensor, window, encodings, 'zstd'));
      }
      const paths = pairs.flatMap((p) => [p.ours, p.theirs]);
      const got = readWithPython<
        Record<string, { pyarrow: Record<string, unknown[]>; polars: unknown; stats: unknown[] }>
      >(PY_READ, paths);
      for (const { ours, theirs } of pairs) {
        expect(got[ours]).toEqual(got[theirs]);
        expect(got[ours]?.pyarrow).toEqual(got[ours]?.polars);
      }
      // The edge file through PyArrow: strings as written (a lone surrogate as U+FFFD), statistics.
      const edge = got[pairs[0]?.ours as string];
      if (!edge) throw new Error('PyArrow returned nothing for the edge file');
      expect(edge.pyarrow.s?.[8]).toBe('\ufffd lone surrogate');
      expect(edge.stats.slice(1, 7)).toEqual([
        { has_min_max: true, null_count: 4, min: String(-F32_MAX), max: String(F32_MAX) },
        { has_min_max: true, null_count: 5, min: String(-Number.MAX_VALUE), max: String(Number.MAX_VALUE) },
        { has_min_max: true, null_count: 2, min: '-2147483648', max: '2147483647' },
        { has_min_max: true, null_count: 2, min: String(-(2n ** 63n)), max: String(2n ** 63n - 1n) },
        { has_min_max: true, null_count: 2, min: false, max: true },
        { has_min_max: true, null_count: 2, min: '', max: '\u{10FFFF}'.repeat(5) },
      ]);
    }, 60_000);
  },
);

describe('opensensorEncoder input', () => {
  it('writes the same bytes from typed sources as from per-value arrays (`data` only)', async () => {
    const window = windowOf(Date.parse('2025-01-07T09:05:00Z'), 900);
    const columns = prepareColumns(
      SENSOR_SCHEMA,
      window,
      sensorWindowRows({ window, seed: 4, nullRate: 0.1 }),
    );
    expect(columns.sources?.filter((s) => s.typed)).toHaveLength(19);
    const codec = await loadCodec('gzip');
    const request = { schema: SENSOR_SCHEMA, codec, metadata: METADATA, createdBy: 'test' };
    const fromSources = opensensorEncoder.encode({ ...request, columns });
    const dataOnly = { rowCount: columns.rowCount, nonFiniteNulls: 0, data: columns.data };
    const fromData = opensensorEncoder.encode({ ...request, columns: dataOnly });
    expect(Buffer.from(fromData).equals(Buffer.from(fromSources))).toBe(true);
  });
});

describe('writeWindowFile uses this encoder by default', () => {
  const window = windowOf(Date.parse('2025-01-07T09:05:00Z'), 900);
  const rows = sensorWindowRows({ window, seed: 3 });
  const write = (root: string, over: Partial<Parameters<typeof writeWindowFile>[0]> = {}) =>
    writeWindowFile({
      root: join(dir, root),
      station: 's1',
      schema: SENSOR_SCHEMA,
      window,
      rows,
      firstSeq: 1,
      lastSeq: 180,
      ...over,
    });
  const fileInfo = async (path: string) => {
    const [file] = await db.rows(`SELECT created_by FROM parquet_file_metadata('${path}')`);
    const columns = await db.rows(
      `SELECT path_in_schema AS col, encodings FROM parquet_metadata('${path}') ORDER BY column_id`,
    );
    return { createdBy: file?.created_by, encodings: new Map(columns.map((c) => [c.col, c.encodings])) };
  };

  it('for zstd and gzip, with the compact encodings, and names itself in created_by', async () => {
    for (const compression of ['zstd', 'gzip'] as const) {
      const { path } = await write(`default-${compression}`, { compression });
      const { createdBy, encodings } = await fileInfo(path);
      expect(createdBy).toBe(
        `@opensensor/parquet-hive-writer version ${WRITER_VERSION} (opensensor-parquet ${WRITER_VERSION})`,
      );
      expect(encodings.get('timestamp')).toBe('DELTA_BINARY_PACKED');
      expect(encodings.get('temperature')).toBe('BYTE_STREAM_SPLIT');
    }
    const { path } = await write('default-plain', { encodings: 'plain' });
    const { encodings } = await fileInfo(path);
    expect(new Set(encodings.values())).toEqual(new Set(['PLAIN']));
  });

  it('hands snappy to hyparquet-writer, which has the compressor, and a chosen encoder wins', async () => {
    const snappy = await write('snappy', { compression: 'snappy' });
    expect((await fileInfo(snappy.path)).createdBy).toMatch(/\(hyparquet-writer \d/);
    const chosen = await write('chosen', { encoder: hyparquetEncoder });
    expect((await fileInfo(chosen.path)).createdBy).toMatch(/\(hyparquet-writer \d/);
  });
});
