#!/usr/bin/env node
// `opensensor start` sets its V8 flags (v8-flags.ts) before the rest of the agent is loaded: set
// later, from the command itself, they left Node 22 with its optimising compilers' memory (64 MB
// against 59 MB). The rest is one import after them.
const argv = process.argv.slice(2);
const v8Flags = commandOf(argv) === 'start' ? (await import('./v8-flags.js')).applyAgentV8Flags() : undefined;
(await import('./main.js')).main(argv, v8Flags);

/** The command named on the command line: the first word that is not an option or `--env-file`'s value. */
function commandOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--env-file') i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

// A module (for the top-level awaits above), exporting nothing.
export {};
