import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildLakehouse } from './build.js';
import { type Engine, openEngine } from './engine.js';
import { LakehouseStateError } from './state.js';
import { lakehouseStatus } from './status.js';
import { writeSyntheticBronze } from './testing.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 2, 10);
const A = 'station-a';
const B = 'station-b';
const engine = { threads: 1 };

let dir: string;
let bronze: string;
let db: Engine;
let n = 0;
let lakehouse: string;
/** The first build of the lake as it was written, copied for each test that starts from it. */
let base: string;
let first: Awaited<ReturnType<typeof buildLakehouse>>;

/** Every day folder (and the files in it) back-dated by a day: a lake written long ago. */
function ageBronze(): void {
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      const old = (statSync(p).mtimeMs - 86_400_000) / 1000;
      utimesSync(p, old, old);
    }
  };
  for (const root of [bronze, `${bronze}-health`]) walk(root);
}

const silverRows = async (station: string) => {
  const [r] = await db.rows(
    `SELECT count(*)::INTEGER AS n, count(DISTINCT timestamp)::INTEGER AS d FROM read_parquet('${lakehouse}/silver/readings/station=${station}/**/*.parquet')`,
  );
  return r;
};

const dayFolder = (station: string, day: number) =>
  join(bronze, `station=${station}`, 'year=2026', 'month=03', `day=${String(day).padStart(2, '0')}`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'os-lake-state-'));
  bronze = join(dir, 'output');
  db = await openEngine({ threads: 1 });
  for (const station of [A, B])
    await writeSyntheticBronze({ root: bronze, station, from: T0, to: T0 + 48 * HOUR, intervalMs: 60_000 });
  ageBronze();
  base = join(dir, 'base');
  first = await buildLakehouse({ from: bronze, lakehouse: base, engine });
}, 300_000);

afterAll(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  lakehouse = join(dir, `lakehouse-${++n}`);
  cpSync(base, lakehouse, { recursive: true, filter: (src) => !src.endsWith('.lock') });
});

// 2 stations × 2 days × (data + health) folders; 96 data and 96 health files a station-day.
const FOLDERS = 8;
const FILES = 2 * 2 * 2 * 96;

