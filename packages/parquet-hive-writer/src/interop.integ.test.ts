import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pythonReadersMissing, readWithPython } from './python-readers.js';
import type { MaskedColumn } from './rows.js';
import { HEALTH_SCHEMA, SENSOR_SCHEMA } from './schemas.js';
import { sensorWindowRows } from './testing.js';
import { windowOf } from './window.js';
import { writeWindowFile } from './write-window-file.js';

/**
 * Readers other than DuckDB: Polars and PyArrow, the reference collector's own libraries, must read the
 * files (compact and plain encodings) with every value. Needs python3 with polars and pyarrow
 * (`pip install polars pyarrow`; `.ci/run` installs them); skipped, saying so, without them.
 */

const READ = `
import json, sys
import polars as pl, pyarrow.parquet as pq
out = {}
for path in sys.argv[1:]:
    t = pq.read_table(path)
    df = pl.read_parquet(path, hive_partitioning=False)
    assert df.shape[0] == t.num_rows
    out[path] = {
        "rows": t.num_rows,
        "timestamp_type": str(t.schema.field("timestamp").type),
        "timestamps": [int(v.timestamp() * 1000) for v in df["timestamp"].to_list()],
        "columns": {c: df[c].to_list() for c in df.columns if c != "timestamp"},
        "pyarrow_equal": all(t.column(c).to_pylist() == df[c].to_list() for c in df.columns if c != "timestamp"),
    }
print(json.dumps(out))
`;

const dir = mkdtempSync(join(tmpdir(), 'lake-interop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(pythonReadersMissing !== null)(
  `Polars and PyArrow read our files${pythonReadersMissing ? ` (skipped: ${pythonReadersMissing})` : ''}`,
  () => {
    it('reads compact and plain files, sensor and health, with every value', async () => {
      const window = windowOf(Date.parse('2026-03-01T12:00:00Z'), 900);
      const rows = sensorWindowRows({ window, seed: 5, nullRate: 0.05 });
      const station = '0191b1a2-7c3e-7d4f-8a9b-123456789abc';
      const paths: string[] = [];
      for (const encodings of ['compact', 'plain'] as const) {
        const r = await writeWindowFile({
          root: join(dir, encodings),
          station,
          schema: SENSOR_SCHEMA,
          window,
          rows,
          firstSeq: 1,
          lastSeq: 180,
          encodings,
        });
        paths.push(r.path);
      }
      const health = await writeWindowFile({
        root: join(dir, 'health'),
        station,
        schema: HEALTH_SCHEMA,
        window,
        rows: { timestamp: [window.start + 60_000], columns: { cpu_temp_c: [51.5], clock_synced: [true] } },
        firstSeq: 1,
        lastSeq: 1,
        prefix: 'health',
      });
      paths.push(health.path);
      const got = readWithPython<
        Record<
          string,
          {
            rows: number;
            timestamp_type: string;
            timestamps: number[];
            columns: Record<string, (number | boolean | string | null)[]>;
            pyarrow_equal: boolean;
          }
        >
      >(READ, paths);
      for (const path of paths.slice(0, 2)) {
        const g = got[path];
        expect(g?.rows, path).toBe(180);
        expect(g?.timestamp_type).toBe('timestamp[ms, tz=UTC]');
        expect(g?.timestamps).toEqual(Array.from(rows.timestamp));
        expect(g?.pyarrow_equal).toBe(true);
        for (const c of SENSOR_SCHEMA.columns) {
          const col = rows.columns[c.name] as MaskedColumn;
          expect(g?.columns[c.name], c.name).toEqual(
            Array.from(col.values, (v, i) => (col.nulls[i] ? null : Math.fround(v))),
          );
        }
      }
      const h = got[health.path];
      expect(h?.rows).toBe(1);
      expect(h?.columns.cpu_temp_c).toEqual([51.5]);
      expect(h?.columns.clock_synced).toEqual([true]);
    }, 60_000);
  },
);
