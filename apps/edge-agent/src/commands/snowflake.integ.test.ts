import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SENSOR_SCHEMA } from '@opensensor/parquet-hive-writer';
import { type FakeSnowpipeServer, startFakeSnowpipeServer } from '@opensensor/snowpipe-client/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../program.js';
import { memoryIo } from '../testing-io.js';

const STATION = '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f';
let dir: string;
let fake: FakeSnowpipeServer | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'os-snowflake-'));
});
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

const run = async (args: string[], env: Record<string, string> = {}) => {
  const t = memoryIo(env, dir);
  const code = await runCli(args, t.io);
  return { code, out: t.stdout(), err: t.stderr() };
};

/** SHA-256 of the DER public key, base64: what Snowflake shows as RSA_PUBLIC_KEY_FP. */
const fingerprintOf = (pem: string) =>
  `SHA256:${createHash('sha256')
    .update(createPublicKey(pem).export({ type: 'spki', format: 'der' }))
    .digest('base64')}`;

describe('opensensor snowflake keygen', () => {
  it('writes rsa_key.p8 (0600) and rsa_key.pub, prints the fingerprint and ALTER USER, never the private key', async () => {
    const r = await run(['snowflake', 'keygen', '--out', 'keys', '--user', 'OPENSENSOR_STATION_1']);
    expect(r.code).toBe(0);
    const p8 = join(dir, 'keys', 'rsa_key.p8');
    const pub = readFileSync(join(dir, 'keys', 'rsa_key.pub'), 'utf8');
    expect(statSync(p8).mode & 0o777).toBe(0o600);
    const key = createPrivateKey(readFileSync(p8, 'utf8'));
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(createPublicKey(key).export({ type: 'spki', format: 'pem' })).toBe(pub);
    expect(r.out).toContain(`Fingerprint: ${fingerprintOf(pub)}`);
    const body = pub.replace(/-----[A-Z ]+-----|\s/g, '');
    expect(r.out).toContain(`ALTER USER "OPENSENSOR_STATION_1" SET RSA_PUBLIC_KEY = '${body}';`);
    expect(r.out).not.toMatch(/PRIVATE KEY-----/);
    expect(r.out).toContain(`OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_FILE=${p8}`);
  });

  it('encrypts with --passphrase-env without printing the passphrase; slot 2 for rotation', async () => {
    const passphrase = 'correct horse battery staple';
    const r = await run(['snowflake', 'keygen', '--passphrase-env', 'KEY_PASS', '--slot', '2'], {
      KEY_PASS: passphrase,
      OPENSENSOR_SNOWFLAKE_USER: 'station_9',
    });
    expect(r.code).toBe(0);
    const pem = readFileSync(join(dir, 'rsa_key.p8'), 'utf8');
    expect(pem).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    expect(() => createPrivateKey(pem)).toThrow();
    expect(createPrivateKey({ key: pem, passphrase }).asymmetricKeyType).toBe('rsa');
    expect(r.out).toContain('ALTER USER "STATION_9" SET RSA_PUBLIC_KEY_2 = ');
    expect(r.out + r.err).not.toContain(passphrase);
  });

  it('refuses to replace a key without --force, and names a missing passphrase variable', async () => {
    writeFileSync(join(dir, 'rsa_key.p8'), 'old');
    const refused = await run(['snowflake', 'keygen']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/rsa_key\.p8 already exists.*--force/);
    expect(readFileSync(join(dir, 'rsa_key.p8'), 'utf8')).toBe('old');
    expect((await run(['snowflake', 'keygen', '--force'])).code).toBe(0);
    expect(readFileSync(join(dir, 'rsa_key.p8'), 'utf8')).toContain('BEGIN PRIVATE KEY');

    const noPass = await run(['snowflake', 'keygen', '--force', '--passphrase-env', 'NOPE']);
    expect(noPass.code).toBe(2);
    expect(noPass.err).toMatch(/NOPE is not set or empty/);
    const badSlot = await run(['snowflake', 'keygen', '--slot', '3']);
    expect(badSlot.code).toBe(2);
  });
});

