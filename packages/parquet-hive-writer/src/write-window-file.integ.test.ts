import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cleanupTempFiles } from './atomic-file.js';
import { type LakeReader, lakeGlob, openLakeReader as openReader } from './duckdb-reader.js';
import { HYPARQUET_WRITER_VERSION } from './encoder.js';
import {
  BatchOverlapError,
  FileConflictError,
  LakeOptionsError,
  RowsError,
  StationIdError,
} from './errors.js';
import { hivePath } from './hive-path.js';
import type { MaskedColumn, WindowRows } from './rows.js';
import { HEALTH_SCHEMA, SENSOR_SCHEMA } from './schemas.js';
import { sensorWindowRows } from './testing.js';
import { windowOf } from './window.js';
import { listWindowFiles, WRITER_VERSION, writeWindowFile } from './write-window-file.js';

let db: LakeReader;
let root: string;
let scratch: string;
beforeAll(async () => {
  db = await openReader();
  scratch = mkdtempSync(join(tmpdir(), 'lake-'));
});
afterAll(() => {
  db.close();
  rmSync(scratch, { recursive: true, force: true });
});
let n = 0;
beforeEach(() => {
  n += 1;
  root = join(scratch, `t${n}`, 'output');
});

const station = '0191b1a2-7c3e-7d4f-8a9b-123456789abc';
const w0915 = windowOf(Date.parse('2025-01-07T09:05:00Z'), 900);

function write(over: Partial<Parameters<typeof writeWindowFile>[0]> & { rows: WindowRows }) {
  return writeWindowFile({
    root,
    station,
    schema: SENSOR_SCHEMA,
    window: w0915,
    firstSeq: 1,
    lastSeq: over.rows.timestamp.length,
    ...over,
  });
}

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** The value a FLOAT column must read back as: float32 of the input, null where masked. */
function expectedFloats(column: MaskedColumn): (number | null)[] {
  return Array.from(column.values, (v, i) => (column.nulls[i] ? null : Math.fround(v)));
}

