import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** `fsync` of a directory fails with this code (null: it succeeds). */
let dirSyncError: string | null = null;
/** `fsync` of a regular file fails with this code (null: it succeeds). */
let fileSyncError: string | null = null;
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const failure = (fd: number) => {
    const code = real.fstatSync(fd).isDirectory() ? dirSyncError : fileSyncError;
    return code === null ? null : Object.assign(new Error(`fsync: ${code}`), { code });
  };
  const fsync = (fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => {
    const err = failure(fd);
    if (err) setImmediate(() => callback(err));
    else real.fsync(fd, callback);
  };
  const fsyncSync = (fd: number) => {
    const err = failure(fd);
    if (err) throw err;
    real.fsyncSync(fd);
  };
  return { ...real, fsync, fsyncSync, default: { ...real, fsync, fsyncSync } };
});

const { commitTempFile, fsyncDir, fsyncDirSync, writeFileAtomic, writeFileAtomicSync } = await import(
  './fs-util.js'
);

afterEach(() => {
  dirSyncError = null;
  fileSyncError = null;
});

describe('fsyncDir: one error policy', () => {
  it.each(['EINVAL', 'EPERM', 'EISDIR', 'ENOTSUP', 'EOPNOTSUPP'])(
    'accepts a filesystem that refuses fsync on a directory (%s)',
    async (code) => {
      dirSyncError = code;
      await expect(fsyncDir(mkdtempSync(join(tmpdir(), 'os-fsync-')))).resolves.toBeUndefined();
    },
  );

  it('throws a failing disk (EIO) and a missing directory', async () => {
    dirSyncError = 'EIO';
    await expect(fsyncDir(mkdtempSync(join(tmpdir(), 'os-fsync-')))).rejects.toMatchObject({ code: 'EIO' });
    dirSyncError = null;
    await expect(fsyncDir(join(tmpdir(), 'os-fsync-missing', 'x'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('is the same for synchronous callers', () => {
    dirSyncError = 'ENOTSUP';
    expect(() => fsyncDirSync(mkdtempSync(join(tmpdir(), 'os-fsync-')))).not.toThrow();
    dirSyncError = 'EIO';
    expect(() => fsyncDirSync(mkdtempSync(join(tmpdir(), 'os-fsync-')))).toThrow(
      expect.objectContaining({ code: 'EIO' }),
    );
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file with a string, bytes or chunks, leaves no temp file, and sets the mode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-atomic-'));
    const path = join(dir, 'state.json');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, new TextEncoder().encode('two'));
    expect(readFileSync(path, 'utf8')).toBe('two');
    await writeFileAtomic(path, ['th', new TextEncoder().encode('ree')], { mode: 0o600 });
    expect(readFileSync(path, 'utf8')).toBe('three');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('keeps the old content when writing the new one fails, and removes its temp file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-atomic-'));
    const path = join(dir, 'state.json');
    writeFileSync(path, 'old');
    function* failing(): Generator<string> {
      yield 'half';
      throw new Error('the producer failed');
    }
    await expect(writeFileAtomic(path, failing())).rejects.toThrow('the producer failed');
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('fails when the directory cannot be made durable, after the rename', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-atomic-'));
    dirSyncError = 'EIO';
    await expect(writeFileAtomic(join(dir, 'x'), 'new')).rejects.toMatchObject({ code: 'EIO' });
    expect(readFileSync(join(dir, 'x'), 'utf8')).toBe('new');
    // Contents too large to be written synchronously take the other path, with the same outcome.
    const large = 'y'.repeat(300 * 1024);
    await expect(writeFileAtomic(join(dir, 'y'), large)).rejects.toMatchObject({ code: 'EIO' });
    expect(readFileSync(join(dir, 'y'), 'utf8')).toBe(large);
    expect(readdirSync(dir).sort()).toEqual(['x', 'y']);
  });

  it('keeps the old content and no temp file when the new content cannot be made durable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-atomic-'));
    const path = join(dir, 'cursor.json');
    writeFileSync(path, 'old');
    fileSyncError = 'EIO';
    await expect(writeFileAtomic(path, 'new')).rejects.toMatchObject({ code: 'EIO' });
    expect(() => writeFileAtomicSync(path, 'new')).toThrow(expect.objectContaining({ code: 'EIO' }));
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['cursor.json']);
  });

  it('replaces a large string, over a stale temp file, with the mode asked for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-atomic-'));
    const path = join(dir, 'index.json');
    writeFileSync(`${path}.tmp`, 'stale', { mode: 0o644 });
    const large = 'z'.repeat(300 * 1024);
    await writeFileAtomic(path, large, { mode: 0o600 });
    expect(readFileSync(path, 'utf8')).toBe(large);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['index.json']);
  });
});

describe('writeFileAtomicSync', () => {
  it('replaces the file with the mode from the first byte, over a stale temp file of another mode', () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-atomic-sync-'));
    const path = join(dir, '.env');
    writeFileSync(`${path}.tmp`, 'stale', { mode: 0o644 });
    writeFileAtomicSync(path, 'SECRET=1\n', { mode: 0o600 });
    expect(readFileSync(path, 'utf8')).toBe('SECRET=1\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['.env']);
  });
});

describe('commitTempFile', () => {
  it('puts a file something else wrote in place', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-commit-'));
    writeFileSync(join(dir, '.x.tmp'), 'bytes');
    await commitTempFile(join(dir, '.x.tmp'), join(dir, 'x'));
    expect(readdirSync(dir)).toEqual(['x']);
  });
});
