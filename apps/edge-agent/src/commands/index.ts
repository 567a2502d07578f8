import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { registerConfig } from './config.js';
import { registerDashboard } from './dashboard.js';
import { registerDoctor } from './doctor.js';
import { registerLake } from './lake.js';
import { registerService } from './service.js';
import { registerSetup } from './setup.js';
import { registerSnowflake } from './snowflake.js';
import { registerStart } from './start.js';
import { registerStatus } from './status.js';
import { registerSync } from './sync.js';
import { registerTest } from './test.js';

/** Each command registers itself; heavy modules are imported inside actions, so `--help` stays fast. */
export type RegisterCommand = (program: Command, io: CliIo, setExit: (code: number) => void) => void;

export const COMMANDS: readonly RegisterCommand[] = [
  registerSetup,
  registerStart,
  registerStatus,
  registerSync,
  registerConfig,
  registerTest,
  registerService,
  registerSnowflake,
  registerLake,
  registerDashboard,
  registerDoctor,
];
