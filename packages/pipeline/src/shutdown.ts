export interface ShutdownOptions {
  /** After the first signal, give up waiting and exit with code 1 after this long. Default 20 s. */
  graceMs?: number;
  onSignal?: (signal: NodeJS.Signals) => void;
  /** Injected for tests. */
  exit?: (code: number) => void;
  process?: Pick<NodeJS.Process, 'on' | 'off'>;
}

/**
 * SIGINT/SIGTERM handling for the long-running commands: the first signal aborts the returned
 * signal (stop reading, flush, commit, exit 0); a second one exits at once with 130. Nothing is
 * corrupted either way: every file is written atomically and the journal recovers a torn tail.
 */
export function shutdownSignal(options: ShutdownOptions = {}): { signal: AbortSignal; dispose: () => void } {
  const proc = options.process ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const handler = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      exit(130);
      return;
    }
    options.onSignal?.(sig);
    controller.abort();
    timer = setTimeout(() => exit(1), options.graceMs ?? 20_000);
    timer.unref();
  };
  proc.on('SIGINT', handler);
  proc.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      proc.off('SIGINT', handler);
      proc.off('SIGTERM', handler);
      if (timer) clearTimeout(timer);
    },
  };
}
