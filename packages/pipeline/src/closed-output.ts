/** The part of a writable stream that the handler needs (process.stdout and process.stderr have it). */
export interface ClosableOutput {
  on(event: 'error', listener: (err: Error) => void): unknown;
  off(event: 'error', listener: (err: Error) => void): unknown;
}

export interface ClosedOutputOptions {
  /** Default: process.stdout and process.stderr. */
  streams?: readonly ClosableOutput[];
  /** Injected for tests. */
  process?: Pick<NodeJS.Process, 'listenerCount' | 'emit'>;
  exit?: (code: number) => void;
}

/**
 * Ends a command quietly when the reader of its output goes away (`opensensor --help | head -3`).
 * Node.js ignores SIGPIPE, so a write to a closed pipe raises EPIPE as an 'error' event that nobody
 * handles: a stack trace and exit 1 instead of the silent end a shell user expects.
 *
 * On EPIPE (or any error of the closed stream after it): a command that is still running and listens
 * for SIGTERM (`opensensor start`, the simulator) is stopped as a SIGTERM would stop it, cleanly,
 * since its reader is gone; any other ends at once with exit code 0, the reader having taken all it
 * wanted. Any other error is thrown as before. Returns a function that removes the handlers.
 */
export function endOnClosedOutput(options: ClosedOutputOptions = {}): () => void {
  const streams: readonly ClosableOutput[] = options.streams ?? [process.stdout, process.stderr];
  const proc = options.process ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let closed = false;
  const onError = (err: Error) => {
    const code = (err as { code?: unknown }).code;
    if (code !== 'EPIPE' && code !== 'ERR_STREAM_DESTROYED' && !closed) throw err;
    if (closed) return;
    closed = true;
    if (proc.listenerCount('SIGTERM') > 0) proc.emit('SIGTERM', 'SIGTERM');
    else exit(0);
  };
  for (const s of streams) s.on('error', onError);
  return () => {
    for (const s of streams) s.off('error', onError);
  };
}
