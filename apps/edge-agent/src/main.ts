import { endOnClosedOutput, silenceAwsSdkNodeNotice } from '@opensensor/pipeline/process';
import { processIo } from './io.js';
import { runCli } from './program.js';

/** The CLI process after cli.ts: `v8Flags` are the V8 flags it set for `start` (v8-flags.ts). */
export function main(argv: readonly string[], v8Flags: readonly string[] | undefined): void {
  endOnClosedOutput();
  silenceAwsSdkNodeNotice();
  runCli(argv, processIo(v8Flags)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(
        `opensensor: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