describe('opensensor snowflake sql', () => {
  it('prints table, pipe, role and grants for every lake column plus station_id, from the configuration', async () => {
    const r = await run(['snowflake', 'sql'], {
      OPENSENSOR_SNOWFLAKE_DATABASE: 'sensors',
      OPENSENSOR_SNOWFLAKE_SCHEMA: 'raw',
      OPENSENSOR_SNOWFLAKE_PIPE: 'enviro_pipe',
      OPENSENSOR_SNOWFLAKE_USER: 'station_1',
      // Enabled without a key file yet: sql must still work (it is run before the key exists).
      OPENSENSOR_SNOWFLAKE_ENABLED: 'true',
      OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_FILE: 'missing.p8',
    });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('CREATE TABLE IF NOT EXISTS "SENSORS"."RAW"."READINGS" (');
    expect(r.out).toContain('CREATE PIPE IF NOT EXISTS "SENSORS"."RAW"."ENVIRO_PIPE" AS');
    expect(r.out).toContain(
      'GRANT OPERATE, MONITOR ON PIPE "SENSORS"."RAW"."ENVIRO_PIPE" TO ROLE "OPENSENSOR_STREAMING";',
    );
    expect(r.out).toContain('GRANT ROLE "OPENSENSOR_STREAMING" TO USER "STATION_1";');
    expect(r.out).toContain('"STATION_ID" VARCHAR NOT NULL');
    expect(r.out).toContain('"TIMESTAMP" TIMESTAMP_TZ(3) NOT NULL');
    const table = r.out.slice(r.out.indexOf('CREATE TABLE'), r.out.indexOf(');'));
    const columns = [...table.matchAll(/^ {2}"([A-Z0-9_]+)" /gm)].map((m) => m[1]);
    expect(columns).toEqual([
      'STATION_ID',
      'TIMESTAMP',
      ...SENSOR_SCHEMA.columns.map((c) => c.name.toUpperCase()),
      'INGESTED_AT',
    ]);
    for (const c of SENSOR_SCHEMA.columns) {
      expect(r.out).toContain(`"${c.name.toUpperCase()}" FLOAT`);
      expect(r.out).toContain(`$1:"${c.name}"`);
    }
    // The health rows: their own table, and a pipe named after the readings pipe.
    expect(r.out).toContain('CREATE TABLE IF NOT EXISTS "SENSORS"."RAW"."HEALTH" (');
    expect(r.out).toContain('CREATE PIPE IF NOT EXISTS "SENSORS"."RAW"."ENVIRO_PIPE_HEALTH" AS');
    expect(r.out).toContain('GRANT OPERATE, MONITOR ON PIPE "SENSORS"."RAW"."ENVIRO_PIPE_HEALTH"');
    expect(r.out).not.toContain('VIEW');
  });

  it("--compat prints the old app's table as a view over the readings and health tables", async () => {
    const r = await run(['snowflake', 'sql', '--compat', 'thermal']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('"CO2" FLOAT'); // the view's board: breakout
    expect(r.out).toContain('CREATE PIPE IF NOT EXISTS "OPENSENSOR"."LAKE"."HEALTH_PIPE" AS');
    expect(r.out).toContain('CREATE OR REPLACE VIEW "OPENSENSOR"."LAKE"."THERMAL_SENSOR_DATA" AS');
    const noHealth = await run(['snowflake', 'sql', '--no-health']);
    expect(noHealth.out).not.toContain('"HEALTH"');
    const wrong = await run(['snowflake', 'sql', '--compat', 'sensehat', '--board', 'breakout']);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(
      /--compat: the SENSEHAT_SENSOR_DATA view reads sensehat readings, not breakout/,
    );
    expect((await run(['snowflake', 'sql', '--compat', 'enviro'])).err).toMatch(
      /--compat: expected one of sensehat, thermal/,
    );
    const badHealth = await run(['snowflake', 'sql', '--health-pipe', 'a b']);
    expect(badHealth.code).toBe(2);
    expect(badHealth.err).toMatch(/--health-pipe: .*plain identifier/);
  });

  it('flags win over settings; defaults match docs/snowflake.md; bad names exit 2', async () => {
    const r = await run(
      [
        'snowflake',
        'sql',
        '--database',
        'lab',
        '--warehouse',
        'compute_wh',
        '--timestamp-type',
        'timestamp_ntz',
      ],
      {
        OPENSENSOR_SNOWFLAKE_DATABASE: 'sensors',
      },
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain('CREATE TABLE IF NOT EXISTS "LAB"."LAKE"."READINGS"');
    expect(r.out).toContain('CREATE PIPE IF NOT EXISTS "LAB"."LAKE"."READINGS_PIPE"');
    expect(r.out).toContain('GRANT USAGE ON WAREHOUSE "COMPUTE_WH" TO ROLE "OPENSENSOR_STREAMING";');
    expect(r.out).toContain('"TIMESTAMP" TIMESTAMP_NTZ(3) NOT NULL');

    const bad = await run(['snowflake', 'sql', '--database', 'my-db']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--database: .*plain identifier/);
    expect(bad.out).toBe('');
  });
});

describe('opensensor snowflake check (against the fake Snowpipe server)', () => {
  const settings = (url: string, extra: Record<string, string> = {}) => ({
    OPENSENSOR_STATION_ID: STATION,
    OPENSENSOR_SNOWFLAKE_URL: url,
    OPENSENSOR_SNOWFLAKE_ACCOUNT: 'myorg-myaccount',
    OPENSENSOR_SNOWFLAKE_USER: 'station_1',
    OPENSENSOR_SNOWFLAKE_DATABASE: 'OPENSENSOR',
    OPENSENSOR_SNOWFLAKE_SCHEMA: 'LAKE',
    OPENSENSOR_SNOWFLAKE_PIPE: 'READINGS_PIPE',
    ...extra,
  });

  it('authenticates with the key from keygen, opens a new channel, and only reads it the second time', async () => {
    expect((await run(['snowflake', 'keygen', '--out', 'keys'])).code).toBe(0);
    const publicKeyPem = readFileSync(join(dir, 'keys', 'rsa_key.pub'), 'utf8');
    fake = await startFakeSnowpipeServer({
      account: 'myorg-myaccount',
      user: 'station_1',
      publicKeyPem,
      commitDelayMs: 5,
    });
    const env = settings(fake.url, { OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_FILE: 'keys/rsa_key.p8' });

    const first = await run(['snowflake', 'check'], env);
    expect(first.err).toContain('plain http');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/channel\s+opensensor_01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f \(opened now/);
    expect(first.out).toMatch(/status\s+SUCCESS/);
    expect(first.out).toContain(`key pair, fingerprint ${fingerprintOf(publicKeyPem)}`);
    expect(first.out).toContain(`ingest host       ${fake.ingestHostname}`);
    expect(first.out).toContain('OK: the station can stream to Snowflake.');
    const channel = `opensensor_${STATION}`;
    const sequencer = fake.channel(channel)?.clientSequencer;

    const second = await run(['snowflake', 'check', '--json'], env);
    expect(second.code).toBe(0);
    const doc = JSON.parse(second.out);
    expect(doc).toMatchObject({
      ok: true,
      opened: false,
      channel,
      auth: 'key-pair',
      pipe: 'OPENSENSOR.LAKE.READINGS_PIPE',
    });
    expect(doc.status.channelStatusCode).toBe('SUCCESS');
    expect(fake.channel(channel)?.clientSequencer).toBe(sequencer);
  });

  it('authenticates with a PAT and never prints it', async () => {
    const pat = 'pat-0123456789abcdef';
    fake = await startFakeSnowpipeServer({
      account: 'myorg-myaccount',
      user: 'station_1',
      pat,
      commitDelayMs: 5,
    });
    const r = await run(['snowflake', 'check'], settings(fake.url, { OPENSENSOR_SNOWFLAKE_PAT: pat }));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/auth\s+programmatic access token/);
    expect(r.out + r.err).not.toContain(pat);
  });

  it('exits 1 with the reason when Snowflake refuses the key or the pipe', async () => {
    expect((await run(['snowflake', 'keygen'])).code).toBe(0);
    const other = mkdtempSync(join(tmpdir(), 'os-snowflake-other-'));
    const t = memoryIo({}, other);
    expect(await runCli(['snowflake', 'keygen'], t.io)).toBe(0);
    fake = await startFakeSnowpipeServer({
      account: 'myorg-myaccount',
      user: 'station_1',
      publicKeyPem: readFileSync(join(other, 'rsa_key.pub'), 'utf8'),
      commitDelayMs: 5,
    });
    const wrongKey = await run(
      ['snowflake', 'check'],
      settings(fake.url, { OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_FILE: 'rsa_key.p8' }),
    );
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.err).toMatch(/Snowflake check failed: .*390144/);
    await fake.stop();

    fake = await startFakeSnowpipeServer({
      account: 'myorg-myaccount',
      user: 'station_1',
      publicKeyPem: readFileSync(join(dir, 'rsa_key.pub'), 'utf8'),
      pipes: [{ database: 'OPENSENSOR', schema: 'LAKE', pipe: 'OTHER_PIPE' }],
      commitDelayMs: 5,
    });
    const noPipe = await run(
      ['snowflake', 'check', '--json'],
      settings(fake.url, { OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_FILE: 'rsa_key.p8' }),
    );
    expect(noPipe.code).toBe(1);
    expect(JSON.parse(noPipe.out)).toMatchObject({ ok: false, error: { action: 'fatal' } });
    expect(noPipe.err).toMatch(/PIPE_DOES_NOT_EXIST|404/);
  });

  it('exits 2 naming every missing setting, and an unreadable key file', async () => {
    const r = await run(['snowflake', 'check'], {
      OPENSENSOR_STATION_ID: STATION,
      OPENSENSOR_SNOWFLAKE_ACCOUNT: 'a-b',
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      'these settings are missing: OPENSENSOR_SNOWFLAKE_USER, OPENSENSOR_SNOWFLAKE_DATABASE, OPENSENSOR_SNOWFLAKE_SCHEMA, OPENSENSOR_SNOWFLAKE_PIPE, OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_FILE or OPENSENSOR_SNOWFLAKE_PAT',
    );
    const key = await run(
      ['snowflake', 'check'],
      settings('https://x.example', { OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_FILE: 'nope.p8' }),
    );
    expect(key.code).toBe(2);
    expect(key.err).toMatch(/cannot read .*nope\.p8 \(ENOENT\)/);
  });
});
