import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { isErrorCode, OpenSensorError } from '@opensensor/errors';
import {
  backfillStation,
  type FleetPlan,
  type SimIo,
  type StationOutcome,
  type StationRunner,
} from './commands.js';

/**
 * A fleet backfill's worker threads. The main thread hands out station indices one at a time (so no
 * station starts after a failure or a Ctrl-C) and adds up what comes back; each worker runs the
 * stations it is given with the same code as a backfill in one thread, and sends its log lines,
 * progress and outcome back as messages. A worker runs the built file that holds this module (the
 * bin imports it only dynamically, so the bundler gives it a chunk of its own, and the bin's code does
 * not run in the worker); loaded in a worker with this module's `workerData`, it serves.
 */

interface WorkerInit {
  opensensorSimBackfill: 1;
  plan: FleetPlan;
  env: Record<string, string | undefined>;
  cwd: string;
}

type ToWorker = { type: 'run'; i: number } | { type: 'stop' };

interface SentError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

type FromWorker =
  | { type: 'ready' }
  | { type: 'stderr'; text: string }
  | { type: 'progress'; i: number; t: number }
  | { type: 'outcome'; outcome: StationOutcome }
  | { type: 'failed'; i: number; error: SentError };

function isBackfillWorker(data: unknown): data is WorkerInit {
  return typeof data === 'object' && data !== null && (data as WorkerInit).opensensorSimBackfill === 1;
}

if (!isMainThread && isBackfillWorker(workerData)) serveBackfillWorker(workerData);

/** The worker's side: runs each station it is sent until the main thread terminates it. */
function serveBackfillWorker(init: WorkerInit): void {
  const port = parentPort;
  if (!port) throw new Error('serveBackfillWorker runs in a worker thread');
  const send = (m: FromWorker) => port.postMessage(m);
  const stop = new AbortController();
  const io: SimIo = {
    stdout: () => {},
    stderr: (text) => send({ type: 'stderr', text }),
    env: init.env,
    cwd: init.cwd,
    isTty: false,
  };
  port.on('message', (m: ToWorker) => {
    if (m.type === 'stop') {
      stop.abort();
      return;
    }
    backfillStation(io, init.plan, m.i, stop.signal, (t) => send({ type: 'progress', i: m.i, t })).then(
      (outcome) => send({ type: 'outcome', outcome }),
      (err: unknown) => send({ type: 'failed', i: m.i, error: sendable(err) }),
    );
  });
  send({ type: 'ready' });
}

function sendable(err: unknown): SentError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const code = (err as { code?: unknown }).code;
  return {
    name: err.name,
    message: err.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(err.stack ? { stack: err.stack } : {}),
  };
}

/** The error as the worker threw it: a typed error stays one (the CLI prints it in one line). */
function revive(e: SentError): Error {
  const err =
    e.code !== undefined && isErrorCode(e.code)
      ? new OpenSensorError(e.code, e.message)
      : new Error(e.message);
  err.name = e.name;
  if (e.stack) err.stack = e.stack;
  return err;
}

/** What a worker thread's `error` event means for the user: running out of heap names what to do. */
export function workerError(err: unknown, heapLimitMb = workerHeapLimitMb()): unknown {
  if ((err as { code?: unknown } | null)?.code !== 'ERR_WORKER_OUT_OF_MEMORY') return err;
  // Typed, so the CLI prints it in one line rather than as an unexpected failure with its stack.
  return new OpenSensorError(
    'WORKER_OUT_OF_MEMORY',
    `a backfill worker thread ran out of its ${heapLimitMb} MB heap (${(err as Error).message}): ` +
      'backfill fewer stations at once per thread (--parallel) or run in one thread (--workers 1)',
    { cause: err },
  );
}

/** Starts `n` worker threads, resolved once each is ready to take stations. */
export async function startWorkers(io: SimIo, plan: FleetPlan, n: number): Promise<StationRunner[]> {
  const script = fileURLToPath(import.meta.url);
  const started = await Promise.allSettled(Array.from({ length: n }, () => startWorker(io, plan, script)));
  const runners = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(runners.map((r) => r.close()));
    throw failed.reason;
  }
  return runners;
}

