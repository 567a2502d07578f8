import type { Command } from 'commander';
import { CliError, type CliIo, EXIT } from '../io.js';
import { type ConfigFlags, loadCommandConfig } from '../load-config.js';

export function registerSync(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('sync')
    .description('Upload every finished lake file the upload ledger lacks, once')
    .option('--dry-run', 'list what would be uploaded; touch neither the store nor the ledger')
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      `
Works whenever OPENSENSOR_STORAGE_BUCKET is set (OPENSENSOR_SYNC_ENABLED only controls the agent's
periodic sync). Exits 1 when any file could not be uploaded, saying why; a retryable failure is
picked up by the next sync.

Examples:
  $ opensensor sync --dry-run
  $ opensensor sync
  $ opensensor sync --json | jq .data.uploaded`,
    )
    .action(async (opts: { dryRun?: boolean; json?: boolean }) => {
      const { config } = loadCommandConfig(io, { envFile: program.opts<ConfigFlags>().envFile });
      if (!config.storage.bucket) {
        throw new CliError(
          'no bucket configured: set OPENSENSOR_STORAGE_BUCKET (and the provider, region, endpoint and keys) — see docs/s3-sync.md',
          EXIT.usage,
        );
      }
      const { syncOnce } = await import('@opensensor/pipeline');
      const { createProgressBar, formatSyncSummary, syncExitCode } = await import('@opensensor/s3-sync');
      const bar =
        io.isTty && !opts.json ? createProgressBar({ write: (s: string) => io.stderr(s) }) : undefined;
      const result = await syncOnce(config, {
        dryRun: opts.dryRun === true,
        manual: true,
        ...(bar ? { onProgress: bar.onProgress } : {}),
      });
      bar?.end();
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
      const code = Math.max(syncExitCode(result.data), result.health ? syncExitCode(result.health) : 0);
      if (code !== 0 && !opts.json)
        io.stderr('sync incomplete: see the lines above; retryable failures are retried by the next sync\n');
      setExit(code);
    });
}
