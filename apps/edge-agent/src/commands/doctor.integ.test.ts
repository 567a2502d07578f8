import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MotoServer, startMotoServer } from '@opensensor/s3-sync/testing';
import { type FakeSnowpipeServer, startFakeSnowpipeServer } from '@opensensor/snowpipe-client/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorCheck } from '../doctor.js';
import { runCli } from '../program.js';
import { simulatedStation } from '../testing-station.js';

let moto: MotoServer;
let fake: FakeSnowpipeServer | undefined;
beforeAll(async () => {
  moto = await startMotoServer();
  await moto.createBucket('station-lake');
});
afterAll(async () => {
  await moto?.stop();
});
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

const storage = (bucket = 'station-lake') => ({
  OPENSENSOR_STORAGE_PROVIDER: 'minio',
  OPENSENSOR_STORAGE_BUCKET: bucket,
  OPENSENSOR_STORAGE_PREFIX: 'sensors',
  OPENSENSOR_STORAGE_ENDPOINT: moto.endpoint,
  OPENSENSOR_AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
  OPENSENSOR_AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
});

async function doctor(s: ReturnType<typeof simulatedStation>, env: Record<string, string>) {
  const t = s.io(env);
  const code = await runCli(['doctor', '--json'], t.io);
  const report = JSON.parse(t.stdout()) as { ok: boolean; checks: DoctorCheck[] };
  return { code, check: (id: string) => report.checks.find((c) => c.id === id) as DoctorCheck, report };
}

/** A station with a Snowflake key pair from `opensensor snowflake keygen` and a fake Snowflake that knows its public key. */
async function withSnowflake(s: ReturnType<typeof simulatedStation>, publicKeyOf: 'own' | 'other' = 'own') {
  const keygen = s.io();
  expect(await runCli(['snowflake', 'keygen', '--out', 'keys'], keygen.io)).toBe(0);
  const other = simulatedStation();
  if (publicKeyOf === 'other')
    expect(await runCli(['snowflake', 'keygen', '--out', 'keys'], other.io().io)).toBe(0);
  const keyDir = publicKeyOf === 'own' ? s.dir : other.dir;
  fake = await startFakeSnowpipeServer({
    account: 'myorg-myaccount',
    user: 'station_1',
    publicKeyPem: readFileSync(join(keyDir, 'keys', 'rsa_key.pub'), 'utf8'),
    commitDelayMs: 5,
  });
  chmodSync(join(s.dir, 'keys', 'rsa_key.p8'), 0o600);
  return {
    OPENSENSOR_SNOWFLAKE_ENABLED: 'true',
    OPENSENSOR_SNOWFLAKE_URL: fake.url,
    OPENSENSOR_SNOWFLAKE_ACCOUNT: 'myorg-myaccount',
    OPENSENSOR_SNOWFLAKE_USER: 'station_1',
    OPENSENSOR_SNOWFLAKE_DATABASE: 'OPENSENSOR',
    OPENSENSOR_SNOWFLAKE_SCHEMA: 'LAKE',
    OPENSENSOR_SNOWFLAKE_PIPE: 'READINGS_PIPE',
    OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_FILE: 'keys/rsa_key.p8',
  };
}

describe('opensensor doctor against moto and the fake Snowpipe server', () => {
  it('passes on a fully set-up station: a real conditional PUT under _doctor/, deleted again, and Snowflake authenticated', async () => {
    const s = simulatedStation();
    const snowflake = await withSnowflake(s);
    const { code, report, check } = await doctor(s, { ...storage(), ...snowflake });
    expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(code).toBe(0);
    expect(check('s3').detail).toMatch(
      /a conditional PUT \(If-None-Match\) to station-lake\/sensors\/_doctor\/ and its delete worked/,
    );
    expect(check('snowflake').detail).toMatch(
      /authenticated \(ingest host .+\); channel opensensor_.+ not opened yet/,
    );
    // The test object is gone, and the check never opened the channel (a running agent keeps its session).
    expect(await moto.listKeys('station-lake', 'sensors/_doctor/')).toEqual([]);
    expect(fake?.channel(`opensensor_${'01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f'}`)).toBeUndefined();
  });

  it('names the fix when the bucket does not exist', async () => {
    const s = simulatedStation();
    const { code, check } = await doctor(s, storage('no-such-lake'));
    expect(check('s3').status).toBe('fail');
    expect(check('s3').fix).toBe('create the bucket no-such-lake, or fix OPENSENSOR_STORAGE_BUCKET');
    expect(code).toBe(1);
  });

  it('names the fix when the store is unreachable', async () => {
    const s = simulatedStation();
    const { check } = await doctor(s, { ...storage(), OPENSENSOR_STORAGE_ENDPOINT: 'http://127.0.0.1:9' });
    expect(check('s3').status).toBe('fail');
    expect(check('s3').fix).toMatch(/OPENSENSOR_STORAGE_ENDPOINT/);
    expect(check('s3').detail).not.toContain(moto.credentials.secretAccessKey);
  });

  it("names the fix when Snowflake does not know the station's key", async () => {
    const s = simulatedStation();
    const snowflake = await withSnowflake(s, 'other');
    const { code, check } = await doctor(s, snowflake);
    expect(check('snowflake').status).toBe('fail');
    expect(check('snowflake').fix).toMatch(/ALTER USER … SET RSA_PUBLIC_KEY/);
    expect(code).toBe(1);
  });
});