interface Pending {
  resolve: (o: StationOutcome) => void;
  reject: (err: unknown) => void;
  onProgress: (t: number) => void;
}

/**
 * A thread's young generation, in MB. V8 grows it to 32 MB and more under a backfill's allocation rate
 * (a reading, its record, its columns: short-lived), and keeps it. With 8 MB, in two threads, 100
 * stations × 1 h peaked at 137-140 MB instead of 167-174 MB and 20 × 24 h at 154-165 MB instead of
 * 190-201 MB, in the same wall time within the noise (docs/performance.md, "Round 4").
 */
const WORKER_YOUNG_GENERATION_MB = 8;

/**
 * A thread's heap limit, in MB. V8 lets the old space grow between full collections by a factor it
 * derives from this limit: 4× the live heap where the default limit is large (4 GB on a 24 GB
 * machine), about 1.4× at 512 MB. A thread keeps about 9 MB alive whatever the fleet's size, but with
 * the default its old space reached 26 MB and its external memory 14 MB over 1,000 stations, so the
 * fleet's peak memory grew with its length: 10 / 100 / 1,000 stations × 1 h peaked at
 * 117 / 137 / 154 MB, and with this limit at 111 / 124 / 125 MB (docs/performance.md, "Round 5").
 * 512 MB is still 50 times what a thread keeps alive. Where V8's own limit for this machine is lower
 * (it derives it from the memory: a Pi with 512 MB), a thread gets that instead (`workerHeapLimitMb`).
 */
export const WORKER_HEAP_LIMIT_MB = 512;

/**
 * The limit a thread gets: 512 MB, or this process's own heap limit where that is lower (V8 derives it
 * from the machine's memory: a thread never gets more than the main thread would).
 */
export function workerHeapLimitMb(): number {
  return Math.min(WORKER_HEAP_LIMIT_MB, Math.floor(getHeapStatistics().heap_size_limit / 1024 ** 2));
}

function startWorker(io: SimIo, plan: FleetPlan, script: string): Promise<StationRunner> {
  const init: WorkerInit = { opensensorSimBackfill: 1, plan, env: { ...io.env }, cwd: io.cwd };
  const worker = new Worker(script, {
    workerData: init,
    resourceLimits: {
      maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB,
      maxOldGenerationSizeMb: workerHeapLimitMb(),
    },
  });
  const pending = new Map<number, Pending>();
  let closing = false;
  const failAll = (err: unknown) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  const runner: StationRunner = {
    run(i, signal, onProgress) {
      return new Promise<StationOutcome>((resolve, reject) => {
        const onAbort = () => worker.postMessage({ type: 'stop' } satisfies ToWorker);
        const settle = () => signal.removeEventListener('abort', onAbort);
        pending.set(i, {
          resolve: (o) => {
            settle();
            resolve(o);
          },
          reject: (err) => {
            settle();
            reject(err);
          },
          onProgress,
        });
        signal.addEventListener('abort', onAbort, { once: true });
        worker.postMessage({ type: 'run', i } satisfies ToWorker);
        if (signal.aborted) onAbort();
      });
    },
    async close() {
      closing = true;
      await worker.terminate();
    },
  };
  return new Promise<StationRunner>((resolve, reject) => {
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready') resolve(runner);
      else if (m.type === 'stderr') io.stderr(m.text);
      else if (m.type === 'progress') pending.get(m.i)?.onProgress(m.t);
      else if (m.type === 'outcome') {
        const p = pending.get(m.outcome.index);
        pending.delete(m.outcome.index);
        p?.resolve(m.outcome);
      } else if (m.type === 'failed') {
        const p = pending.get(m.i);
        pending.delete(m.i);
        p?.reject(revive(m.error));
      }
    });
    worker.on('error', (thrown) => {
      const err = workerError(thrown);
      reject(err);
      failAll(err);
    });
    worker.on('exit', (code) => {
      if (closing) return;
      const err = new Error(
        `a backfill worker thread ended (exit code ${code}) before it was done: ${script} did not run as one`,
      );
      reject(err);
      failAll(err);
    });
  });
}
