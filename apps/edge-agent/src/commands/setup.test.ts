import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseDotenv } from '@opensensor/config';
import { beforeEach, describe, expect, it } from 'vitest';
import type { PromptInput } from '../io.js';
import { runCli } from '../program.js';
import { memoryIo } from '../testing-io.js';

const NOW = 1_700_000_000_000;
const fixedRandom = (size: number) => new Uint8Array(size).fill(0xab);
// 1700000000000 ms = 0x018bcfe56800; version 7, variant 10 over the 0xab bytes.
const EXPECTED_ID = '018bcfe5-6800-7bab-abab-abababababab';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'os-setup-'));
});

const mode = (p: string) => statSync(p).mode & 0o777;

/** Answers questions in order and records them, like a user at a terminal. */
function script(answers: string[]) {
  const asked: { question: string; secret: boolean }[] = [];
  const prompt: PromptInput = async (question, options) => {
    asked.push({ question, secret: options?.secret === true });
    const next = answers.shift();
    if (next === undefined) throw new Error(`unexpected question: ${question}`);
    return next;
  };
  return { prompt, asked, left: () => answers.length };
}

function io(env: Record<string, string> = {}, prompt?: PromptInput) {
  const t = memoryIo(env, dir);
  t.io.deps = { now: () => NOW, randomBytes: fixedRandom, ...(prompt ? { prompt } : {}) };
  return t;
}

describe('opensensor setup --yes', () => {
  it('writes a valid .env (mode 0600) with a UUIDv7 station id and creates the directories', async () => {
    const t = io();
    expect(await runCli(['setup', '--yes'], t.io)).toBe(0);
    const envPath = join(dir, '.env');
    expect(mode(envPath)).toBe(0o600);
    const values = parseDotenv(readFileSync(envPath, 'utf8'));
    expect(values.get('OPENSENSOR_STATION_ID')).toBe(EXPECTED_ID);
    expect(values.get('OPENSENSOR_OUTPUT_DIR')).toBe(join(dir, 'output'));
    for (const d of ['output', 'output-health', 'logs', 'state']) expect(existsSync(join(dir, d))).toBe(true);

    // The agent reads the file back from another directory and gets the same paths.
    const { config } = loadConfig({ env: {}, cwd: tmpdir(), envFile: envPath });
    expect(config.stationId).toBe(EXPECTED_ID);
    expect(config.healthDir).toBe(join(dir, 'output-health'));
    expect(config.stateDir).toBe(join(dir, 'state'));
    expect(config.logDir).toBe(join(dir, 'logs'));
    expect(config.syncEnabled).toBe(false);
    expect(t.stdout()).toMatch(/Next steps:[\s\S]*opensensor test[\s\S]*service install/);
    expect(readFileSync(envPath, 'utf8')).toMatch(
      /^# OpenSensor station settings, written by `opensensor setup` on 2023-11-14T22:13:20.000Z/,
    );
  });

  it('takes --station-id and --output-dir, and rejects a bad station id', async () => {
    const t = io();
    expect(
      await runCli(
        ['setup', '--yes', '--station-id', '01936F3E-5B7C-7D1A-9F00-2C4E8B1A6D5F', '--output-dir', 'lake'],
        t.io,
      ),
    ).toBe(0);
    const values = parseDotenv(readFileSync(join(dir, '.env'), 'utf8'));
    expect(values.get('OPENSENSOR_STATION_ID')).toBe('01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f');
    expect(existsSync(join(dir, 'lake-health'))).toBe(true);

    const bad = io();
    expect(await runCli(['setup', '--yes', '--force', '--station-id', 'station-1'], bad.io)).toBe(2);
    expect(bad.stderr()).toMatch(/--station-id: expected a UUID/);
  });

  it('refuses to overwrite .env without --force and replaces it (0600 again) with it', async () => {
    const envPath = join(dir, '.env');
    writeFileSync(envPath, 'OPENSENSOR_STATION_ID=01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f\n', { mode: 0o644 });
    const t = io();
    expect(await runCli(['setup', '--yes'], t.io)).toBe(1);
    expect(t.stderr()).toMatch(/\.env already exists and was left unchanged; pass --force/);
    expect(readFileSync(envPath, 'utf8')).toContain('01936f3e');

    const forced = io();
    expect(await runCli(['setup', '--yes', '--force'], forced.io)).toBe(0);
    expect(readFileSync(envPath, 'utf8')).toContain(EXPECTED_ID);
    expect(mode(envPath)).toBe(0o600);
  });

  it('writes to --env-file and says how to use it', async () => {
    const t = io();
    expect(await runCli(['--env-file', 'conf/station.env', 'setup', '--yes'], t.io)).toBe(0);
    expect(mode(join(dir, 'conf', 'station.env'))).toBe(0o600);
    expect(existsSync(join(dir, '.env'))).toBe(false);
    expect(t.stdout()).toContain(`opensensor --env-file ${join(dir, 'conf', 'station.env')} test`);
  });

  it('refuses the filesystem root as the output dir before writing or creating anything', async () => {
    const t = io();
    expect(await runCli(['setup', '--yes', '--output-dir', '/'], t.io)).toBe(2);
    expect(t.stderr()).toContain('nothing was written or created');
    expect(t.stderr()).toContain(
      '--output-dir (OPENSENSOR_OUTPUT_DIR): expected a directory other than the filesystem root',
    );
    expect(existsSync(join(dir, '.env'))).toBe(false);
    expect(existsSync(join(dir, 'state'))).toBe(false);
  });

  it('asks for --yes when it cannot prompt', async () => {
    const t = io();
    expect(await runCli(['setup'], t.io)).toBe(2);
    expect(t.stderr()).toMatch(/not a terminal; run `opensensor setup --yes`/);
    expect(existsSync(join(dir, '.env'))).toBe(false);
  });
});