describe('writeWindowFile → DuckDB', () => {
  it('writes the lake contract: types, partition columns and every value exactly', async () => {
    const rows = sensorWindowRows({ window: w0915, seed: 7, nullRate: 0.05 });
    const result = await write({ rows });
    expect(result).toMatchObject({
      status: 'written',
      rows: 180,
      suffixed: false,
      fileName: 'data_0915.parquet',
    });
    expect(result.path).toBe(hivePath({ root, station, window: w0915 }));

    const types = Object.fromEntries(
      (await db.rows(`DESCRIBE SELECT * FROM ${lakeGlob(root)}`)).map((r) => [r.column_name, r.column_type]),
    );
    expect(types.timestamp).toBe('TIMESTAMP WITH TIME ZONE');
    for (const c of SENSOR_SCHEMA.columns) expect(types[c.name], c.name).toBe('FLOAT');
    expect(Object.keys(types)).toEqual(expect.arrayContaining(['station', 'year', 'month', 'day']));

    const read = await db.rows(
      `SELECT epoch_ms(timestamp)::DOUBLE AS ts, station, year::INT AS year, month::INT AS month, day::INT AS day, * EXCLUDE (timestamp, station, year, month, day)
       FROM ${lakeGlob(root)} ORDER BY timestamp`,
    );
    expect(read.map((r) => r.ts)).toEqual(Array.from(rows.timestamp));
    expect(new Set(read.map((r) => `${r.station}/${r.year}/${r.month}/${r.day}`))).toEqual(
      new Set([`${station}/2025/1/7`]),
    );
    for (const c of SENSOR_SCHEMA.columns) {
      expect(
        read.map((r) => r[c.name]),
        c.name,
      ).toEqual(expectedFloats(rows.columns[c.name] as MaskedColumn));
    }
  });

  it('lays values out compactly by default (delta timestamps, split float bytes), plain on request: same values, smaller file', async () => {
    const rows = sensorWindowRows({ window: w0915, seed: 11, nullRate: 0.02 });
    const compact = await write({ rows });
    const plainRoot = join(scratch, `t${n}`, 'plain');
    const plain = await writeWindowFile({
      root: plainRoot,
      station,
      schema: SENSOR_SCHEMA,
      window: w0915,
      firstSeq: 1,
      lastSeq: 180,
      rows,
      encodings: 'plain',
    });
    const encodings = async (path: string) =>
      Object.fromEntries(
        (
          await db.rows(
            `SELECT path_in_schema AS c, encodings AS e FROM parquet_metadata('${path}') ORDER BY column_id`,
          )
        ).map((r) => [r.c, String(r.e)]),
      );
    const c = await encodings(compact.path);
    expect(c.timestamp).toContain('DELTA_BINARY_PACKED');
    for (const col of SENSOR_SCHEMA.columns) expect(c[col.name], col.name).toContain('BYTE_STREAM_SPLIT');
    const p = await encodings(plain.path);
    for (const e of Object.values(p)) expect(e).not.toMatch(/BYTE_STREAM_SPLIT|DELTA/);
    // The same values read back from both.
    const read = async (r: string) =>
      db.rows(
        `SELECT epoch_ms(timestamp)::DOUBLE AS ts, * EXCLUDE (timestamp, station, year, month, day) FROM ${lakeGlob(r)} ORDER BY timestamp`,
      );
    expect(await read(root)).toEqual(await read(plainRoot));
    expect(statSync(compact.path).size).toBeLessThan(statSync(plain.path).size);
  });

  it('puts windows either side of midnight into the right day, the 24:00 one as data_0000', async () => {
    const late = windowOf(Date.parse('2024-12-31T23:50:00Z'), 900);
    const early = windowOf(Date.parse('2025-01-01T00:00:00Z'), 900);
    await write({ window: late, rows: sensorWindowRows({ window: late }), firstSeq: 1, lastSeq: 180 });
    await write({ window: early, rows: sensorWindowRows({ window: early }), firstSeq: 181, lastSeq: 360 });
    const names = allFiles(root).map((p) => p.slice(root.length + 1));
    expect(names.sort()).toEqual([
      `station=${station}/year=2024/month=12/day=31/data_0000.parquet`,
      `station=${station}/year=2025/month=01/day=01/data_0015.parquet`,
    ]);
    const days = await db.rows(
      `SELECT year::INT y, month::INT m, day::INT d, count(*)::INT n,
              count(*) FILTER (WHERE strftime(timestamp AT TIME ZONE 'UTC', '%Y-%m-%d') <> printf('%04d-%02d-%02d', year::INT, month::INT, day::INT))::INT wrong
       FROM ${lakeGlob(root)} GROUP BY ALL ORDER BY y`,
    );
    expect(days).toEqual([
      { y: 2024, m: 12, d: 31, n: 180, wrong: 0 },
      { y: 2025, m: 1, d: 1, n: 180, wrong: 0 },
    ]);
  });

  it('writes footer metadata and column statistics', async () => {
    const rows = sensorWindowRows({ window: w0915, seed: 3 });
    const { path } = await write({
      rows,
      firstSeq: 1000,
      lastSeq: 1179,
      metadata: { 'board.revision': 'enviro+ v1' },
    });
    const kv = Object.fromEntries(
      (await db.rows(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${path}')`)).map(
        (r) => [r.k, r.v],
      ),
    );
    expect(kv).toEqual({
      'opensensor.schema': 'enviroplus',
      'opensensor.schema_version': '1',
      'opensensor.writer': '@opensensor/parquet-hive-writer',
      'opensensor.writer_version': WRITER_VERSION,
      'opensensor.station': station,
      'opensensor.first_seq': '1000',
      'opensensor.last_seq': '1179',
      'opensensor.window_start': '2025-01-07T09:00:00.000Z',
      'opensensor.window_end': '2025-01-07T09:15:00.000Z',
      'board.revision': 'enviro+ v1',
    });
    const meta = await db.rows(
      `SELECT path_in_schema AS col, stats_min_value AS stats_min, stats_max_value AS stats_max, stats_null_count::INT AS nulls, compression
       FROM parquet_metadata('${path}')`,
    );
    expect(meta).toHaveLength(20);
    const temp = rows.columns.temperature as MaskedColumn;
    const present = expectedFloats(temp).filter((v): v is number => v !== null);
    const t = meta.find((m) => m.col === 'temperature');
    expect(Number(t?.stats_min)).toBeCloseTo(Math.min(...present), 4);
    expect(Number(t?.stats_max)).toBeCloseTo(Math.max(...present), 4);
    expect(t?.nulls).toBe(temp.nulls.reduce((a, b) => a + b, 0));
    for (const m of meta) expect(m.stats_min, String(m.col)).not.toBeNull();
    expect(new Set(meta.map((m) => m.compression))).toEqual(new Set(['ZSTD']));
    const [fileMeta] = await db.rows(`SELECT created_by FROM parquet_file_metadata('${path}')`);
    expect(fileMeta?.created_by).toBe(
      `@opensensor/parquet-hive-writer version ${WRITER_VERSION} (opensensor-parquet ${WRITER_VERSION})`,
    );
    const schema = await db.rows(
      `SELECT name, logical_type FROM parquet_schema('${path}') WHERE name = 'timestamp'`,
    );
    expect(String(schema[0]?.logical_type)).toMatch(/isAdjustedToUTC=1.*MILLIS|MILLIS.*isAdjustedToUTC=1/s);
  });

  it('writes the health stream with its own schema and prefix', async () => {
    const w = windowOf(Date.parse('2025-01-07T09:05:00Z'), 900);
    const healthRoot = `${root}-health`;
    const t0 = w.start;
    const result = await writeWindowFile({
      root: healthRoot,
      station,
      schema: HEALTH_SCHEMA,
      window: w,
      prefix: 'health',
      firstSeq: 10,
      lastSeq: 11,
      rows: {
        timestamp: [t0, t0 + 60_000],
        columns: {
          cpu_temp_c: [48.3, 49.1],
          wifi_ssid: ['lab', null],
          clock_synced: [false, true],
          uptime_seconds: [86_400, 86_460n],
          throttled_hex: ['0x50000', '0x0'],
        },
      },
    });
    expect(result.fileName).toBe('health_0915.parquet');
    const read = await db.rows(
      `SELECT typeof(wifi_ssid) ts, typeof(clock_synced) tb, typeof(uptime_seconds) tu, typeof(cpu_temp_c) tf,
              wifi_ssid, clock_synced, uptime_seconds::INT AS up, throttled_hex, ip_address
       FROM ${lakeGlob(healthRoot)} ORDER BY timestamp`,
    );
    expect(read).toEqual([
      {
        ts: 'VARCHAR',
        tb: 'BOOLEAN',
        tu: 'BIGINT',
        tf: 'FLOAT',
        wifi_ssid: 'lab',
        clock_synced: false,
        up: 86_400,
        throttled_hex: '0x50000',
        ip_address: null,
      },
      {
        ts: 'VARCHAR',
        tb: 'BOOLEAN',
        tu: 'BIGINT',
        tf: 'FLOAT',
        wifi_ssid: null,
        clock_synced: true,
        up: 86_460,
        throttled_hex: '0x0',
        ip_address: null,
      },
    ]);
  });
});

describe('replays, second batches and overlaps', () => {
  it('a replay of the same journal range is identical: same name, same bytes, no rewrite', async () => {
    const rows = sensorWindowRows({ window: w0915, seed: 1 });
    const first = await write({ rows, firstSeq: 500, lastSeq: 679 });
    const before = readFileSync(first.path);
    const mtime = statSync(first.path).mtimeMs;
    const again = await write({ rows, firstSeq: 500, lastSeq: 679 });
    expect(again).toMatchObject({ status: 'identical', path: first.path, rows: 180, bytes: before.length });
    expect(readFileSync(first.path).equals(before)).toBe(true);
    expect(statSync(first.path).mtimeMs).toBe(mtime);
    expect(allFiles(root)).toEqual([first.path]);
    const [{ n } = {}] = await db.rows(`SELECT count(*)::INT n FROM ${lakeGlob(root)}`);
    expect(n).toBe(180);
  });

  it('a different batch for the same window goes to data_HHMM_<firstSeq> and is never overwritten', async () => {
    const before = sensorWindowRows({ window: w0915, seed: 2 });
    const partial = {
      timestamp: before.timestamp.slice(0, 100),
      columns: { temperature: [...Array(100)].map(() => 20) },
    };
    const rest = {
      timestamp: before.timestamp.slice(100),
      columns: { temperature: [...Array(80)].map(() => 21) },
    };
    const a = await write({ rows: partial, firstSeq: 1, lastSeq: 100 });
    const b = await write({ rows: rest, firstSeq: 101, lastSeq: 180 });
    expect(b).toMatchObject({ status: 'written', suffixed: true, fileName: 'data_0915_101.parquet' });
    expect(dirname(b.path)).toBe(dirname(a.path));
    const replay = await write({ rows: rest, firstSeq: 101, lastSeq: 180 });
    expect(replay).toMatchObject({ status: 'identical', path: b.path, suffixed: true });
    const counts = await db.rows(
      `SELECT temperature, count(*)::INT n, count(DISTINCT timestamp)::INT d FROM ${lakeGlob(root)} GROUP BY ALL ORDER BY 1`,
    );
    expect(counts).toEqual([
      { temperature: 20, n: 100, d: 100 },
      { temperature: 21, n: 80, d: 80 },
    ]);
    expect(await listWindowFiles({ root, station, window: w0915 })).toEqual(
      expect.arrayContaining([
        { path: a.path, rows: 100, firstSeq: 1n, lastSeq: 100n },
        { path: b.path, rows: 80, firstSeq: 101n, lastSeq: 180n },
      ]),
    );
  });

  it('refuses a batch that overlaps a file already written for the window, and writes nothing', async () => {
    const rows = sensorWindowRows({ window: w0915, seed: 4 });
    const part = { timestamp: rows.timestamp.slice(0, 50), columns: {} };
    const a = await write({ rows: part, firstSeq: 1, lastSeq: 50 });
    const err = await write({ rows, firstSeq: 1, lastSeq: 180 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BatchOverlapError);
    expect((err as BatchOverlapError).existing).toEqual({
      path: a.path,
      rows: 50,
      firstSeq: 1n,
      lastSeq: 50n,
    });
    expect((err as Error).message).toMatch(/write only records with seq > 50/);
    expect(allFiles(root)).toEqual([a.path]);
  });

  it('two different batches racing for one window both land, one of them suffixed', async () => {
    const rows = sensorWindowRows({ window: w0915, seed: 5 });
    const [x, y] = await Promise.all([
      write({ rows: { timestamp: rows.timestamp.slice(0, 90), columns: {} }, firstSeq: 1, lastSeq: 90 }),
      write({ rows: { timestamp: rows.timestamp.slice(90), columns: {} }, firstSeq: 91, lastSeq: 180 }),
    ]);
    expect([x.suffixed, y.suffixed].sort()).toEqual([false, true]);
    const [{ n } = {}] = await db.rows(`SELECT count(DISTINCT timestamp)::INT n FROM ${lakeGlob(root)}`);
    expect(n).toBe(180);
  });

  it('treats an unreadable file at the plain name as taken, and refuses when the suffixed name is too', async () => {
    const path = hivePath({ root, station, window: w0915 });
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, 'not parquet');
    const rows = sensorWindowRows({ window: w0915 });
    const result = await write({ rows, firstSeq: 7, lastSeq: 186 });
    expect(result.fileName).toBe('data_0915_7.parquet');
    writeFileSync(join(dirname(path), 'data_0915_300.parquet'), 'junk');
    const err = await write({ rows, firstSeq: 300, lastSeq: 479 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileConflictError);
    expect(readFileSync(path, 'utf8')).toBe('not parquet');
  });
});

describe('atomic files', () => {
  it('a crash between temp write and rename leaves no visible partial file; cleanup and replay recover', async () => {
    const rows = sensorWindowRows({ window: w0915, seed: 9 });
    const earlier = windowOf(w0915.start - 1, 900);
    await write({ window: earlier, rows: sensorWindowRows({ window: earlier }), firstSeq: 1, lastSeq: 180 });
    const crashed = join(dirname(root), 'after-crash');
    let seenTemp = '';
    await write({
      rows,
      firstSeq: 181,
      lastSeq: 360,
      onTempFileWritten: async (tempPath) => {
        seenTemp = tempPath;
        // This instant is what a power cut leaves on disk: copy it and examine the copy afterwards.
        cpSync(root, crashed, { recursive: true });
        expect(statSync(tempPath).size).toBeGreaterThan(0);
        const [{ n } = {}] = await db.rows(`SELECT count(*)::INT n FROM ${lakeGlob(root)}`);
        expect(n).toBe(180);
      },
    });
    expect(seenTemp).toMatch(/\/\.data_0915\.parquet\.\d+\.\d+\.tmp$/);
    expect(allFiles(root).some((p) => p.endsWith('.tmp'))).toBe(false);

    const crashedFiles = allFiles(crashed).map((p) => p.slice(crashed.length + 1));
    expect(crashedFiles.filter((p) => p.endsWith('.parquet'))).toEqual([
      `station=${station}/year=2025/month=01/day=07/data_0900.parquet`,
    ]);
    const [{ n } = {}] = await db.rows(`SELECT count(*)::INT n FROM ${lakeGlob(crashed)}`);
    expect(n).toBe(180);
    const removed = await cleanupTempFiles(crashed);
    expect(removed.map((p) => p.slice(crashed.length + 1))).toEqual([seenTemp.slice(root.length + 1)]);
    const replay = await writeWindowFile({
      root: crashed,
      station,
      schema: SENSOR_SCHEMA,
      window: w0915,
      rows,
      firstSeq: 181,
      lastSeq: 360,
    });
    expect(replay.status).toBe('written');
    expect(
      (
        await writeWindowFile({
          root: crashed,
          station,
          schema: SENSOR_SCHEMA,
          window: w0915,
          rows,
          firstSeq: 181,
          lastSeq: 360,
        })
      ).status,
    ).toBe('identical');
    const [{ total } = {}] = await db.rows(
      `SELECT count(DISTINCT timestamp)::INT total FROM ${lakeGlob(crashed)}`,
    );
    expect(total).toBe(360);
  });

  it.each([
    ['a torn temp file (power cut while writing it)', 'torn'],
    ['the final name taken but the temp name not yet removed', 'linked'],
  ] as const)(
    'recovers from %s: each reading is found exactly once after cleanup and replay',
    async (_name, state) => {
      const rows = sensorWindowRows({ window: w0915, seed: 11 });
      const path = hivePath({ root, station, window: w0915 });
      const dir = dirname(path);
      const temp = join(dir, '.data_0915.parquet.999.1.tmp');
      if (state === 'torn') {
        const complete = join(dirname(root), 'complete');
        const full = await writeWindowFile({
          root: complete,
          station,
          schema: SENSOR_SCHEMA,
          window: w0915,
          rows,
          firstSeq: 1,
          lastSeq: 180,
        });
        mkdirSync(dir, { recursive: true });
        writeFileSync(temp, readFileSync(full.path).subarray(0, 4000));
      } else {
        await write({ rows, firstSeq: 1, lastSeq: 180 });
        writeFileSync(temp, readFileSync(path));
      }
      const visible = db.rows(`SELECT count(*)::INT n FROM ${lakeGlob(root)}`);
      // DuckDB's glob sees no file at all when only the torn temp file exists.
      if (state === 'torn') await expect(visible).rejects.toThrow(/No files found/);
      else expect(await visible).toEqual([{ n: 180 }]);
      expect(await cleanupTempFiles(root)).toEqual([temp]);
      const replay = await write({ rows, firstSeq: 1, lastSeq: 180 });
      expect(replay.status).toBe(state === 'torn' ? 'written' : 'identical');
      const [{ total, uniq } = {}] = await db.rows(
        `SELECT count(*)::INT total, count(DISTINCT timestamp)::INT uniq FROM ${lakeGlob(root)}`,
      );
      expect([total, uniq]).toEqual([180, 180]);
      expect(readdirSync(dir)).toEqual(['data_0915.parquet']);
    },
  );

  it('an error before the rename removes the temp file and leaves no final file', async () => {
    const err = await write({
      rows: sensorWindowRows({ window: w0915 }),
      onTempFileWritten: () => {
        throw new Error('disk yanked');
      },
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('disk yanked');
    expect(allFiles(root)).toEqual([]);
  });

  it('nameAfter: the file is written and fsynced at once but named only after it settles, and never when it rejects', async () => {
    const dir = dirname(hivePath({ root, station, window: w0915 }));
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let encoded = 0;
    const rows = sensorWindowRows({ window: w0915 });
    const writing = write({ rows, nameAfter: gate, onEncoded: () => encoded++ });
    // The temp file appears (encoded, written, fsynced) while the name waits for the gate.
    const names = () => {
      try {
        return readdirSync(dir);
      } catch {
        return [];
      }
    };
    for (let i = 0; i < 500 && !names().some((f) => f.endsWith('.tmp')); i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(encoded).toBe(1);
    expect(names().filter((f) => f.endsWith('.tmp'))).toHaveLength(1);
    expect(names().filter((f) => f.endsWith('.parquet'))).toEqual([]);
    release();
    expect((await writing).status).toBe('written');
    expect(readdirSync(dir)).toEqual(['data_0915.parquet']);
    // An identical replay is not encoded (onEncoded is not called) and resolves only in its turn.
    let releaseAgain = () => {};
    const gateAgain = new Promise<void>((resolve) => {
      releaseAgain = resolve;
    });
    let settled = false;
    const replay = write({ rows, onEncoded: () => encoded++, nameAfter: gateAgain }).then((r) => {
      settled = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    releaseAgain();
    expect((await replay).status).toBe('identical');
    expect(encoded).toBe(1);

    const w0930 = windowOf(Date.parse('2025-01-07T09:20:00Z'), 900);
    const failed = new Error('the file before this one could not be written');
    const err = await write({
      rows: sensorWindowRows({ window: w0930 }),
      window: w0930,
      firstSeq: 1000,
      lastSeq: 1179,
      nameAfter: Promise.reject(failed),
    }).catch((e: unknown) => e);
    expect(err).toBe(failed);
    // Neither a name nor a temp file is left behind.
    expect(readdirSync(dir)).toEqual(['data_0915.parquet']);
  });

  it('cleanupTempFiles removes only temp files and accepts a missing root', async () => {
    await write({ rows: sensorWindowRows({ window: w0915 }) });
    const dir = dirname(hivePath({ root, station, window: w0915 }));
    writeFileSync(join(dir, '.data_0930.parquet.1.1.tmp'), 'partial');
    writeFileSync(join(dir, 'notes.txt'), 'keep');
    expect((await cleanupTempFiles(root)).map((p) => p.slice(dir.length + 1))).toEqual([
      '.data_0930.parquet.1.1.tmp',
    ]);
    expect(readdirSync(dir).sort()).toEqual(['data_0915.parquet', 'notes.txt']);
    expect(await cleanupTempFiles(join(root, 'missing'))).toEqual([]);
  });
});

describe('validation happens before anything touches the disk', () => {
  const cases: [
    string,
    Partial<Parameters<typeof writeWindowFile>[0]>,
    new (...a: never[]) => Error,
    RegExp,
  ][] = [
    ['path traversal in the station id', { station: '../x' }, StationIdError, /path separator/],
    ['a slash station id', { station: '/' }, StationIdError, /station id/],
    [
      'a row outside the window',
      { rows: { timestamp: [w0915.end], columns: {} } },
      RowsError,
      /outside the window/,
    ],
    [
      'a column not in the schema',
      { rows: { timestamp: [w0915.start], columns: { co2: [1] } } },
      RowsError,
      /"co2"/,
    ],
    [
      'lastSeq before firstSeq',
      { firstSeq: 5, lastSeq: 4 },
      LakeOptionsError,
      /firstSeq 5 is after lastSeq 4/,
    ],
    ['a negative sequence number', { firstSeq: -1 }, LakeOptionsError, /non-negative/],
    [
      'more rows than the seq range holds',
      { firstSeq: 1, lastSeq: 1 },
      LakeOptionsError,
      /cannot come from seq/,
    ],
    ['a reserved metadata key', { metadata: { 'opensensor.station': 'x' } }, LakeOptionsError, /reserved/],
    ['empty rows', { rows: { timestamp: [], columns: {} } }, RowsError, /empty/],
  ];
  it.each(cases)('%s', async (_name, over, type, message) => {
    const rows = over.rows ?? { timestamp: [w0915.start, w0915.start + 5000], columns: {} };
    const err = await writeWindowFile({
      root,
      station,
      schema: SENSOR_SCHEMA,
      window: w0915,
      firstSeq: 1,
      lastSeq: 10,
      ...over,
      rows,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toMatch(message);
    expect(() => readdirSync(root)).toThrow(/ENOENT/);
  });
});

it('the encoder id matches the installed hyparquet-writer', () => {
  const require = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as { version: string };
  const pkg = require(join(import.meta.dirname, '../node_modules/hyparquet-writer/package.json'));
  expect(pkg.version).toBe(HYPARQUET_WRITER_VERSION);
});
