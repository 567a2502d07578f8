import type { SettingSource } from '@opensensor/config';
import type { ClockPolicy, MetricsJson } from '@opensensor/pipeline';
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { type ConfigFlags, loadCommandConfig } from '../load-config.js';
import type { AgentStatusFile } from '../status-file.js';
import { describeVersion, type VersionInfo, versionInfo } from '../version.js';

export interface StatusReport {
  station: string;
  /** This `opensensor`: version, bundled libraries, commit. The running agent's own is `agent.version`. */
  version: VersionInfo;
  board: string | null;
  agent: {
    /** The journal's lock is held by a live process: what `opensensor start` would refuse on. */
    running: boolean;
    pid: number | null;
    /** What the process holding the journal said it is (`opensensor start`). */
    holder: string | null;
    startedAt: string | null;
    updatedAt: string | null;
    simulate: boolean;
    /** What the agent that wrote the status file runs (it may predate an upgrade); null from older agents. */
    version: VersionInfo | null;
  };
  sensors: Record<string, number> | null;
  /** Whether the agent dates its readings (under trust-system-clock always true); see `clock`. */
  clockSynced: boolean | null;
  clock: {
    /** The policy the agent runs (or last ran) with; null when no agent has run here. */
    policy: ClockPolicy | null;
    /** `simulation` when `start --simulate` trusts the clock because OPENSENSOR_CLOCK_POLICY is unset. */
    policySource: SettingSource | 'simulation' | null;
    /** What the system says now, whatever the policy (asked by this command, not by the agent). */
    system: {
      /** `timedatectl show -p NTPSynchronized`; null where it cannot tell (no systemd, a container). */
      ntpSynchronized: boolean | null;
      time: string;
      /** Not earlier than the software's release floor (an earlier clock is certainly wrong). */
      plausible: boolean;
    };
  };
  journal: { exists: boolean; lastSeq: number; bytes: number; backlog: Record<string, number> };
  lake: {
    lastWindowEnd: string | null;
    lastFile: string | null;
    files: number;
    bytes: number;
    /** The live process that holds this station's lake lock (the agent, or a simulator), or null. */
    writer: { pid: number; label: string | null } | null;
  };
  uploads: {
    enabled: boolean;
    /** Files `opensensor sync` would upload (data and health lake), null without a bucket. */
    pending: number | null;
    uploaded: number | null;
    /** The same per lake; a lake whose sync is off is absent. */
    streams: Partial<Record<'data' | 'health', { pending: number; uploaded: number }>>;
    lastUploadAt: string | null;
    lastSync: unknown;
    /**
     * Damage found in the upload ledger (lines that are not records, a torn last line); the next sync
     * repairs it and says so. Null without a bucket.
     */
    ledgerDamage: { skippedLines: number; truncatedBytes: number } | null;
  };
  /** Broken lake files a sync moved aside instead of uploading (`<lake>-quarantine`, data and health). */
  quarantine: { files: number; bytes: number; dirs: string[] };
  /**
   * The agent's metrics as it last published them (every 30 s and at stop): the same figures, by the
   * same names, as its `/metrics` endpoint. Null when no agent has run here (or an older one).
   */
  metrics: { at: string; values: MetricsJson } | null;
  snowflake: {
    enabled: boolean;
    channel: string | null;
    state: unknown;
    /** The health rows' channel (null when they are not streamed) and its task's state. */
    health: { channel: string | null; state: unknown };
  };
}

