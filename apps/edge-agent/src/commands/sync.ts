import type { Command } from 'commander';
import { CliError, type CliIo, EXIT } from '../io.js';
import { type ConfigFlags, loadCommandConfig } from '../load-config.js';

interface SyncFlags {
  dryRun?: boolean;
  json?: boolean;
  timeout?: string;
}

export function registerSync(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('sync')
    .description('Upload every finished lake file the upload ledger lacks, once')
    .option('--dry-run', 'list what would be uploaded; touch neither the store nor the ledger')
    .option('--json', 'print the summary as JSON')
    .option(
      '--timeout <sec>',
      'give up after this many seconds, 0 for no limit (overrides OPENSENSOR_SYNC_TIMEOUT, default 300)',
    )
    .addHelpText(
      'after',
      `
Works whenever OPENSENSOR_STORAGE_BUCKET is set (OPENSENSOR_SYNC_ENABLED only controls the agent's
periodic sync). Exits 1 when any file could not be uploaded, saying why; a retryable failure is
picked up by the next sync. A file that is not valid Parquet (empty, truncated) is never uploaded:
it is moved to <lake>-quarantine and reported.

When the time budget runs out, or on Ctrl-C / SIGTERM, uploads in flight are aborted, what was
uploaded stays recorded, and it exits 1 saying how many files are left for the next sync. Off a
terminal it prints a progress line at least every 10 s.

Examples:
  $ opensensor sync --dry-run
  $ opensensor sync
  $ opensensor sync --timeout 3600        # a long backlog over a slow link
  $ opensensor sync --json | jq .data.uploaded`,
    )
    .action(async (opts: SyncFlags) => {
      const { config } = loadCommandConfig(
        io,
        { envFile: program.opts<ConfigFlags>().envFile },
        { syncTimeout: opts.timeout },
        { syncTimeout: '--timeout' },
      );
      if (!config.storage.bucket) {
        throw new CliError(
          'no bucket configured: set OPENSENSOR_STORAGE_BUCKET (and the provider, region, endpoint and keys) — see docs/s3-sync.md',
          EXIT.usage,
        );
      }
      const { shutdownSignal, syncOnce } = await import('@opensensor/pipeline');
      const { createProgressBar, createProgressLog, formatBytes, formatSyncSummary, syncExitCode } =
        await import('@opensensor/s3-sync');
      type Progress = ReturnType<typeof createProgressLog>;
      const write = { write: (s: string) => io.stderr(s) };
      const bar = io.isTty && !opts.json ? createProgressBar(write) : undefined;
      // Off a terminal (a service, cron, a pipe) a bar would be noise; plain lines show it is alive.
      const logs = new Map<string, Progress>();
      const lineLog = (stream: 'data' | 'health'): Progress => {
        let l = logs.get(stream);
        if (!l) {
          l = createProgressLog(write, { label: stream === 'data' ? 'lake: ' : 'health: ' });
          logs.set(stream, l);
        }
        return l;
      };
      const plain = !io.isTty && !opts.json;
      const shutdown = (io.deps?.shutdown ?? shutdownSignal)();
      const budgetSec = config.syncTimeout;
      let result: Awaited<ReturnType<typeof syncOnce>>;
      try {
        result = await syncOnce(config, {
          dryRun: opts.dryRun === true,
          manual: true,
          signal: shutdown.signal,
          ...(budgetSec > 0 ? { timeBudgetMs: budgetSec * 1000 } : {}),
          onProgress: (e, stream) => {
            bar?.onProgress(e);
            if (plain) {
              // A stream ends its progress lines before the next one starts.
              if (e.type === 'start') for (const [s, l] of logs) if (s !== stream) l.end();
              lineLog(stream).onProgress(e);
            }
          },
        });
      } finally {
        bar?.end();
        for (const l of logs.values()) l.end();
        shutdown.dispose();
      }
      if (opts.json) {
        io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        io.stdout(`lake:   ${formatSyncSummary(result.data)}\n`);
        if (result.health) io.stdout(`health: ${formatSyncSummary(result.health)}\n`);
        if (result.retention)
          io.stdout(
            `retention: deleted ${result.retention.deleted} verified file(s), ${result.retention.bytes} bytes\n`,
          );
      }
      const runs = result.health ? [result.data, result.health] : [result.data];
      const sum = (f: (s: (typeof runs)[number]) => number) => runs.reduce((n, s) => n + f(s), 0);
      const uploaded = sum((s) => s.uploaded + s.alreadyPresent);
      const of = uploaded + sum((s) => s.pending + s.failed);
      if (shutdown.signal.aborted) {
        io.stderr(
          `interrupted: ${uploaded} of ${of} files uploaded; run opensensor sync again to upload the rest\n`,
        );
        setExit(EXIT.failed);
        return;
      }
      if (runs.some((s) => s.errors.some((e) => e.code === 'TIME_BUDGET'))) {
        io.stderr(
          `time budget of ${budgetSec} s ran out: ${uploaded} of ${of} files uploaded (${formatBytes(sum((s) => s.bytes))}), ${of - uploaded} left; run opensensor sync again, or allow more time with --timeout or OPENSENSOR_SYNC_TIMEOUT\n`,
        );
        setExit(EXIT.failed);
        return;
      }
      const code = Math.max(...runs.map((s) => syncExitCode(s)));
      if (code !== 0 && !opts.json)
        io.stderr('sync incomplete: see the lines above; retryable failures are retried by the next sync\n');
      setExit(code);
    });
}
