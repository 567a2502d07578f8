/**
 * `opensensor sync` and `opensensor status` against an in-process S3 endpoint whose answers the test
 * decides: it can accept some uploads and then stall, like a store behind a dying link.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shutdownSignal } from '@opensensor/pipeline';
import { openLedger } from '@opensensor/s3-sync';
import { writeFakeLake } from '@opensensor/s3-sync/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../program.js';
import { memoryIo } from '../testing-io.js';

const STATION = '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f';

interface FakeStore {
  endpoint: string;
  /** Object keys stored, in arrival order. */
  keys: string[];
  close(): Promise<void>;
}

/**
 * A minimal S3 endpoint (path-style): PUT stores (412 for `If-None-Match: *` on an existing key),
 * HEAD answers with size, ETag and metadata. `decide` is asked for each new PUT: `ok`, or `stall`
 * (read the body, never answer).
 */
async function fakeStore(decide: (putNumber: number, key: string) => 'ok' | 'stall'): Promise<FakeStore> {
  const objects = new Map<string, { size: number; etag: string; meta: Record<string, string> }>();
  const keys: string[] = [];
  let puts = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const key = decodeURIComponent((req.url ?? '').split('?')[0] ?? '').replace(/^\/[^/]+\//, '');
      const existing = objects.get(key);
      if (req.method === 'PUT') {
        if (existing && req.headers['if-none-match'] === '*') {
          res
            .writeHead(412, { 'Content-Type': 'application/xml' })
            .end('<Error><Code>PreconditionFailed</Code><Message>exists</Message></Error>');
          return;
        }
        if (decide(++puts, key) === 'stall') return;
        const meta: Record<string, string> = {};
        for (const [h, v] of Object.entries(req.headers))
          if (h.startsWith('x-amz-meta-') && typeof v === 'string') meta[h] = v;
        const etag = `"${puts.toString(16).padStart(32, '0')}"`;
        objects.set(key, { size: Buffer.concat(chunks).length, etag, meta });
        keys.push(key);
        res.writeHead(200, { ETag: etag }).end();
        return;
      }
      if (req.method === 'HEAD') {
        if (!existing) res.writeHead(404).end();
        else
          res
            .writeHead(200, { 'Content-Length': existing.size, ETag: existing.etag, ...existing.meta })
            .end();
        return;
      }
      res.writeHead(400).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    keys,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const stores: FakeStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

const env = (store: FakeStore, extra: Record<string, string> = {}) => ({
  OPENSENSOR_STATION_ID: STATION,
  OPENSENSOR_STORAGE_PROVIDER: 'minio',
  OPENSENSOR_STORAGE_BUCKET: 'station-lake',
  OPENSENSOR_STORAGE_PREFIX: 'sensors',
  OPENSENSOR_STORAGE_ENDPOINT: store.endpoint,
  OPENSENSOR_AWS_ACCESS_KEY_ID: 'test',
  OPENSENSOR_AWS_SECRET_ACCESS_KEY: 'test-secret',
  OPENSENSOR_HEALTH_ENABLED: 'false',
  ...extra,
});

async function ledgerKeys(dir: string): Promise<string[]> {
  const l = await openLedger(join(dir, 'state', 'ledger', 'data.jsonl'), { lock: false });
  const keys = [...l.entries()].map((e) => e.key).sort();
  await l.close();
  return keys;
}

describe('opensensor sync', () => {
  it('a stalled store: the time budget ends the sync, says what was uploaded and what is left, exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-sync-stall-'));
    await writeFakeLake(join(dir, 'output'), { stations: [STATION], filesPerStation: 4 });
    const store = await fakeStore((n) => (n <= 2 ? 'ok' : 'stall'));
    stores.push(store);
    // Off a terminal (memoryIo is not a TTY): plain progress lines on stderr.
    const t = memoryIo(env(store), dir);
    expect(await runCli(['sync', '--timeout', '2'], t.io)).toBe(1);
    expect(t.stderr()).toContain('lake: 4 file(s) to upload (8.0 KiB)\n');
    // How many of the answered uploads finish inside the budget depends on how busy the machine is
    // (loading the SDK counts too): at most the two the store answers. The report must say exactly that many.
    const m =
      /time budget of 2 s ran out: (\d) of 4 files uploaded \(([^)]*)\), (\d) left; run opensensor sync again, or allow more time with --timeout or OPENSENSOR_SYNC_TIMEOUT\n/.exec(
        t.stderr(),
      );
    expect(m, t.stderr()).not.toBeNull();
    const uploaded = Number(m?.[1]);
    expect(uploaded).toBeLessThanOrEqual(2);
    expect(Number(m?.[3])).toBe(4 - uploaded);
    expect(t.stderr()).not.toContain('\r');
    expect(t.stderr()).not.toContain('\u001b');
    expect(t.stdout()).toMatch(new RegExp(`uploaded ${uploaded} .*failed ${4 - uploaded}`));
    // Nothing recorded that the store did not confirm.
    expect(await ledgerKeys(dir)).toEqual([...store.keys].sort());
    expect(store.keys).toHaveLength(uploaded);
  });

  it('OPENSENSOR_SYNC_TIMEOUT sets the budget; --timeout is checked like the setting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-sync-budget-'));
    await writeFakeLake(join(dir, 'output'), { stations: [STATION], filesPerStation: 1 });
    const store = await fakeStore(() => 'stall');
    stores.push(store);
    const t = memoryIo(env(store, { OPENSENSOR_SYNC_TIMEOUT: '1' }), dir);
    expect(await runCli(['sync', '--json'], t.io)).toBe(1);
    expect(JSON.parse(t.stdout()).data).toMatchObject({ uploaded: 0, ok: false });
    expect(t.stderr()).toMatch(/time budget of 1 s ran out: 0 of 1 files uploaded/);
    const bad = memoryIo(env(store), dir);
    expect(await runCli(['sync', '--timeout', 'soon'], bad.io)).toBe(2);
    expect(bad.stderr()).toMatch(/--timeout/);
  });

  it('SIGTERM mid-sync: aborts what is in flight, one line, exit 1, the ledger holds only confirmed uploads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-sync-term-'));
    await writeFakeLake(join(dir, 'output'), { stations: [STATION], filesPerStation: 5 });
    // The real signal handling, on a stand-in process object the test can signal.
    const proc = new EventEmitter();
    const exits: number[] = [];
    let healthy = false;
    const store = await fakeStore((n) => {
      if (healthy || n <= 2) return 'ok';
      if (n === 3) proc.emit('SIGTERM', 'SIGTERM');
      return 'stall';
    });
    stores.push(store);
    const t = memoryIo(env(store, { OPENSENSOR_SYNC_CONCURRENCY: '1' }), dir);
    t.io.deps = {
      shutdown: (o) =>
        shutdownSignal({ ...o, process: proc as unknown as NodeJS.Process, exit: (c) => exits.push(c) }),
    };
    expect(await runCli(['sync'], t.io)).toBe(1);
    expect(t.stderr()).toMatch(
      /\ninterrupted: 2 of 5 files uploaded; run opensensor sync again to upload the rest\n$/,
    );
    expect(exits).toEqual([]);
    expect(proc.listenerCount('SIGTERM')).toBe(0);
    expect(await ledgerKeys(dir)).toEqual([...store.keys].sort());
    expect(store.keys).toHaveLength(2);

    // The next sync uploads exactly the rest.
    healthy = true;
    const again = memoryIo(env(store), dir);
    expect(await runCli(['sync', '--json'], again.io)).toBe(0);
    expect(JSON.parse(again.stdout()).data).toMatchObject({ uploaded: 3, skipped: 2, ok: true });
  });

  it('quarantines a broken file and reports a repaired ledger in text and JSON; status shows both', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-sync-broken-'));
    const files = await writeFakeLake(join(dir, 'output'), { stations: [STATION], filesPerStation: 4 });
    const store = await fakeStore(() => 'ok');
    stores.push(store);
    const [a, b] = files;
    await writeFile(a?.path as string, '');
    await truncate(b?.path as string, 100);

    const first = memoryIo(env(store), dir);
    expect(await runCli(['sync'], first.io)).toBe(1);
    expect(first.stdout()).toMatch(/uploaded 2 .*quarantined 2/);
    expect(first.stdout()).toContain(
      `needs action: ${a?.path}: not a valid Parquet file (empty file (0 bytes)); moved to ${join(dir, 'output-quarantine', a?.relativePath as string)}, not uploaded`,
    );
    expect(first.stderr()).toContain(`lake: not uploading ${b?.path}: does not end with the Parquet magic`);
    expect(store.keys).toHaveLength(2);

    const status = memoryIo(env(store), dir);
    expect(await runCli(['status', '--json'], status.io)).toBe(0);
    expect(JSON.parse(status.stdout())).toMatchObject({
      quarantine: { files: 2, bytes: 100, dirs: [join(dir, 'output-quarantine')] },
      uploads: { uploaded: 2, pending: 0, ledgerDamage: { skippedLines: 0, truncatedBytes: 0 } },
    });
    const text = memoryIo(env(store), dir);
    expect(await runCli(['status'], text.io)).toBe(0);
    expect(text.stdout()).toMatch(
      /Quarantine\s+2 broken lake file\(s\), 0\.1 KiB, never uploaded: .*output-quarantine/,
    );

    // A bit flip in the ledger: status sees it, the next sync repairs it and says so, once.
    const path = join(dir, 'state', 'ledger', 'data.jsonl');
    await writeFile(path, (await readFile(path, 'utf8')).replace('"op":"put"', '"op":"p\\u0000t"'));
    const damaged = memoryIo(env(store), dir);
    await runCli(['status', '--json'], damaged.io);
    expect(JSON.parse(damaged.stdout()).uploads.ledgerDamage).toEqual({ skippedLines: 1, truncatedBytes: 0 });
    const damagedText = memoryIo(env(store), dir);
    await runCli(['status'], damagedText.io);
    expect(damagedText.stdout()).toMatch(/upload ledger has 1 damaged line\(s\), repaired by the next sync/);

    const repair = memoryIo(env(store), dir);
    expect(await runCli(['sync', '--json'], repair.io)).toBe(0);
    expect(JSON.parse(repair.stdout()).data).toMatchObject({
      ledgerRepair: { skippedLines: 1, truncatedBytes: 0, damagedLinesFile: `${path}.damaged` },
      alreadyPresent: 1,
      uploaded: 0,
      quarantined: 0,
      ok: true,
    });
    const after = memoryIo(env(store), dir);
    expect(await runCli(['sync'], after.io)).toBe(0);
    expect(after.stdout()).not.toMatch(/repaired/);
  });

  it('after the bucket or the prefix changes, status counts as pending exactly what sync uploads, health lake included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-sync-moved-'));
    await writeFakeLake(join(dir, 'output'), { stations: [STATION], filesPerStation: 3 });
    await writeFakeLake(join(dir, 'output-health'), {
      stations: [STATION],
      filesPerStation: 2,
      stream: 'health',
    });
    const store = await fakeStore(() => 'ok');
    stores.push(store);
    const withHealth = (extra: Record<string, string> = {}) =>
      env(store, { OPENSENSOR_HEALTH_ENABLED: 'true', ...extra });
    const statusOf = async (extra: Record<string, string> = {}) => {
      const t = memoryIo(withHealth(extra), dir);
      expect(await runCli(['status', '--json'], t.io)).toBe(0);
      return JSON.parse(t.stdout()).uploads;
    };
    const planned = async (extra: Record<string, string> = {}) => {
      const t = memoryIo(withHealth(extra), dir);
      expect(await runCli(['sync', '--dry-run', '--json'], t.io), t.stderr()).toBe(0);
      const r = JSON.parse(t.stdout());
      return r.data.planned.length + (r.health?.planned.length ?? 0);
    };

    expect(await statusOf()).toMatchObject({ pending: 5, uploaded: 0 });
    const first = memoryIo(withHealth(), dir);
    expect(await runCli(['sync', '--json'], first.io), first.stderr()).toBe(0);
    expect(await statusOf()).toMatchObject({
      pending: 0,
      uploaded: 5,
      streams: { data: { pending: 0, uploaded: 3 }, health: { pending: 0, uploaded: 2 } },
    });
    expect(await planned()).toBe(0);

    // Another bucket: nothing is in it yet, whatever the keys.
    const moved = { OPENSENSOR_STORAGE_BUCKET: 'new-lake' };
    expect(await statusOf(moved)).toMatchObject({ pending: 5, uploaded: 0, lastUploadAt: null });
    expect(await planned(moved)).toBe(5);
    // Another prefix in the same bucket.
    const renamed = { OPENSENSOR_STORAGE_PREFIX: 'sensors-v2' };
    expect(await statusOf(renamed)).toMatchObject({ pending: 5, uploaded: 0 });
    expect(await planned(renamed)).toBe(5);
  });
});