/** Gathers the status from what is on disk: the agent's status file, the journal, the lake, the ledgers. */
export async function gatherStatus(io: CliIo, envFile: string | undefined): Promise<StatusReport> {
  const { config, sources } = loadCommandConfig(io, { envFile });
  const { join } = await import('node:path');
  const { inspectJournal } = await import('@opensensor/buffer');
  const { CLOCK_FLOOR_MS, lakeWriter, quarantinePath, stationUploadStatus, systemClockSources } =
    await import('@opensensor/pipeline');
  const { inspectQuarantine, listLakeFiles } = await import('@opensensor/s3-sync');
  const { readStatusFile } = await import('../status-file.js');

  const file = await readStatusFile(config.stateDir);
  const journal = await inspectJournal(join(config.stateDir, 'journal'));
  // Running means what `opensensor start` checks: a live holder of the journal's lock. A status file
  // whose pid is alive proves nothing (after a kill -9 that pid may belong to another process).
  const running = journal.openBy !== null;
  const writer = lakeWriter(config.outputDir, config.stationId);
  const files = (await listLakeFiles(config.outputDir)).filter((f) => f.stationId === config.stationId);
  let newest: (typeof files)[number] | undefined;
  for (const f of files)
    if (
      !newest ||
      `${f.year}${f.month}${f.day}${f.hhmm}` > `${newest.year}${newest.month}${newest.day}${newest.hhmm}`
    )
      newest = f;
  const { stat } = await import('node:fs/promises');
  let bytes = 0;
  for (const f of files)
    bytes += await stat(f.path).then(
      (s) => s.size,
      () => 0,
    );

  // What `opensensor sync` would upload, decided as it decides: the ledger's record for this bucket and prefix.
  let pending: number | null = null;
  let uploaded: number | null = null;
  let lastUploadAt: string | null = null;
  const damage = { skippedLines: 0, truncatedBytes: 0 };
  const streams: StatusReport['uploads']['streams'] = {};
  for (const { stream, status } of await stationUploadStatus(config, { manual: true })) {
    streams[stream] = { pending: status.pending.length, uploaded: status.uploaded };
    pending = (pending ?? 0) + status.pending.length;
    uploaded = (uploaded ?? 0) + status.uploaded;
    if (status.lastUploadAt && (!lastUploadAt || status.lastUploadAt > lastUploadAt))
      lastUploadAt = status.lastUploadAt;
    damage.skippedLines += status.ledgerDamage.skippedLines;
    damage.truncatedBytes += status.ledgerDamage.truncatedBytes;
  }
  const ledgerDamage = pending === null ? null : damage;
  const quarantineDirs = [quarantinePath(config, 'data'), quarantinePath(config, 'health')];
  const quarantine = { files: 0, bytes: 0, dirs: [] as string[] };
  for (const dir of quarantineDirs) {
    const q = await inspectQuarantine(dir).catch(() => ({ files: 0, bytes: 0 }));
    quarantine.files += q.files;
    quarantine.bytes += q.bytes;
    if (q.files > 0) quarantine.dirs.push(dir);
  }
  // The clock as the system sees it, asked here: an agent that trusts the clock never checks it.
  const run = io.deps?.run ?? (await import('../runner.js')).processRunner(io);
  const clockSources = systemClockSources(async (command, args) => {
    const r = await run(command, args);
    return r.code === 0 ? r.stdout : null;
  });
  const now = (io.deps?.now ?? Date.now)();
  // Agents before the `clock` field trusted the clock under --simulate and ran the policy otherwise.
  const clockOfAgent: AgentStatusFile['clock'] | null =
    file?.clock ??
    (file?.simulate
      ? { policy: 'trust-system-clock', source: 'simulation' }
      : file
        ? { policy: config.clockPolicy, source: sources.clockPolicy ?? 'default' }
        : null);
  const s = file?.station;
  return {
    station: config.stationId,
    version: versionInfo(),
    board: s?.board ?? null,
    agent: {
      running,
      pid: journal.openBy,
      holder: journal.openByLabel,
      startedAt: file && (!running || file.pid === journal.openBy) ? file.startedAt : null,
      updatedAt: file?.updatedAt ?? null,
      simulate: file?.simulate ?? false,
      version: file?.version ?? null,
    },
    sensors: s?.stats.sensorErrors ?? null,
    clockSynced: s?.clockSynced ?? null,
    clock: {
      policy: clockOfAgent?.policy ?? null,
      policySource: clockOfAgent?.source ?? null,
      system: {
        ntpSynchronized: await clockSources.ntpSynchronized(),
        time: new Date(now).toISOString(),
        plausible: now >= CLOCK_FLOOR_MS,
      },
    },
    journal: {
      exists: journal.exists,
      lastSeq: journal.lastSeq,
      bytes: journal.bytes,
      backlog: Object.fromEntries(Object.entries(journal.consumers).map(([k, v]) => [k, v.backlog])),
    },
    lake: {
      lastWindowEnd: s?.lake.lastWindowEnd ?? null,
      lastFile: newest?.relativePath ?? null,
      files: files.length,
      bytes,
      writer: writer ? { pid: writer.pid, label: writer.label } : null,
    },
    uploads: {
      enabled: config.syncEnabled,
      pending,
      uploaded,
      streams,
      lastUploadAt,
      lastSync: s?.tasks.sync ?? null,
      ledgerDamage,
    },
    quarantine,
    metrics: file?.metrics ? { at: file.updatedAt, values: file.metrics } : null,
    snowflake: {
      enabled: config.snowflakeEnabled,
      channel: config.snowflakeEnabled ? config.snowflakeChannel : null,
      state: s?.tasks.snowpipe ?? null,
      health: {
        channel: config.snowflakeHealthEnabled ? config.snowflakeHealthChannel : null,
        state: s?.tasks['snowpipe-health'] ?? null,
      },
    },
  };
}

