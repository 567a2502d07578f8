import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '@opensensor/buffer';
import type { SettingSource } from '@opensensor/config';
import type { ClockPolicy, MetricsJson, StationStatus } from '@opensensor/pipeline';
import type { VersionInfo } from './version.js';

/** What a running agent publishes for `opensensor status` (the journal is locked while it runs). */
export interface AgentStatusFile {
  pid: number;
  startedAt: string;
  updatedAt: string;
  /** Set by a clean stop; absent while running (or after a crash). */
  stoppedAt?: string;
  simulate: boolean;
  /**
   * The clock policy in force and why: `simulation` when `start --simulate` trusts the clock because
   * OPENSENSOR_CLOCK_POLICY is not set, else where the setting came from. Absent in files of older agents.
   */
  clock?: { policy: ClockPolicy; source: SettingSource | 'simulation' };
  /** What this agent runs: version, bundled libraries, commit. Absent in files of older agents. */
  version?: VersionInfo;
  station: StationStatus;
  /** The figures `/metrics` serves, by metric name, as of `updatedAt`. Absent in files of older agents. */
  metrics?: MetricsJson;
}

export const statusFilePath = (stateDir: string) => join(stateDir, 'status.json');

export async function writeStatusFile(stateDir: string, status: AgentStatusFile): Promise<void> {
  const path = statusFilePath(stateDir);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, `${JSON.stringify(status, null, 2)}\n`);
}

export async function readStatusFile(stateDir: string): Promise<AgentStatusFile | null> {
  try {
    return JSON.parse(await readFile(statusFilePath(stateDir), 'utf8')) as AgentStatusFile;
  } catch {
    return null;
  }
}
