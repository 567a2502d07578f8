import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type LakeReader, lakeGlob } from '@opensensor/parquet-hive-writer/testing';

/** Every file under `root`, as paths relative to it, sorted. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Epoch-ms timestamps of one station's readings in a lake, in order (duplicates kept). */
export async function stationTimestamps(
  reader: LakeReader,
  root: string,
  station: string,
): Promise<number[]> {
  const rows = await reader.rows(
    `SELECT epoch_ms(timestamp)::DOUBLE AS t FROM ${lakeGlob(root)} WHERE station = ${quote(station)} ORDER BY t`,
  );
  return rows.map((r) => r.t as number);
}

/** (station, timestamp) pairs that occur more than once in a lake. */
export async function duplicateReadings(
  reader: LakeReader,
  root: string,
): Promise<{ station: string; t: number; n: number }[]> {
  const rows = await reader.rows(
    `SELECT station, epoch_ms(timestamp)::DOUBLE AS t, count(*)::INTEGER AS n FROM ${lakeGlob(root)}
     GROUP BY ALL HAVING count(*) > 1 ORDER BY ALL LIMIT 20`,
  );
  return rows.map((r) => ({ station: String(r.station), t: r.t as number, n: r.n as number }));
}

/** Column name → DuckDB type of a lake, as `DESCRIBE` reports it. */
export async function lakeColumnTypes(reader: LakeReader, root: string): Promise<Record<string, string>> {
  const rows = await reader.rows(`DESCRIBE SELECT * FROM ${lakeGlob(root)}`);
  return Object.fromEntries(rows.map((r) => [String(r.column_name), String(r.column_type)]));
}
