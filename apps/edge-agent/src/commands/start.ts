import { parseDecimal } from '@opensensor/config';
import { isoTime } from '@opensensor/errors';
import type { Command } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { CliError, type CliIo, EXIT } from '../io.js';
import { type ConfigFlags, loadCommandConfig } from '../load-config.js';
import type { AgentStatusFile } from '../status-file.js';

interface StartOptions {
  simulate?: boolean;
  seed?: string;
  board?: string;
  interval?: string;
  batchSize?: string;
}

export function registerStart(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('start')
    .description('Run the station: read the board, journal every reading, write the lake, sync, stream')
    .option('--simulate', 'read simulated Enviro+ sensors instead of the board')
    .option('--seed <seed>', 'seed of the simulated sensors (default: the station id)')
    .option('--board <kind>', 'enviroplus, sensehat, breakout or auto (overrides OPENSENSOR_BOARD)')
    .option('--interval <sec>', 'seconds between readings (overrides OPENSENSOR_READ_INTERVAL)')
    .option(
      '--batch-size <n>',
      'send to Snowflake every n readings (sets OPENSENSOR_SNOWFLAKE_BATCH_INTERVAL to n x the read interval)',
    )
    .option('--foreground', 'accepted for compatibility; the agent always runs in the foreground')
    .addHelpText(
      'after',
      `
Runs until SIGINT/SIGTERM: then it stops reading, writes every window including the open one (so
\`opensensor sync\` after a stop has the last minutes; OPENSENSOR_FLUSH_ON_STOP=false leaves it in
the journal for the next start), commits and exits 0 (a second signal exits at once; nothing is
corrupted either way). Under systemd, see \`opensensor service install\`.

Examples:
  $ opensensor start
  $ opensensor start --simulate                       # no hardware needed
  $ opensensor start --simulate --board breakout       # simulated SCD4x/SGP30/ICP-10125
  $ opensensor start --interval 10 --batch-size 6       # read every 10 s, send to Snowflake every minute
  $ OPENSENSOR_LOG_LEVEL=debug opensensor start --simulate`,
    )
    .action(async (opts: StartOptions) => {
      // Set by cli.ts before the agent's modules were loaded (v8-flags.ts).
      const v8Flags = io.deps?.v8Flags ?? [];
      const envFile = program.opts<ConfigFlags>().envFile;
      const flags = { board: opts.board, readInterval: opts.interval };
      const flagNames = {
        board: '--board',
        readInterval: '--interval',
        snowflakeBatchInterval: '--batch-size',
      } as const;
      const loaded = loadCommandConfig(io, { envFile }, flags, flagNames);
      let { config } = loaded;
      if (opts.batchSize !== undefined) {
        const n = parseDecimal(opts.batchSize, { whole: true });
        if (n === undefined || n < 1) {
          throw new CliError(
            `--batch-size: expected a whole number of readings, at least 1, in decimal digits, received ${JSON.stringify(opts.batchSize)}`,
            EXIT.usage,
          );
        }
        ({ config } = loadCommandConfig(
          io,
          { envFile },
          { ...flags, snowflakeBatchInterval: n * config.readInterval },
          flagNames,
        ));
      }
      const { collectStationMetrics, metricsJson, serveStationMetrics, shutdownSignal, stationFromConfig } =
        await import('@opensensor/pipeline');
      const { seedFromString } = await import('@opensensor/simulation');
      const { agentLogger } = await import('../logging.js');
      const { writeStatusFile } = await import('../status-file.js');
      const { versionInfo } = await import('../version.js');
      const log = agentLogger(io, config);
      const startedAt = isoTime(Date.now());
      const build = { version: pkg.version };
      // A simulation trusts the system clock unless OPENSENSOR_CLOCK_POLICY is set: on a laptop or in
      // WSL systemd often cannot confirm NTP, and a quick try should not hold every reading back. Set
      // explicitly, the policy applies as on a real station, so a simulation can exercise it.
      const clock: NonNullable<AgentStatusFile['clock']> =
        opts.simulate && loaded.sources.clockPolicy === 'default'
          ? { policy: 'trust-system-clock', source: 'simulation' }
          : { policy: config.clockPolicy, source: loaded.sources.clockPolicy ?? 'default' };
      const station = await stationFromConfig({
        config,
        logger: log,
        owner: opts.simulate ? 'opensensor start --simulate' : 'opensensor start',
        ...(opts.simulate ? { simulate: { seed: seedFromString(opts.seed ?? config.stationId) } } : {}),
        ...(clock.source === 'simulation' ? { trustClock: true } : {}),
      });
      // One write of the status file at a time (the timer's may still be running when the last starts).
      let publishing: Promise<void> = Promise.resolve();
      const publish = (stopped = false) => {
        publishing = publishing.then(() => writeStatus(stopped));
        return publishing;
      };
      const writeStatus = (stopped: boolean) =>
        writeStatusFile(config.stateDir, {
          pid: process.pid,
          startedAt,
          updatedAt: isoTime(Date.now()),
          ...(stopped ? { stoppedAt: isoTime(Date.now()) } : {}),
          simulate: opts.simulate === true,
          clock,
          version: versionInfo(),
          station: station.status(),
          metrics: metricsJson(collectStationMetrics({ station, build, now: Date.now() })),
        }).catch((err: unknown) => log.warn('could not write the status file', { err }));
      // The endpoint is for watching: an agent that cannot serve it still reads and journals.
      const metricsServer =
        config.metricsPort === undefined
          ? null
          : await serveStationMetrics({
              station,
              host: config.metricsHost,
              port: config.metricsPort,
              build,
              logger: log,
            }).catch((err: unknown) => {
              log.error('the metrics endpoint is off', { err });
              return null;
            });
      if (metricsServer) log.info('metrics endpoint listening', { url: `${metricsServer.url}/metrics` });
      const shutdown = (io.deps?.shutdown ?? shutdownSignal)({
        onSignal: (sig) => log.info('stopping', { signal: sig }),
      });
      const timer = setInterval(() => void publish(), 30_000);
      timer.unref();
      log.info('started', {
        station: config.stationId,
        board: station.status().board,
        output: config.outputDir,
        readInterval: config.readInterval,
        batchDuration: config.batchDuration,
        sync: config.syncEnabled,
        snowflake: config.snowflakeEnabled,
        clockPolicy: clock.policy,
        v8Flags,
      });
      if (clock.source === 'simulation') {
        log.info(
          'the simulation trusts the system clock without checking it; set OPENSENSOR_CLOCK_POLICY=wait-for-sync to exercise the clock policy',
        );
      }
      try {
        await publish();
        await station.run(shutdown.signal, { flushOnExit: config.flushOnStop });
      } finally {
        clearInterval(timer);
        await metricsServer?.close();
        await publish(true);
        await station.close();
        shutdown.dispose();
      }
      log.info('stopped cleanly');
      setExit(EXIT.ok);
    });
}
