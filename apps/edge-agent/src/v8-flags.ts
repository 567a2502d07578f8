import { setFlagsFromString } from 'node:v8';

/**
 * V8 flags `opensensor start` sets for itself: no optimising compiler for JavaScript (Ignition and
 * Sparkplug only) or WebAssembly (Liftoff only). An agent takes a reading every few seconds and writes
 * a window every 15 minutes; V8's optimising compilers and their output cost it about 10 MB of RSS
 * once they have run for a few minutes (Node 20: 65 → 55 MB; Node 22: 68 → 59 MB), and save it no
 * CPU at that pace (0.045 s per simulated hour with them, 0.041 – 0.044 s without). A burst of work (a
 * backlog of windows after an outage) runs about 1.4× slower. Measured in docs/performance.md,
 * "Round 6".
 */
export const AGENT_V8_FLAGS: readonly string[] = [
  '--max-opt=1',
  '--no-maglev',
  '--no-turbofan',
  '--liftoff-only',
];

/**
 * Tiering flags a user may give on the command line (`node --max-opt=999 -- …/cli.js start`) to run
 * the agent otherwise; when any of them is there, the agent sets none of its own. Node refuses all
 * but `--jitless` in NODE_OPTIONS, which is read too.
 */
const TIERING_FLAGS = new Set([
  'max-opt',
  'opt',
  'turbofan',
  'maglev',
  'sparkplug',
  'liftoff',
  'liftoff-only',
  'wasm-tier-up',
  'wasm-dynamic-tiering',
  'jitless',
]);

/** Whether `arg` is one of `TIERING_FLAGS`, in any spelling V8 takes: `--no-x`, `--nox`, `--x_y=1`. */
function isTieringFlag(arg: string): boolean {
  const unquoted = arg.replace(/^["']|["']$/g, '');
  if (!unquoted.startsWith('--')) return false;
  const name = (unquoted.slice(2).split('=')[0] ?? '').replaceAll('_', '-');
  return (
    TIERING_FLAGS.has(name) ||
    (name.startsWith('no-') && TIERING_FLAGS.has(name.slice(3))) ||
    (name.startsWith('no') && TIERING_FLAGS.has(name.slice(2)))
  );
}

/** The flags of `AGENT_V8_FLAGS` to set: none when the user's own flags already decide tiering. */
export function agentV8Flags(
  execArgv: readonly string[],
  nodeOptions: string | undefined,
): readonly string[] {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)];
  return given.some(isTieringFlag) ? [] : AGENT_V8_FLAGS;
}

/**
 * Sets the agent's V8 flags in this process and returns them; cli.ts calls it for `start` before it
 * imports anything else. Tiering flags are read when V8 decides to compile a function, so setting
 * them at run time has the effect they have on the command line, provided the compilers are named
 * too (on the command line `--max-opt=1` implies `--no-maglev --no-turbofan`, at run time it does
 * not) and they are set first thing: set from within the `start` command, after the agent's modules
 * had loaded, all four left Node 22 at 64.4 MB; set before, 58.7 MB, as on the command line (58.8).
 */
export function applyAgentV8Flags(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env.NODE_OPTIONS,
): readonly string[] {
  const flags = agentV8Flags(execArgv, nodeOptions);
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}
