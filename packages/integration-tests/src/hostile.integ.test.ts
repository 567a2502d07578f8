import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type LakeReader, lakeGlob, openLakeReader } from '@opensensor/parquet-hive-writer/testing';
import { type MotoServer, startMotoServer } from '@opensensor/s3-sync/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duplicateReadings, listFiles } from './lake.js';
import { assertBuilt, CliProcess, childEnv, killAll, runCli, type TempDir, tempDir } from './processes.js';

/**
 * What a hostile but ordinary operator does to a station: Ctrl-C and kill -9 in the middle of a
 * backfill and run it again, fill the disk, start a second writer for a station, leave broken files in
 * the lake before a sync. Each case ends with DuckDB counting the lake: every
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

  /** The same command again completes the range: the lake holds every reading of it once. */
  async function runAgainAndCheck(output: string, env: Record<string, string>): Promise<void> {
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
  }

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

    await runAgainAndCheck(output, env);
  }, 180_000);

  it('after kill -9: the second run completes it, every reading once', async () => {
    const output = join(dir.path, 'sigkill');
    const env = { OPENSENSOR_STATE_DIR: join(dir.path, 'state-sigkill') };
    const first = new CliProcess('sim', args(output), { cwd: dir.path, env });
    await waitForDataFiles(output, 8, first);
    const exit = await first.kill();
    expect(exit.signal).toBe('SIGKILL');
    await runAgainAndCheck(output, env);
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
    // The disk fills either under a journal append (that one reading is lost) or under a window write
    // (nothing is lost: the readings wait in the journal). Either way the run stops at once and says why.
    expect(first).toMatchObject({ completed: false, interrupted: false });
    expect(first.lostReadings).toBeLessThanOrEqual(1);
    expect(first.failure).toMatch(/is full|no space left on device/);
    expect(first.continueWith).toContain('opensensor-sim backfill --start 2026-10-01T00:00:00Z');
    // One error line for the reading that could not be journaled, not one per later reading.
    expect(read('first.err').match(/this reading is lost/g)?.length ?? 0).toBe(first.lostReadings);

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

describe('two writers for one station, and broken files in the lake before a sync', () => {
  let dir: TempDir;
  let moto: MotoServer;
  beforeAll(async () => {
    dir = tempDir('hostile-writers');
    moto = await startMotoServer();
    await moto.createBucket('lake');
  }, 60_000);
  afterAll(async () => {
    await moto?.stop();
    dir?.remove();
  });

  it('a backfill for the station the agent is writing is refused; run afterwards, the lake has every reading once', async () => {
    const station = '0193a5c1-4e2f-7b3a-8c1d-aaaaaaaaaaaa';
    const output = join(dir.path, 'output');
    const env = { OPENSENSOR_STATE_DIR: join(dir.path, 'state'), OPENSENSOR_LOG_JSON: 'true' };
    const agentEnv = {
      ...env,
      OPENSENSOR_STATION_ID: station,
      OPENSENSOR_OUTPUT_DIR: output,
      OPENSENSOR_READ_INTERVAL: '1',
      OPENSENSOR_BATCH_DURATION: '60',
      OPENSENSOR_LOG_LEVEL: 'info',
    };
    const agent = new CliProcess('agent', ['start', '--simulate'], { cwd: dir.path, env: agentEnv });
    try {
      await agent.waitFor(/"msg":"started"/);
      const hour = Math.floor(Date.now() / HOUR) * HOUR;
      const backfill = [
        'backfill',
        '--station-id',
        station,
        '--output',
        output,
        '--start',
        new Date(hour - 3 * HOUR).toISOString(),
        '--end',
        new Date(hour - 2 * HOUR).toISOString(),
        '--json',
      ];
      const refused = await runCli('sim', backfill, { cwd: dir.path, env });
      expect(refused.code, refused.stderr).toBe(1);
      expect(refused.stderr).toMatch(
        /is already being written to .* by process \d+ \(opensensor start --simulate\)/,
      );
      agent.signal('SIGTERM');
      expect((await agent.exited).code, agent.stderr).toBe(0);
      const after = await runCli('sim', backfill, { cwd: dir.path, env, timeoutMs: 120_000 });
      expect(after.code, after.stderr).toBe(0);
      expect(JSON.parse(after.stdout)).toMatchObject({ completed: true, rows: 720 });
      expect(await duplicateReadings(reader, output)).toEqual([]);
      const [row] = await reader.rows(
        `SELECT count(*)::INTEGER AS n FROM ${lakeGlob(output)} WHERE timestamp < epoch_ms(${hour - 2 * HOUR})::TIMESTAMPTZ`,
      );
      expect(row?.n).toBe(720);
    } finally {
      await killAll([agent]);
    }
  }, 120_000);

  it('sync never uploads a zero-byte or truncated file: both are quarantined; the lake and the bucket read in DuckDB', async () => {
    const output = join(dir.path, 'sync-lake');
    const env = {
      OPENSENSOR_STATE_DIR: join(dir.path, 'sync-state'),
      OPENSENSOR_OUTPUT_DIR: output,
      OPENSENSOR_STORAGE_PROVIDER: 'minio',
      OPENSENSOR_STORAGE_BUCKET: 'lake',
      OPENSENSOR_STORAGE_ENDPOINT: moto.endpoint,
      OPENSENSOR_AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
      OPENSENSOR_AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
    };
    const made = await runCli(
      'sim',
      [
        'backfill',
        '--start',
        '2026-10-01T00:00:00Z',
        '--end',
        '2026-10-01T01:00:00Z',
        '--output',
        output,
        '--json',
      ],
      { cwd: dir.path, env: { OPENSENSOR_STATE_DIR: env.OPENSENSOR_STATE_DIR } },
    );
    expect(made.code, made.stderr).toBe(0);
    const syncEnv = { ...env, OPENSENSOR_STATION_ID: JSON.parse(made.stdout).stationIds[0] };
    const files = listFiles(output).filter((f) => f.endsWith('.parquet'));
    expect(files).toHaveLength(4);
    // A power cut after the rename on a card that lied about fsync: one file empty, one cut short.
    const [empty, cut] = files as [string, string];
    writeFileSync(join(output, empty), '');
    truncateSync(join(output, cut), statSync(join(output, cut)).size - 100);

    const sync = await runCli('agent', ['sync', '--json'], { cwd: dir.path, env: syncEnv });
    expect(sync.code, sync.stderr).toBe(1);
    const summary = JSON.parse(sync.stdout);
    expect(summary.data).toMatchObject({ uploaded: 2, quarantined: 2 });
    expect(existsSync(join(`${output}-quarantine`, empty))).toBe(true);
    expect(existsSync(join(`${output}-quarantine`, cut))).toBe(true);
    const status = await runCli('agent', ['status', '--json'], { cwd: dir.path, env: syncEnv });
    expect(JSON.parse(status.stdout).quarantine).toMatchObject({ files: 2 });

    // Every object in the bucket and every file left in the lake reads; the readings of the good
    // files are there exactly once.
    const mirror = join(dir.path, 'bucket');
    const keys = await moto.listKeys('lake');
    expect(keys.filter((k) => k.startsWith('health/')).length).toBeGreaterThan(0);
    // The readings (the health lake goes under health/ in the same bucket).
    for (const key of keys.filter((k) => !k.startsWith('health/'))) {
      mkdirSync(dirname(join(mirror, key)), { recursive: true });
      writeFileSync(join(mirror, key), (await moto.getObject('lake', key)) as Buffer);
    }
    for (const root of [output, mirror]) {
      expect(await duplicateReadings(reader, root)).toEqual([]);
      expect((await lakeCounts(root)).n).toBe(360);
    }
    const again = await runCli('agent', ['sync', '--json'], { cwd: dir.path, env: syncEnv });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).data).toMatchObject({ uploaded: 0, quarantined: 0 });
  }, 120_000);
});
