import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLedger } from './ledger.js';
import { writeFakeLake } from './testing.js';
import { uploadStatus } from './upload-status.js';

describe('uploadStatus', () => {
  it('counts a file as uploaded only for the store, bucket and prefix the ledger recorded it under', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-upload-status-'));
    const root = join(dir, 'lake');
    const files = await writeFakeLake(root, { stations: ['a', 'b'], filesPerStation: 2 });
    const ledgerPath = join(dir, 'ledger.jsonl');
    const ledger = await openLedger(ledgerPath);
    for (const f of files.slice(0, 3))
      await ledger.record({
        target: 's3://old',
        key: `lake/${f.relativePath}`,
        path: f.relativePath,
        size: f.bytes.length,
        mtimeMs: 0,
        sha256: '0'.repeat(64),
        uploadedAt: '2026-01-01T00:00:00.000Z',
        verified: true,
        method: 'put',
      });
    await ledger.close();

    const old = await uploadStatus({
      root,
      ledger: ledgerPath,
      destination: { id: 's3://old', prefix: '/lake/' },
    });
    expect(old).toMatchObject({ uploaded: 3, lastUploadAt: '2026-01-01T00:00:00.000Z' });
    expect(old.pending.map((f) => f.relativePath)).toEqual([files[3]?.relativePath]);

    const bucket = await uploadStatus({
      root,
      ledger: ledgerPath,
      destination: { id: 's3://new', prefix: 'lake' },
    });
    expect(bucket).toMatchObject({ uploaded: 0, lastUploadAt: null });
    expect(bucket.pending).toHaveLength(4);

    const prefix = await uploadStatus({
      root,
      ledger: ledgerPath,
      destination: { id: 's3://old', prefix: 'v2' },
    });
    expect(prefix.pending).toHaveLength(4);

    const oneStation = await uploadStatus({
      root,
      ledger: ledgerPath,
      destination: { id: 's3://old', prefix: 'lake' },
      stationId: 'b',
    });
    expect(oneStation).toMatchObject({ uploaded: 1 });
    expect(oneStation.files).toHaveLength(2);
  });

  it('reads a ledger that does not exist yet as empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-upload-status-'));
    await writeFakeLake(join(dir, 'lake'), { filesPerStation: 1 });
    const s = await uploadStatus({
      root: join(dir, 'lake'),
      ledger: join(dir, 'state', 'ledger.jsonl'),
      destination: { id: 's3://b', prefix: '' },
    });
    expect(s).toMatchObject({ uploaded: 0, ledgerDamage: { skippedLines: 0, truncatedBytes: 0 } });
    expect(s.pending).toHaveLength(1);
  });
});
