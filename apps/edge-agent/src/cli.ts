#!/usr/bin/env node
import { endOnClosedOutput, silenceAwsSdkNodeNotice } from '@opensensor/pipeline/process';
import { processIo } from './io.js';
import { runCli } from './program.js';

endOnClosedOutput();
silenceAwsSdkNodeNotice();
runCli(process.argv.slice(2), processIo()).then(
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