describe('what the lake jobs remember of bronze', () => {
  it('a folder left alone is remembered by its mtime: a build with nothing new looks into no folder', async () => {
    expect(first).toMatchObject({ upToDate: false, bronzeFiles: FILES, foldersLookedInto: FOLDERS });
    const again = await buildLakehouse({ from: bronze, lakehouse, engine });
    expect(again).toMatchObject({
      upToDate: true,
      bronzeFiles: FILES,
      foldersLookedInto: 0,
      newFiles: 0,
      stationDays: 0,
    });
    const status = await lakehouseStatus({ from: bronze, lakehouse });
    expect(status.bronze).toEqual({ files: FILES, consumed: FILES, pending: 0 });
  }, 180_000);

  it('a day folder removed (retention) is forgotten; silver keeps its readings; put back, it is consumed again', async () => {
    const before = await silverRows(A);
    const folder = dayFolder(A, 10);
    const aside = join(dir, 'aside');
    renameSync(folder, aside);
    try {
      const without = await buildLakehouse({ from: bronze, lakehouse, engine });
      expect(without).toMatchObject({ upToDate: true, bronzeFiles: FILES - 96 });
      const memory = readFileSync(join(lakehouse, '_state', 'bronze', `station=${A}.json`), 'utf8');
      expect(memory).not.toContain('day=10/data_');
      expect(memory).toContain('day=11/data_');
      expect(await silverRows(A)).toEqual(before);
    } finally {
      renameSync(aside, folder);
    }
    const back = await buildLakehouse({ from: bronze, lakehouse, engine });
    expect(back).toMatchObject({ upToDate: false, newFiles: 96, foldersLookedInto: 1, stationDays: 1 });
    expect(await silverRows(A)).toEqual(before);
  }, 180_000);

  it('the first layout of the memory (one file) is converted without rebuilding anything', async () => {
    const state = join(lakehouse, '_state');
    const files: Record<string, unknown> = {};
    for (const name of readdirSync(join(state, 'bronze')))
      Object.assign(files, JSON.parse(readFileSync(join(state, 'bronze', name), 'utf8')).files);
    expect(Object.keys(files)).toHaveLength(FILES);
    rmSync(join(state, 'bronze'), { recursive: true });
    writeFileSync(join(state, 'bronze.json'), JSON.stringify({ version: 1, files }));

    const converted = await buildLakehouse({ from: bronze, lakehouse, engine });
    expect(converted).toMatchObject({ upToDate: true, foldersLookedInto: FOLDERS, stationDays: 0 });
    expect(JSON.parse(readFileSync(join(state, 'bronze.json'), 'utf8')).version).toBe(2);
    expect(readdirSync(join(state, 'bronze')).sort()).toEqual([`station=${A}.json`, `station=${B}.json`]);
    expect(await buildLakehouse({ from: bronze, lakehouse, engine })).toMatchObject({
      upToDate: true,
      foldersLookedInto: 0,
    });
  }, 180_000);

  it('a station whose memory of files is lost is looked into whole and rebuilt, to the same silver', async () => {
    const before = await silverRows(A);
    rmSync(join(lakehouse, '_state', 'bronze', `station=${A}.json`));
    const rebuilt = await buildLakehouse({ from: bronze, lakehouse, engine });
    expect(rebuilt).toMatchObject({
      upToDate: false,
      newFiles: FILES / 2,
      foldersLookedInto: FOLDERS / 2,
      stationDays: 2,
    });
    expect(await silverRows(A)).toEqual(before);
  }, 180_000);

  it('a damaged memory is refused with what to do, and nothing is written', async () => {
    writeFileSync(join(lakehouse, '_state', 'bronze.json'), '{"version": 2, "folders": ');
    const catalog = readFileSync(join(lakehouse, 'catalog.json'), 'utf8');
    const err = await buildLakehouse({ from: bronze, lakehouse, engine }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LakehouseStateError);
    expect((err as Error).message).toMatch(
      /_state\/bronze\.json is not a lakehouse state file.*Delete the folder .*_state and build again/,
    );
    expect(readFileSync(join(lakehouse, 'catalog.json'), 'utf8')).toBe(catalog);
  }, 180_000);

  it('a file added to a settled folder: that folder is looked into and its station-day rebuilt', async () => {
    const before = await silverRows(A);
    // A late second file for a window of the first day (a restart inside the window), written by rename.
    const added = await writeSyntheticBronze({
      root: bronze,
      station: A,
      from: T0 + 10 * HOUR,
      to: T0 + 10 * HOUR + 15 * 60_000,
      intervalMs: 30_000,
      firstSeq: 1_000_000,
    });
    expect((await lakehouseStatus({ from: bronze, lakehouse })).bronze.pending).toBe(2);
    const late = await buildLakehouse({ from: bronze, lakehouse, engine });
    expect(late).toMatchObject({
      upToDate: false,
      newFiles: 2,
      changedFiles: 0,
      foldersLookedInto: 2,
      stationDays: 1,
      bronzeFiles: FILES + 2,
    });
    // 15 readings at the half minutes are new; the 15 at the whole minutes were there already.
    expect(await silverRows(A)).toEqual({ n: (before?.n as number) + 15, d: (before?.d as number) + 15 });
    // The new file and its folder are recent: the next build compares its files again, and finds nothing.
    expect(await buildLakehouse({ from: bronze, lakehouse, engine })).toMatchObject({
      upToDate: true,
      foldersLookedInto: 2,
    });
    // Clean up for the other tests: the late files go, and they are forgotten.
    expect(added.files).toHaveLength(2);
    for (const f of added.files) rmSync(f);
    ageBronze();
  }, 180_000);

  it('a file replaced in place under the same name in a settled folder is seen with rescan', async () => {
    // The late file's test aged the folders: one build to know them again, with nothing to rebuild.
    expect(await buildLakehouse({ from: bronze, lakehouse, engine })).toMatchObject({ upToDate: true });
    const target = join(dayFolder(B, 11), 'data_0600.parquet');
    const copy = join(dir, 'rewritten.parquet');
    // The same window with one reading dropped, written by another program, copied over in place:
    // the folder's mtime does not change.
    await db.run(
      `COPY (SELECT * FROM read_parquet('${target}', hive_partitioning = false) ORDER BY timestamp OFFSET 1) TO '${copy}' (FORMAT parquet)`,
    );
    const folderMtime = statSync(dayFolder(B, 11)).mtimeMs;
    writeFileSync(target, readFileSync(copy));
    expect(statSync(dayFolder(B, 11)).mtimeMs).toBe(folderMtime);

    // Documented: not seen by a plain build (the folder is remembered by its mtime) …
    expect(await buildLakehouse({ from: bronze, lakehouse, engine })).toMatchObject({ upToDate: true });
    // … and seen by --rescan, which rebuilds exactly its day; silver keeps the reading the file lost.
    const before = await silverRows(B);
    const rescan = await buildLakehouse({ from: bronze, lakehouse, engine, rescan: true });
    expect(rescan).toMatchObject({
      upToDate: false,
      changedFiles: 1,
      newFiles: 0,
      foldersLookedInto: FOLDERS,
      stationDays: 1,
    });
    expect(await silverRows(B)).toEqual(before);
    ageBronze();
  }, 180_000);
});
