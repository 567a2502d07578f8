import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The built `opensensor` CLI, found through the workspace package like any dependant would. */
export function agentCli() {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('opensensor/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
  const cli = join(dirname(pkgPath), pkg.bin.opensensor);
  if (!existsSync(cli)) throw new Error(`${cli} does not exist: run \`pnpm build\` first`);
  return cli;
}

/**
 * Starts `opensensor start --simulate` in a fresh directory with a 1 s read interval (the fastest
 * the configuration allows) and the other settings at their defaults. `cli`: another build of the
 * agent's cli.js (e.g. an installed release) instead of the workspace's.
 */
export function startAgent({
  env = {},
  args = [],
  dir = mkdtempSync(join(tmpdir(), 'opensensor-agent-')),
  cli = agentCli(),
} = {}) {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, ['--', cli, 'start', '--simulate', ...args], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      OPENSENSOR_STATION_ID: '0190a8e2-7c4b-7000-8000-000000000001',
      OPENSENSOR_READ_INTERVAL: '1',
      OPENSENSOR_LOG_JSON: 'true',
      ...env,
    },
  });
  let stderr = '';
  let startedLogMs;
  child.stderr.setEncoding('utf8').on('data', (d) => {
    if (stderr.length < 65_536) stderr += d;
    // The agent logs "started" right before its read loop begins: configuration, modules, board and
    // journal are ready.
    if (startedLogMs === undefined && stderr.includes('"msg":"started"'))
      startedLogMs = Number(process.hrtime.bigint() - started) / 1e6;
  });
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return {
    child,
    dir,
    started,
    journalDir: join(dir, 'state', 'journal'),
    stderr: () => stderr,
    startedLogMs: () => startedLogMs,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Each segment file's size: where records written from now on start (for {@link journalRecords}). */
export function journalSizes(journalDir) {
  const sizes = new Map();
  for (const name of readdirSync(journalDir)) {
    if (name.endsWith('.seg')) sizes.set(name, statSync(join(journalDir, name)).size);
  }
  return sizes;
}

/**
 * The records in a journal directory, in order, read straight from the segment files (magic `OSJ1`,
 * 20-byte header; pipeline payload: byte 0 = kind, 1 reading or 3 health; bytes 8–15 = its time).
 * `since` ({@link journalSizes}): only the records after those offsets.
 */
export function journalRecords(journalDir, since = new Map()) {
  let names;
  try {
    names = readdirSync(journalDir)
      .filter((n) => n.endsWith('.seg'))
      .sort();
  } catch {
    return [];
  }
  const records = [];
  for (const name of names) {
    let buf;
    try {
      buf = readFrom(join(journalDir, name), since.get(name) ?? 0);
    } catch {
      continue;
    }
    let off = 0;
    while (off + 20 <= buf.length && buf.readUInt32BE(off) === 0x4f534a31) {
      const len = buf.readUInt32LE(off + 8);
      if (off + 20 + len > buf.length) break;
      records.push({ kind: buf[off + 20], timestamp: len >= 16 ? buf.readDoubleLE(off + 28) : Number.NaN });
      off += 20 + len;
    }
  }
  return records;
}

/** The bytes of a file from `offset` on (a poll of a journal reads only what is new). */
function readFrom(path, offset) {
  const fd = openSync(path, 'r');
  try {
    const length = Math.max(0, fstatSync(fd).size - offset);
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}
