import { describe, expect, it } from 'vitest';
import { S3SyncError } from './errors.js';
import { fakeLakePath, MOTO_INSTALL_HINT, startMotoServer } from './testing.js';

describe('startMotoServer', () => {
  it('fails with the install command when moto_server is not on PATH', async () => {
    const err = await startMotoServer({ command: 'moto_server_not_installed_here' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(S3SyncError);
    expect(err).toMatchObject({ code: 'MOTO_NOT_FOUND' });
    expect((err as Error).message).toContain('pip install "moto[server]"');
    expect(MOTO_INSTALL_HINT).toContain('moto_server');
  });

  it('fails with the output of a server that exits at once', async () => {
    const err = await startMotoServer({ command: 'false' }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/exited with code 1 before answering/);
  });
});

describe('fakeLakePath', () => {
  it('names the last window of a day 0000 in that same day', () => {
    expect(fakeLakePath('s', Date.UTC(2025, 0, 31, 24, 0))).toBe(
      'station=s/year=2025/month=01/day=31/data_0000.parquet',
    );
    expect(fakeLakePath('s', Date.UTC(2025, 0, 31, 9, 15), 'health')).toBe(
      'station=s/year=2025/month=01/day=31/health_0915.parquet',
    );
  });
});