export function registerStatus(program: Command, io: CliIo): void {
  program
    .command('status')
    .description('Show the station: agent, sensors, journal backlog, last window, pending uploads, Snowflake')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Reads what is on disk (the running agent's status file, the journal, the lake and the upload
ledger), so it works whether or not the agent runs and never disturbs it.

Examples:
  $ opensensor status
  $ opensensor status --json | jq .journal.backlog`,
    )
    .action(async (opts: { json?: boolean }) => {
      const r = await gatherStatus(io, program.opts<ConfigFlags>().envFile);
      if (opts.json) {
        io.stdout(`${JSON.stringify(r, null, 2)}\n`);
        return;
      }
      const lines = [
        `Station     ${r.station}${r.board ? ` (${r.board})` : ''}`,
        `Agent       ${r.agent.running ? `running, pid ${r.agent.pid}${r.agent.holder ? ` (${r.agent.holder})` : ''}${r.agent.startedAt ? `, since ${r.agent.startedAt}` : ''}` : `not running${r.agent.updatedAt ? ` (last seen ${r.agent.updatedAt})` : ''}`}`,
        `Version     ${describeVersion(r.version)}${
          r.agent.version && describeVersion(r.agent.version) !== describeVersion(r.version)
            ? `; the agent that wrote the status file runs ${describeVersion(r.agent.version)} (restart it to run this one)`
            : ''
        }`,
        `Clock       ${describeClock(r)}`,
        `Sensors     ${
          r.sensors
            ? Object.entries(r.sensors)
                .map(([k, v]) => `${k}: ${v} errors`)
                .join(', ') || 'no errors'
            : 'unknown'
        }`,
        `Journal     ${
          r.journal.exists
            ? `${r.journal.lastSeq} records written, ${(r.journal.bytes / 1024).toFixed(1)} KiB on disk, backlog ${Object.entries(
                r.journal.backlog,
              )
                .map(([k, v]) => `${k} ${v}`)
                .join(', ')}`
            : 'none yet'
        }`,
        `Lake        ${r.lake.files} files, ${(r.lake.bytes / 1024).toFixed(1)} KiB; newest ${r.lake.lastFile ?? '—'}${
          r.lake.writer && r.lake.writer.pid !== r.agent.pid
            ? `; being written by process ${r.lake.writer.pid}${r.lake.writer.label ? ` (${r.lake.writer.label})` : ''}, not by this agent`
            : ''
        }`,
        `Uploads     ${r.uploads.pending === null ? 'no bucket configured' : `${r.uploads.uploaded} uploaded, ${r.uploads.pending} pending; last upload ${r.uploads.lastUploadAt ?? 'never'}${r.uploads.enabled ? '' : ' (periodic sync off)'}`}${
          r.uploads.ledgerDamage && r.uploads.ledgerDamage.skippedLines > 0
            ? `; upload ledger has ${r.uploads.ledgerDamage.skippedLines} damaged line(s), repaired by the next sync`
            : ''
        }`,
        `Quarantine  ${
          r.quarantine.files > 0
            ? `${r.quarantine.files} broken lake file(s), ${(r.quarantine.bytes / 1024).toFixed(1)} KiB, never uploaded: ${r.quarantine.dirs.join(', ')}`
            : 'none'
        }`,
        `Snowflake   ${r.snowflake.enabled ? `channel ${r.snowflake.channel}: ${JSON.stringify(r.snowflake.state)}` : 'off'}`,
        ...(r.snowflake.health.channel
          ? [
              `            health channel ${r.snowflake.health.channel}: ${JSON.stringify(r.snowflake.health.state)}`,
            ]
          : []),
      ];
      io.stdout(`${lines.join('\n')}\n`);
    });
}

/** The Clock line: what the agent does with the clock, and what the system says when the agent does not check. */
function describeClock(r: StatusReport): string {
  const sys = r.clock.system;
  const system = `${
    sys.ntpSynchronized === null
      ? 'the system cannot tell whether NTP has synchronised it'
      : sys.ntpSynchronized
        ? 'the system reports it synchronised'
        : 'the system reports it NOT synchronised'
  }${sys.plausible ? '' : `, and it reads ${sys.time}: certainly wrong`}`;
  if (r.clock.policy === 'trust-system-clock') {
    return r.clock.policySource === 'simulation'
      ? `not checked: the simulation trusts the system clock (OPENSENSOR_CLOCK_POLICY=wait-for-sync exercises the policy); ${system}`
      : `trusted as it is (OPENSENSOR_CLOCK_POLICY=trust-system-clock); ${system}`;
  }
  if (r.clockSynced === null) return `unknown: no agent has run here; ${system}`;
  return r.clockSynced ? 'synchronised' : `NOT synchronised (readings wait to be dated); ${system}`;
}