// `setup --yes` run as a real process by the built bin is in ../bin.test.ts.
describe('the commands of this group', () => {
  it('every one has --help with examples', async () => {
    for (const args of [
      ['setup'],
      ['test'],
      ['service'],
      ['service', 'install'],
      ['service', 'logs'],
      ['snowflake'],
      ['snowflake', 'keygen'],
      ['snowflake', 'sql'],
      ['snowflake', 'check'],
    ]) {
      const t = io();
      expect(await runCli([...args, '--help'], t.io)).toBe(0);
      expect(t.stdout(), args.join(' ')).toMatch(/Examples:\n\s+\$ opensensor/);
    }
  });
});

describe('opensensor setup (interactive)', () => {
  it('takes the defaults on Enter', async () => {
    const s = script(['', '', '', '']);
    const t = io({}, s.prompt);
    expect(await runCli(['setup'], t.io)).toBe(0);
    expect(s.asked.map((a) => a.question)).toEqual([
      `Station id [${EXPECTED_ID}]: `,
      'Output directory for the Parquet lake [output]: ',
      'Upload the lake to S3-compatible object storage? [y/N]: ',
      'Stream readings to Snowflake (Snowpipe Streaming)? [y/N]: ',
    ]);
    expect(parseDotenv(readFileSync(join(dir, '.env'), 'utf8')).get('OPENSENSOR_STATION_ID')).toBe(
      EXPECTED_ID,
    );
  });

  it('configures sync, asks again after an invalid answer and never echoes the secret', async () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
    const s = script([
      '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f',
      '/srv/lake',
      'y',
      'minio',
      'My_Bucket', // invalid: upper case and underscore
      'my-bucket',
      'stations/eu',
      '',
      '', // minio needs an endpoint: asked again
      'http://127.0.0.1:9000',
      'AKIAEXAMPLE',
      secret,
      'n',
    ]);
    const t = io({}, s.prompt);
    const code = await runCli(['setup', '--force'], t.io);
    expect(t.stderr()).toContain('OPENSENSOR_STORAGE_BUCKET: expected a bucket name');
    expect(t.stderr()).toContain('OPENSENSOR_STORAGE_ENDPOINT: expected an http:// or https:// URL');
    expect(code).toBe(0);
    expect(s.left()).toBe(0);
    expect(s.asked.find((a) => a.question.startsWith('Secret access key'))?.secret).toBe(true);
    expect(s.asked.filter((a) => a.secret)).toHaveLength(1);
    expect(t.stdout() + t.stderr()).not.toContain(secret);
    expect(t.stdout()).toContain('OPENSENSOR_AWS_SECRET_ACCESS_KEY=***');

    const envPath = join(dir, '.env');
    const { config } = loadConfig({ env: {}, cwd: dir, envFile: envPath });
    expect(config.outputDir).toBe('/srv/lake');
    expect(config.syncEnabled).toBe(true);
    expect(config.storage).toMatchObject({
      provider: 'minio',
      bucket: 'my-bucket',
      prefix: 'stations/eu',
      endpoint: 'http://127.0.0.1:9000',
      accessKeyId: 'AKIAEXAMPLE',
      secretAccessKey: secret,
    });
  });

  it('configures Snowflake and generates the key pair it needs', async () => {
    const s = script([
      '',
      '',
      'n',
      'y',
      'myorg-myaccount',
      'OPENSENSOR_STATION_7',
      '',
      '',
      '',
      '',
      '', // key pair
      '', // default key file
      '', // generate it: yes
    ]);
    const t = io({}, s.prompt);
    expect(await runCli(['setup'], t.io)).toBe(0);
    const keyFile = join(dir, 'snowflake', 'rsa_key.p8');
    expect(mode(keyFile)).toBe(0o600);
    expect(readFileSync(keyFile, 'utf8')).toContain('BEGIN PRIVATE KEY');
    expect(t.stdout()).toContain('ALTER USER "OPENSENSOR_STATION_7" SET RSA_PUBLIC_KEY = \'MII');
    expect(t.stdout()).not.toContain('PRIVATE KEY');
    const { config } = loadConfig({ env: {}, cwd: dir, envFile: join(dir, '.env') });
    expect(config).toMatchObject({
      snowflakeEnabled: true,
      snowflakeAccount: 'MYORG-MYACCOUNT',
      snowflakeUser: 'OPENSENSOR_STATION_7',
      snowflakeDatabase: 'OPENSENSOR',
      snowflakeSchema: 'LAKE',
      snowflakePipe: 'READINGS_PIPE',
      snowflakeRole: 'OPENSENSOR_STREAMING',
      snowflakePrivateKeyFile: keyFile,
    });
  });

  it('writes a PAT without echoing it', async () => {
    const pat = 'pat-secret-0123456789';
    const s = script(['', '', 'n', 'y', 'myorg-myaccount', '', '', '', '', '', 'pat', pat]);
    const t = io({}, s.prompt);
    expect(await runCli(['setup'], t.io)).toBe(0);
    expect(s.asked.at(-1)).toEqual({ question: 'Token (not shown): ', secret: true });
    expect(t.stdout() + t.stderr()).not.toContain(pat);
    expect(loadConfig({ env: {}, cwd: dir, envFile: join(dir, '.env') }).config.snowflakePat).toBe(pat);
  });

  it('gives up after three invalid answers without writing anything', async () => {
    const s = script(['nope', 'still-nope', 'x']);
    const t = io({}, s.prompt);
    expect(await runCli(['setup'], t.io)).toBe(2);
    expect(t.stderr()).toMatch(/no valid answer to "Station id" after three attempts; nothing was written/);
    expect(existsSync(join(dir, '.env'))).toBe(false);
  });
});
