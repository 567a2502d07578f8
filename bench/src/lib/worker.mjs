import { selfUsage } from './proc.mjs';

/** The params a worker was started with (see runWorker). */
export function workerParams() {
  return JSON.parse(process.argv[2] ?? '{}');
}

/** Prints the worker's result with this process's CPU, peak RSS and write counters, as one JSON line. */
export function emitResult(result) {
  process.stdout.write(`${JSON.stringify({ ...result, ...selfUsage() })}\n`);
}

/** Milliseconds since `since` (a process.hrtime.bigint() value). */
export function msSince(since) {
  return Number(process.hrtime.bigint() - since) / 1e6;
}
