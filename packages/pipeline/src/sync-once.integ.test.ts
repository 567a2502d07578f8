/** The agent's sync (periodic and `opensensor sync`) against moto_server: broken files and a damaged ledger. */
import { mkdtempSync } from 'node:fs';
import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@opensensor/config';
import { type MotoServer, startMotoServer, writeFakeLake } from '@opensensor/s3-sync/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerPath, periodicSyncStatus, quarantinePath, syncOnce } from './from-config.js';
import { createLogger } from './logger.js';

const STATION = '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f';
let moto: MotoServer;
beforeAll(async () => {
  moto = await startMotoServer();
  await moto.createBucket('station-lake');
});
afterAll(async () => {
  await moto?.stop();
});

describe('syncOnce', () => {
  it('quarantines broken data and health files, logs each, and counts them in the periodic status', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-sync-once-'));
    const { config } = loadConfig({
      cwd: dir,
      envFile: false,
      env: {
        OPENSENSOR_STATION_ID: STATION,
        OPENSENSOR_SYNC_ENABLED: 'true',
        OPENSENSOR_STORAGE_PROVIDER: 'minio',
        OPENSENSOR_STORAGE_BUCKET: 'station-lake',
        OPENSENSOR_STORAGE_PREFIX: 'sensors',
        OPENSENSOR_STORAGE_ENDPOINT: moto.endpoint,
        OPENSENSOR_AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
        OPENSENSOR_AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
      },
    });
    const [zero] = await writeFakeLake(config.outputDir, { stations: [STATION], filesPerStation: 3 });
    const [cut] = await writeFakeLake(config.healthDir, {
      stations: [STATION],
      filesPerStation: 2,
      stream: 'health',
    });
    await writeFile(zero?.path as string, '');
    await truncate(cut?.path as string, 1000);
    const lines: string[] = [];
    const logger = createLogger({ json: true, write: (l) => void lines.push(l) });

    const first = await syncOnce(config, { logger });
    expect(periodicSyncStatus(first)).toMatchObject({ uploaded: 3, quarantined: 2, ledgerLinesDropped: 0 });
    const movedZero = join(quarantinePath(config, 'data'), zero?.relativePath as string);
    const movedCut = join(quarantinePath(config, 'health'), cut?.relativePath as string);
    expect((await stat(movedZero)).size).toBe(0);
    expect((await stat(movedCut)).size).toBe(1000);
    expect(quarantinePath(config, 'data')).toBe(`${config.outputDir}-quarantine`);
    const warnings = lines
      .map((l) => JSON.parse(l))
      .filter((l) => l.level === 'warn' && !/plain http/.test(l.msg));
    expect(warnings).toEqual([
      expect.objectContaining({
        msg: 'a broken lake file is not uploaded',
        stream: 'data',
        path: zero?.path,
        movedTo: movedZero,
        reason: 'empty file (0 bytes)',
      }),
      expect.objectContaining({
        msg: 'a broken lake file is not uploaded',
        stream: 'health',
        path: cut?.path,
        movedTo: movedCut,
        reason: expect.stringMatching(/does not end with the Parquet magic/),
      }),
    ]);
    expect((await moto.listKeys('station-lake')).sort()).toHaveLength(3);

    // A bit flip in the data ledger: the next run drops the line, says so, and re-checks its file.
    const path = ledgerPath(config, 'data');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('"op":"put"', '"op":"pu\\u0000'));
    lines.length = 0;
    const second = await syncOnce(config, { logger });
    expect(periodicSyncStatus(second)).toMatchObject({ uploaded: 0, quarantined: 0, ledgerLinesDropped: 1 });
    expect(second.data).toMatchObject({ alreadyPresent: 1, skipped: 1 });
    expect(lines.join('')).toMatch(/upload ledger repaired: dropped 1 damaged line/);
  });
});
