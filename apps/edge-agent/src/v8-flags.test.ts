import { describe, expect, it } from 'vitest';
import { AGENT_V8_FLAGS, agentV8Flags } from './v8-flags.js';

describe("the agent's V8 flags", () => {
  it('are set when neither the command line nor NODE_OPTIONS decides tiering', () => {
    expect(agentV8Flags([], undefined)).toEqual([
      '--max-opt=1',
      '--no-maglev',
      '--no-turbofan',
      '--liftoff-only',
    ]);
    expect(
      agentV8Flags(['--enable-source-maps'], '--max-old-space-size=256 --dns-result-order=ipv4first'),
    ).toBe(AGENT_V8_FLAGS);
  });

  it.each([
    [['--max-opt=3'], undefined],
    [['--max_opt', '2'], undefined],
    [['--no-liftoff'], undefined],
    [['--wasm-tier-up'], undefined],
    [['--no_opt'], undefined],
    [['--noopt'], undefined],
    [['--no-wasm-dynamic-tiering'], undefined],
    [[], '--jitless'],
    [[], ' --enable-source-maps  "--jitless"'],
  ])('are left to the user who gives %j / NODE_OPTIONS %j', (execArgv, nodeOptions) => {
    expect(agentV8Flags(execArgv, nodeOptions)).toEqual([]);
  });

  it('do not mistake a value or a script argument for a flag', () => {
    expect(agentV8Flags(['--title', 'max-opt'], undefined)).toBe(AGENT_V8_FLAGS);
    expect(agentV8Flags(['--require', './liftoff.cjs'], undefined)).toBe(AGENT_V8_FLAGS);
    expect(agentV8Flags(['--node-memory-debug', '--nothing'], undefined)).toBe(AGENT_V8_FLAGS);
  });
});
