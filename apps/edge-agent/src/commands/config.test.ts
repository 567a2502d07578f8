import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../program.js';
import { memoryIo } from '../testing-io.js';

const STATION = '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'os-cli-'));
});

describe('opensensor config', () => {
  it('prints the effective configuration with sources and exits 0', async () => {
    writeFileSync(join(dir, '.env'), `OPENSENSOR_STATION_ID=${STATION}\n`);
    const t = memoryIo({ OPENSENSOR_READ_INTERVAL: '10' }, dir);
    expect(await runCli(['config'], t.io)).toBe(0);
    expect(t.stdout()).toMatch(/OPENSENSOR_STATION_ID\s+01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f {2}\[\.env\]/);
    expect(t.stdout()).toMatch(/OPENSENSOR_READ_INTERVAL\s+10 {2}\[environment\]/);
    expect(t.stdout()).toMatch(/OPENSENSOR_BATCH_DURATION\s+900\n/);
  });

  it('exits 2 and names every bad variable', async () => {
    const t = memoryIo({ OPENSENSOR_READ_INTERVAL: 'abc', OPENSENSOR_STATION_ID: 'nope' }, dir);
    expect(await runCli(['config'], t.io)).toBe(2);
    expect(t.stderr()).toContain(
      'OPENSENSOR_READ_INTERVAL: expected a decimal number of seconds from 1 to 60, e.g. 5 or 2.5, received "abc"',
    );
    expect(t.stderr()).toContain('OPENSENSOR_STATION_ID: expected a UUID');
    expect(t.stdout()).toBe('');
  });

  it('--json masks secrets, on success and on failure', async () => {
    const ok = memoryIo(
      {
        OPENSENSOR_STATION_ID: STATION,
        OPENSENSOR_AWS_ACCESS_KEY_ID: 'AKIA',
        OPENSENSOR_AWS_SECRET_ACCESS_KEY: 's3cr3t-value',
      },
      dir,
    );
    expect(await runCli(['config', '--json'], ok.io)).toBe(0);
    const parsed = JSON.parse(ok.stdout()) as { valid: boolean; settings: Record<string, string | null> };
    expect(parsed.valid).toBe(true);
    expect(parsed.settings.OPENSENSOR_AWS_SECRET_ACCESS_KEY).toBe('***');
    expect(ok.stdout() + ok.stderr()).not.toContain('s3cr3t-value');

    const bad = memoryIo({ OPENSENSOR_AWS_SECRET_ACCESS_KEY: 's3cr3t-value' }, dir);
    expect(await runCli(['config', '--json'], bad.io)).toBe(2);
    const errors = JSON.parse(bad.stdout()) as { valid: boolean; errors: { variable: string }[] };
    expect(errors.valid).toBe(false);
    expect(errors.errors.map((e) => e.variable).sort()).toEqual([
      'OPENSENSOR_AWS_ACCESS_KEY_ID',
      'OPENSENSOR_STATION_ID',
    ]);
    expect(bad.stdout() + bad.stderr()).not.toContain('s3cr3t-value');
  });

  it('reads --env-file and reports a broken .env line', async () => {
    writeFileSync(join(dir, 'other.env'), `OPENSENSOR_STATION_ID=${STATION}\nOPENSENSOR_COMPRESSION=gzip\n`);
    const t = memoryIo({}, dir);
    expect(await runCli(['--env-file', 'other.env', 'config', '--json'], t.io)).toBe(0);
    expect(JSON.parse(t.stdout()).settings.OPENSENSOR_COMPRESSION).toBe('gzip');

    writeFileSync(join(dir, '.env'), 'OPENSENSOR_STATION_ID\n');
    const broken = memoryIo({}, dir);
    expect(await runCli(['config'], broken.io)).toBe(2);
    expect(broken.stderr()).toMatch(/\.env:1: expected a line of the form KEY=value/);
  });

  it('unknown commands and options exit 2 with a hint', async () => {
    const t = memoryIo({}, dir);
    expect(await runCli(['confg'], t.io)).toBe(2);
    expect(t.stderr()).toMatch(/unknown command 'confg'/);
  });
});
