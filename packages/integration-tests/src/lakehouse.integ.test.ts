import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type LakeReader, lakeGlob, openLakeReader } from '@opensensor/parquet-hive-writer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFiles } from './lake.js';
import { CliProcess, runCli, type TempDir, tempDir } from './processes.js';

/** `opensensor lake build` over a simulator lake, as a user runs it: killed mid-way, then run again. */
describe('opensensor lake build, killed with SIGKILL mid-way, then run again', () => {
  let dir: TempDir;
  let reader: LakeReader;
  let output: string;
  let lakehouse: string;
  const env = () => ({ OPENSENSOR_STATE_DIR: join(dir.path, 'state') });

  beforeAll(async () => {
    dir = tempDir('lakehouse');
    output = join(dir.path, 'output');
    lakehouse = join(dir.path, 'lakehouse');
    reader = await openLakeReader();
    const made = await runCli(
      'sim',
      [
        'backfill',
        '--stations',
        '2',
        '--start',
        '2026-10-31T00:00:00Z',
        '--end',
        '2026-11-02T00:00:00Z',
        '--output',
        output,
      ],
      { cwd: dir.path, env: env(), timeoutMs: 120_000 },
    );
    expect(made.code, made.stderr).toBe(0);
  }, 180_000);

  afterAll(() => {
    reader?.close();
    dir?.remove();
  });

  const silverFiles = () =>
    existsSync(join(lakehouse, 'silver'))
      ? listFiles(join(lakehouse, 'silver')).filter((f) => f.endsWith('.parquet'))
      : [];

  it('leaves valid outputs when killed; the next build finishes, equals bronze, and a third does nothing', async () => {
    const args = ['lake', 'build', '--from', output, '--lakehouse', lakehouse, '--json'];
    const first = new CliProcess('agent', args, { cwd: dir.path, env: env() });
    // Kill it once it has written some silver and before it is done (generous bound: a busy machine).
    const until = Date.now() + 60_000;
    while (first.running && silverFiles().length < 2 && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    const exit = await first.kill();
    expect(exit.signal, `the first build finished before it could be killed:\n${first.stdout}`).toBe(
      'SIGKILL',
    );
    // Whatever it left is readable: no partial file under a *.parquet name.
    for (const f of silverFiles()) {
      const [r] = await reader.rows(
        `SELECT count(*)::INTEGER AS n FROM read_parquet('${join(lakehouse, 'silver', f)}')`,
      );
      expect(r?.n).toBeGreaterThan(0);
    }

    const second = await runCli('agent', args, { cwd: dir.path, env: env(), timeoutMs: 120_000 });
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ upToDate: false, unreadableFiles: [] });

    // Silver holds exactly the distinct (station, timestamp) of bronze: 2 stations x 2 days x 17,280.
    const [bronze] = await reader.rows(
      `SELECT count(DISTINCT (station, timestamp))::INTEGER AS d FROM ${lakeGlob(output)}`,
    );
    const [silver] = await reader.rows(
      `SELECT count(*)::INTEGER AS n, count(DISTINCT (station, timestamp))::INTEGER AS d FROM ${lakeGlob(join(lakehouse, 'silver', 'readings'))}`,
    );
    expect(bronze?.d).toBe(2 * 2 * 17_280);
    expect(silver).toEqual({ n: bronze?.d, d: bronze?.d });
    // Gold: two months per station (October and November), the hourly count adds up.
    const [hourly] = await reader.rows(
      `SELECT sum(readings)::INTEGER AS n, count(DISTINCT (station, month))::INTEGER AS months FROM ${lakeGlob(join(lakehouse, 'gold', 'hourly'))}`,
    );
    expect(hourly).toEqual({ n: 2 * 2 * 17_280, months: 4 });
    // No temp file survived the kill and the rebuild.
    const leftovers: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name));
        else if (e.name.endsWith('.tmp')) leftovers.push(join(d, e.name));
      }
    };
    walk(lakehouse);
    expect(leftovers).toEqual([]);

    const third = await runCli('agent', args, { cwd: dir.path, env: env() });
    expect(third.code, third.stderr).toBe(0);
    expect(JSON.parse(third.stdout)).toMatchObject({ upToDate: true, stationDays: 0 });

    const query = await runCli(
      'agent',
      [
        'lake',
        'query',
        '--lakehouse',
        lakehouse,
        '--format',
        'json',
        'SELECT station, readings, board FROM stations ORDER BY station',
      ],
      { cwd: dir.path, env: env() },
    );
    expect(query.code, query.stderr).toBe(0);
    expect(
      JSON.parse(query.stdout).map((r: { readings: number; board: string }) => [r.readings, r.board]),
    ).toEqual([
      [2 * 17_280, 'enviroplus'],
      [2 * 17_280, 'enviroplus'],
    ]);
  }, 240_000);
});
