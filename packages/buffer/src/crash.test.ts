import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal } from './journal.js';
import type { FsyncPolicy } from './options.js';
import { captureLogger, makeTempDir, samePayload } from './test-support.js';

/*
 * A real process is killed with SIGKILL in the middle of its append loop, then the journal is
 * reopened here. The child runs this package's own source, transpiled to plain JavaScript first
 * (Node 20 cannot run TypeScript).
 */
const here = dirname(fileURLToPath(import.meta.url));
let work: { dir: string; cleanup: () => void };
let modulePath: string;

beforeAll(() => {
  work = makeTempDir('journal-crash-');
  const out = join(work.dir, 'lib');
  mkdirSync(out);
  for (const file of readdirSync(here)) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts') || file === 'test-support.ts') continue;
    const { outputText } = ts.transpileModule(readFileSync(join(here, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(join(out, file.replace(/\.ts$/, '.js')), outputText);
  }
  writeFileSync(join(out, 'package.json'), '{"type":"module"}');
  // The one workspace package the journal imports, transpiled beside it the same way.
  const errors = join(out, 'node_modules', '@opensensor', 'errors');
  mkdirSync(errors, { recursive: true });
  const errorsSrc = join(here, '..', '..', 'errors', 'src');
  for (const file of readdirSync(errorsSrc)) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    const { outputText } = ts.transpileModule(readFileSync(join(errorsSrc, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(join(errors, file.replace(/\.ts$/, '.js')), outputText);
  }
  writeFileSync(join(errors, 'package.json'), '{"type":"module","exports":"./index.js"}');
  modulePath = join(out, 'index.js');
});
afterAll(() => work.cleanup());

interface ChildRun {
  acked: number[];
  committed: number;
  exitSignal: NodeJS.Signals | null;
}

function runAndKill(dir: string, policy: string, killAfterAcks: number): Promise<ChildRun> {
  const child = spawn(
    process.execPath,
    [join(here, '..', 'test', 'crash-child.mjs'), modulePath, dir, policy],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const acked: number[] = [];
  let committed = 0;
  let buffered = '';
  let stderr = '';
  let killed = false;
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('A ')) acked.push(Number(line.slice(2)));
      else if (line.startsWith('C ')) committed = Number(line.slice(2));
    }
    if (!killed && acked.length >= killAfterAcks) {
      killed = true;
      child.kill('SIGKILL');
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code ?? signal}: ${stderr}`));
      else resolve({ acked, committed, exitSignal: signal });
    });
  });
}

describe.each<[string, FsyncPolicy]>([
  ['always', 'always'],
  ['interval', { interval: 20 }],
  ['never', 'never'],
])('SIGKILL during an append loop (fsync %s)', (policy, fsync) => {
  it('keeps every acknowledged append, in order, intact, and the last committed cursor', async () => {
    const dir = join(work.dir, `journal-${policy}`);
    let previousLast = 0;
    // Two kills in a row: the second run appends to a recovered journal.
    for (const killAfter of [300, 250]) {
      const run = await runAndKill(dir, policy, killAfter);
      expect(run.exitSignal).toBe('SIGKILL');
      expect(run.acked.length).toBeGreaterThanOrEqual(killAfter);
      const maxAcked = Math.max(...run.acked);
      expect(Math.min(...run.acked)).toBe(previousLast + 1);

      const journal = await Journal.open({ dir, fsync, segmentBytes: 4096, logger: captureLogger() });
      try {
        const cursor = journal.cursor('parquet');
        expect(cursor).toBeGreaterThanOrEqual(run.committed);
        // Retention may have deleted what the child committed; everything after the cursor is here.
        const records = await journal.readBatch('parquet', { fromSeq: 1 });
        const seqs = records.map((r) => r.seq);
        expect(seqs[0]).toBeLessThanOrEqual(cursor + 1);
        // Nothing acknowledged is missing, nothing is duplicated, nothing is out of order.
        expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => (seqs[0] as number) + i));
        expect(seqs.at(-1)).toBeGreaterThanOrEqual(maxAcked);
        for (const r of records) expect(samePayload(r.seq, r.value)).toBe(true);
        expect(journal.stats().corrupt.regions).toBe(0);
        previousLast = seqs.at(-1) as number;
      } finally {
        await journal.close();
      }
    }
  });
});
