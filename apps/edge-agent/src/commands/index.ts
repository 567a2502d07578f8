import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { registerConfig } from './config.js';

/** Each command registers itself; heavy modules are imported inside actions, so `--help` stays fast. */
export type RegisterCommand = (program: Command, io: CliIo, setExit: (code: number) => void) => void;

export const COMMANDS: readonly RegisterCommand[] = [registerConfig];
