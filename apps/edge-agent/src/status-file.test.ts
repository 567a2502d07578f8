import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

vi.mock('@opensensor/buffer', async (importOriginal) => {
  const real = await importOriginal<typeof import('@opensensor/buffer')>();
  return { ...real, writeFileAtomic: vi.fn(real.writeFileAtomic) };
});

const { writeFileAtomic } = await import('@opensensor/buffer');
const { readStatusFile, statusFilePath, writeStatusFile } = await import('./status-file.js');

describe('status file', () => {
  it('is written durably (temp file, fsync, rename, fsync of the directory) and read back', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'os-status-file-')), 'state');
    const status = {
      pid: 1,
      startedAt: '2026-12-01T00:00:00.000Z',
      updatedAt: '2026-12-01T00:00:30.000Z',
      simulate: true,
      station: {},
    } as unknown as Parameters<typeof writeStatusFile>[1];
    await writeStatusFile(dir, status);
    expect(writeFileAtomic).toHaveBeenCalledWith(statusFilePath(dir), expect.any(String));
    expect(await readStatusFile(dir)).toEqual(status);
  });
});
