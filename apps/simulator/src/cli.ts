#!/usr/bin/env node
import { endOnClosedOutput, silenceAwsSdkNodeNotice } from '@opensensor/pipeline/process';
import { runSim } from './program.js';

// The bin: always runs. (It used to compare its own URL with process.argv[1], which is the npm or
// pnpm bin symlink `opensensor-sim` when installed, so an installed simulator did nothing.)
endOnClosedOutput();
silenceAwsSdkNodeNotice();
runSim(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  cwd: process.cwd(),
  isTty: process.stderr.isTTY === true,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `opensensor-sim: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
