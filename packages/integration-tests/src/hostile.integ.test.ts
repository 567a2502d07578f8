import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LakeReader, lakeGlob, openLakeReader } from '@opensensor/parquet-hive-writer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duplicateReadings, listFiles } from './lake.js';
import { assertBuilt, CliProcess, childEnv, runCli, type TempDir, tempDir } from './processes.js';

/**
 * What a hostile but ordinary operator does to a station: Ctrl-C and kill -9 in the middle of a
 * backfill and run it again, fill the disk, … Each case ends with DuckDB counting the lake: every
 * reading exactly once.
 */

const HOUR = 3_600_000;
const PER_DAY = 17_280; // a reading every 5 s

let reader: LakeReader;
beforeAll(async () => {
  reader = await openLakeReader();
});
afterAll(() => reader?.close());

async function lakeCounts(root: string): Promise<{ n: number; distinct: number; min: number; max: number }> {
  const [row] = await reader.rows(
    `SELECT count(*)::INTEGER AS n, count(DISTINCT (station, timestamp))::INTEGER AS distinct,
            min(epoch_ms(timestamp))::DOUBLE AS min, max(epoch_ms(timestamp))::DOUBLE AS max
     FROM ${lakeGlob(root)}`,
  );
  return row as { n: number; distinct: number; min: number; max: number };
}

