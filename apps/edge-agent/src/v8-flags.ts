import { setFlagsFromString } from 'node:v8';

/**
 * V8 flags `opensensor start` sets for itself: no optimising compiler for JavaScript (Ignition and
 * Sparkplug only) or WebAssembly (Liftoff only). An agent takes a reading every few seconds and writes
 * a window every 15 minutes; V8's optimising compilers and their output cost it about 10 MB of RSS
 * once they have run for a few minutes (65 → 55 MB on Node 20), and it saves no CPU at that pace (0.045 s per
 * simulated hour either way). A burst of work (a backlog of windows after an outage) runs about 1.4×
 * slower. Measured in docs/performance.md, "Agent memory".
 */
export const AGENT_V8_FLAGS: readonly string[] = ['--max-opt=1', '--liftoff-only'];

/**
 * Tiering flags a user may give on the command line or in NODE_OPTIONS to run the agent otherwise;
 * when any of them is there, the agent sets none of its own.
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
  'jitless',
]);

/** `--no-foo_bar=1` → `foo-bar`. */
function flagName(arg: string): string | null {
  if (!arg.startsWith('--')) return null;
  const name = arg.slice(2).split('=')[0] ?? '';
  return name.replace(/^no-/, '').replaceAll('_', '-');
}

/** The flags of `AGENT_V8_FLAGS` to set: none when the user's own flags already decide tiering. */
export function agentV8Flags(
  execArgv: readonly string[],
  nodeOptions: string | undefined,
): readonly string[] {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)];
  return given.some((arg) => TIERING_FLAGS.has(flagName(arg) ?? '')) ? [] : AGENT_V8_FLAGS;
}

/**
 * Sets the agent's V8 flags in this process, before its code gets hot and before the zstd
 * WebAssembly is compiled; returns what it set. Tiering flags are read when V8 decides to compile a
 * function, so setting them at run time has the same effect as on the command line (measured).
 */
export function applyAgentV8Flags(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env.NODE_OPTIONS,
): readonly string[] {
  const flags = agentV8Flags(execArgv, nodeOptions);
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}
