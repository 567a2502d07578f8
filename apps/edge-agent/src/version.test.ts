import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { duckDbUnavailableMessage } from './duckdb-hint.js';
import { runCli } from './program.js';
import { memoryIo } from './testing-io.js';
import { formatVersion, gitCommit, readVersionInfo, versionInfo } from './version.js';

const SHA = 'a'.repeat(40);

describe('opensensor --version', () => {
  it('prints the agent version first, then the build, the commit and every linked library', async () => {
    const t = memoryIo({}, mkdtempSync(join(tmpdir(), 'os-version-')));
    expect(await runCli(['--version'], t.io)).toBe(0);
    const lines = t.stdout().split('\n');
    expect(lines[0]).toMatch(/^\d+\.\d+\.\d+/);
    expect(lines[1]).toMatch(/^opensensor \S+, workspace build, commit [0-9a-f]{12}/);
    // The agent reaches these through its dependencies (pipeline → buffer, …).
    for (const lib of [
      '@opensensor/config',
      '@opensensor/pipeline',
      '@opensensor/buffer',
      '@opensensor/lake',
    ])
      expect(t.stdout()).toMatch(new RegExp(`^  ${lib} +\\d`, 'm'));
  });

  it('reads a release file when there is one: bundled libraries and the commit of the pack', () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-release-'));
    writeFileSync(
      join(dir, 'release.json'),
      JSON.stringify({
        name: 'opensensor',
        version: '1.2.3',
        libraries: { '@opensensor/buffer': '1.0.0' },
        commit: SHA,
        dirty: false,
      }),
    );
    const v = readVersionInfo(dir);
    expect(v).toEqual({
      name: 'opensensor',
      version: '1.2.3',
      build: 'release',
      libraries: { '@opensensor/buffer': '1.0.0' },
      commit: SHA,
      dirty: false,
    });
    expect(formatVersion(v)).toBe(
      `1.2.3\nopensensor 1.2.3, release build, commit ${SHA.slice(0, 12)}\nbundled libraries:\n  @opensensor/buffer  1.0.0\n`,
    );
  });

  it('status --json carries the same information', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-version-'));
    const t = memoryIo({ OPENSENSOR_STATION_ID: '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f' }, dir);
    expect(await runCli(['status', '--json'], t.io)).toBe(0);
    const report = JSON.parse(t.stdout());
    expect(report.version).toEqual(versionInfo());
    expect(report.agent.version).toBeNull();
  });

  it('plain status names the version, and a running agent that runs another one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-version-'));
    const env = { OPENSENSOR_STATION_ID: '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f' };
    const t = memoryIo(env, dir);
    expect(await runCli(['status'], t.io)).toBe(0);
    expect(t.stdout()).toMatch(/^Version {5}opensensor \S+, workspace build, commit [0-9a-f]{12}$/m);
    // The status file of an agent started before an upgrade.
    const old = { ...versionInfo(), version: '0.0.0-old', build: 'release', commit: SHA };
    mkdirSync(join(dir, 'state'), { recursive: true });
    writeFileSync(
      join(dir, 'state', 'status.json'),
      JSON.stringify({
        pid: 1,
        startedAt: '2026-01-01T00:00:00Z',
        updatedAt: '2026-01-01T00:00:00Z',
        simulate: true,
        version: old,
      }),
    );
    const u = memoryIo(env, dir);
    expect(await runCli(['status'], u.io)).toBe(0);
    expect(u.stdout()).toContain(
      `the agent that wrote the status file runs opensensor 0.0.0-old, release build, commit ${SHA.slice(0, 12)} (restart it to run this one)`,
    );
  });
});

describe('gitCommit', () => {
  it('follows a symbolic HEAD to a loose ref, then to packed-refs; null outside a checkout', () => {
    const root = mkdtempSync(join(tmpdir(), 'os-git-'));
    const sub = join(root, 'a', 'b');
    mkdirSync(sub, { recursive: true });
    mkdirSync(join(root, '.git', 'refs', 'heads'), { recursive: true });
    writeFileSync(join(root, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(root, '.git', 'packed-refs'), `# pack-refs with: peeled\n${SHA} refs/heads/main\n`);
    expect(gitCommit(sub)).toBe(SHA);
    writeFileSync(join(root, '.git', 'refs', 'heads', 'main'), `${'b'.repeat(40)}\n`);
    expect(gitCommit(sub)).toBe('b'.repeat(40));
    writeFileSync(join(root, '.git', 'HEAD'), `${'c'.repeat(40)}\n`);
    expect(gitCommit(sub)).toBe('c'.repeat(40));
    // /tmp itself is not in a checkout.
    expect(gitCommit(tmpdir())).toBeNull();
  });
});

describe('the lake commands without DuckDB', () => {
  const engineError = (cause: object) =>
    Object.assign(new Error('DuckDB (@duckdb/node-api) cannot be loaded'), {
      code: 'ENGINE_UNAVAILABLE',
      cause,
    });

  it('on 32-bit ARM: there is no build, run the jobs elsewhere', () => {
    const msg = duckDbUnavailableMessage(engineError({ code: 'ERR_MODULE_NOT_FOUND' }), 'arm', 'linux');
    expect(msg).toContain('no build for linux-arm');
    expect(msg).toContain('64-bit machine');
    expect(msg).not.toContain('npm install');
  });

  it('on a 64-bit machine where it is missing: the command that installs it', () => {
    const msg = duckDbUnavailableMessage(engineError({ code: 'ERR_MODULE_NOT_FOUND' }), 'x64', 'linux');
    expect(msg).toContain('not installed');
    expect(msg).toContain('npm install -g @duckdb/node-api');
  });

  it('when it is there but broken: what failed', () => {
    const msg = duckDbUnavailableMessage(engineError({ message: 'invalid ELF header' }), 'arm64', 'linux');
    expect(msg).toContain('failed to load on linux-arm64: invalid ELF header');
  });
});