/** Waits (generously: a busy machine is slow) until the backfill has written at least `n` data files. */
async function waitForDataFiles(root: string, n: number, p: CliProcess): Promise<void> {
  const until = Date.now() + 60_000;
  for (;;) {
    const files = existsSync(root) ? listFiles(root).filter((f) => /data_\d{4}\.parquet$/.test(f)) : [];
    if (files.length >= n) return;
    if (!p.running) throw new Error(`the backfill exited before writing ${n} files:\n${p.stderr}`);
    if (Date.now() > until) throw new Error(`no ${n} data files within 60 s:\n${p.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('an interrupted backfill, run again with the same arguments', () => {
  let dir: TempDir;
  beforeAll(() => {
    dir = tempDir('hostile-backfill');
  });
  afterAll(() => dir?.remove());

  const start = Date.UTC(2026, 9, 1);
  const end = start + 3 * 24 * HOUR;
  const args = (output: string) => [
    'backfill',
    '--start',
    new Date(start).toISOString(),
    '--end',
    new Date(end).toISOString(),
    '--output',
    output,
    '--seed',
    's3',
  ];

  it('after Ctrl-C: the first run says what it wrote and how to continue; the second completes it, every reading once', async () => {
    const output = join(dir.path, 'sigint');
    const env = { OPENSENSOR_STATE_DIR: join(dir.path, 'state-sigint') };
    const first = new CliProcess('sim', args(output), { cwd: dir.path, env });
    await waitForDataFiles(output, 5, first);
    first.signal('SIGINT');
    const exit = await first.exited;
    expect(exit.code, first.stderr).toBe(130);
    expect(first.stdout).toMatch(/^Backfill interrupted at 2026-10-0\dT[\d:.]+Z \(station [0-9a-f-]+\)\.$/m);
    expect(first.stdout).toMatch(/^Written: \d+ readings in \d+ files/m);
    expect(first.stdout).toContain(
      `To continue, run the same command again:\n  opensensor-sim ${args(output).join(' ')}\n`,
    );
    const partial = await lakeCounts(output);
    expect(partial.n).toBe(partial.distinct);
    expect(partial.n).toBeLessThan(3 * PER_DAY);

    const second = await runCli('sim', [...args(output), '--json'], {
      cwd: dir.path,
      env,
      timeoutMs: 120_000,
    });
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({
      completed: true,
      resumedAfterExisting: 1,
      lostReadings: 0,
    });
    expect(await duplicateReadings(reader, output)).toEqual([]);
    expect(await lakeCounts(output)).toEqual({
      n: 3 * PER_DAY,
      distinct: 3 * PER_DAY,
      min: start,
      max: end - 5000,
    });
  }, 180_000);

  it('after kill -9: the second run completes it, every reading once', async () => {
    const output = join(dir.path, 'sigkill');
    const env = { OPENSENSOR_STATE_DIR: join(dir.path, 'state-sigkill') };
    const first = new CliProcess('sim', args(output), { cwd: dir.path, env });
    await waitForDataFiles(output, 8, first);
    const exit = await first.kill();
    expect(exit.signal).toBe('SIGKILL');
    const second = await runCli('sim', [...args(output), '--json'], {
      cwd: dir.path,
      env,
      timeoutMs: 120_000,
    });
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ completed: true, lostReadings: 0 });
    expect(await duplicateReadings(reader, output)).toEqual([]);
    expect(await lakeCounts(output)).toEqual({
      n: 3 * PER_DAY,
      distinct: 3 * PER_DAY,
      min: start,
      max: end - 5000,
    });
  }, 180_000);
});

describe('a backfill on a disk that fills up', () => {
  let dir: TempDir;
  beforeAll(() => {
    dir = tempDir('hostile-disk');
  });
  afterAll(() => dir?.remove());

  it('exits 1 naming the full disk and the readings lost; after space is freed the same command completes, every reading once', async () => {
    // A 2 MB tmpfs in a private mount namespace (unshare: as root, or as a user where user namespaces
    // are allowed), so that nothing stays mounted whatever happens to the test.
    const fs = join(dir.path, 'fs');
    const out = join(dir.path, 'out');
    mkdirSync(fs);
    mkdirSync(out);
    const start = '2026-10-01T00:00:00Z';
    const backfill = `"$NODE" "$SIM" backfill --start ${start} --end 2026-10-04T00:00:00Z --output "$FS/lake" --seed s3 --json`;
    const script = [
      'set -u',
      'mount -t tmpfs -o size=2m tmpfs "$FS" || exit 90',
      'cd "$FS"',
      `${backfill} > "$OUT/first.json" 2> "$OUT/first.err"; echo $? > "$OUT/first.code"`,
      // The operator frees space: the tmpfs grows.
      'mount -o remount,size=64m "$FS" || exit 91',
      `${backfill} > "$OUT/second.json" 2> "$OUT/second.err"; echo $? > "$OUT/second.code"`,
      'cp -r "$FS/lake" "$OUT/lake"',
    ].join('\n');
    const r = spawnSync('unshare', ['--mount', '--map-root-user', 'sh', '-c', script], {
      env: childEnv({
        NODE: process.execPath,
        SIM: assertBuilt('sim'),
        FS: fs,
        OUT: out,
        OPENSENSOR_STATE_DIR: join(fs, 'state'),
      }),
      encoding: 'utf8',
      timeout: 150_000,
    });
    if (r.error || r.status === 90)
      throw new Error(
        `this test needs unshare (util-linux) and the right to mount a tmpfs in a private namespace: ${r.error?.message ?? r.stderr}`,
      );
    expect(r.status, r.stderr).toBe(0);

    const read = (name: string) => readFileSync(join(out, name), 'utf8');
    expect(read('first.code').trim()).toBe('1');
    const first = JSON.parse(read('first.json'));
    expect(first).toMatchObject({ completed: false, interrupted: false, lostReadings: 1 });
    expect(first.failure).toMatch(/The disk holding .* is full/);
    expect(first.continueWith).toContain('opensensor-sim backfill --start 2026-10-01T00:00:00Z');
    // One error line for the reading that could not be journaled, not one per later reading.
    expect(read('first.err').match(/this reading is lost/g)?.length).toBe(1);

    expect(read('second.code').trim(), read('second.err')).toBe('0');
    expect(JSON.parse(read('second.json'))).toMatchObject({ completed: true, lostReadings: 0 });
    expect(await duplicateReadings(reader, join(out, 'lake'))).toEqual([]);
    expect(await lakeCounts(join(out, 'lake'))).toEqual({
      n: 3 * PER_DAY,
      distinct: 3 * PER_DAY,
      min: Date.parse(start),
      max: Date.parse('2026-10-04T00:00:00Z') - 5000,
    });
  }, 180_000);
});
