import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError, type CliIo, EXIT } from '../io.js';
import { loadLenientConfig } from '../lenient-config.js';
import type { ConfigFlags } from '../load-config.js';

interface LakeFlags {
  from?: string;
  lakehouse?: string;
  json?: boolean;
  format?: string;
}

/** Where bronze and the lakehouse are: flags, else the configuration (no station id needed off the Pi). */
function locations(program: Command, io: CliIo, opts: LakeFlags) {
  const { loaded } = loadLenientConfig(io, program.opts<ConfigFlags>().envFile);
  const { config } = loaded;
  if (opts.from?.startsWith('s3://'))
    throw new CliError(
      `--from ${opts.from}: reading bronze straight from a bucket is not supported yet. Copy the bucket's prefix to a directory first (for example with "aws s3 sync s3://bucket/prefix ./bronze"), then pass --from ./bronze.`,
      EXIT.usage,
    );
  const from = opts.from ? resolve(io.cwd, opts.from) : config.outputDir;
  return {
    from,
    // The configured health lake belongs to the configured lake; another --from brings its own `-health`.
    health: opts.from ? undefined : config.healthDir,
    lakehouse: opts.lakehouse ? resolve(io.cwd, opts.lakehouse) : config.lakehouseDir,
  };
}

/**
 * The lake package brings DuckDB (native, 64-bit only): an optional dependency of the agent, so a
 * station installs without it, imported only when a lake command runs.
 */
async function lake() {
  try {
    return await import('@opensensor/lake');
  } catch (err) {
    throw new CliError(
      `the lake jobs are not installed here (${err instanceof Error ? err.message.split('\n')[0] : String(err)}). They run off the station, on a 64-bit machine: npm install -g @opensensor/lake there, or use a checkout of the repository.`,
      EXIT.failed,
    );
  }
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? String(v) : String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v !== null && typeof v === 'object') return String(v);
  return v;
}

export function formatRows(
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
  format: string,
): string {
  if (format === 'json')
    return `${JSON.stringify(
      rows.map((r) => Object.fromEntries(columns.map((c) => [c, plain(r[c])]))),
      null,
      2,
    )}\n`;
  if (format === 'csv')
    return `${[columns.map(csvCell).join(','), ...rows.map((r) => columns.map((c) => csvCell(plain(r[c]))).join(','))].join('\n')}\n`;
  const cells = rows.map((r) =>
    columns.map((c) => {
      const v = plain(r[c]);
      return v === null || v === undefined
        ? 'NULL'
        : typeof v === 'number' && !Number.isInteger(v)
          ? String(Number(v.toPrecision(6)))
          : String(v);
    }),
  );
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] as string).length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return `${[line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n')}\n(${rows.length} row${rows.length === 1 ? '' : 's'})\n`;
}

export function registerLake(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program
    .command('lake')
    .description(
      'Lake jobs off the station: silver and gold tables, air-quality index, station health (DuckDB)',
    );
  const common = (c: Command) =>
    c
      .option('--from <dir>', 'the raw lake (bronze); default OPENSENSOR_OUTPUT_DIR, with its health lake')
      .option(
        '--lakehouse <dir>',
        'where silver, gold and catalog.json go; default OPENSENSOR_LAKEHOUSE_DIR or ./lakehouse',
      );

  common(cmd.command('build'))
    .description('Build silver and gold from the raw lake, incrementally (only what is new or changed)')
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      `
Runs where the data is gathered (a laptop, a server, a CI job), not on a Pi: DuckDB needs a 64-bit
machine. Running it again with nothing new does no work. A late or changed raw file rebuilds exactly
its station-day and the gold months that depend on it. Killed at any moment, the previous outputs stay
valid and the next build finishes the job.

Examples:
  $ opensensor lake build
  $ opensensor lake build --from ./fleet --lakehouse ./fleet-lakehouse --json`,
    )
    .action(async (opts: LakeFlags) => {
      const where = locations(program, io, opts);
      const { buildLakehouse } = await lake();
      const bar = io.isTty && !opts.json;
      let last = -1;
      const summary = await buildLakehouse({
        ...where,
        onProgress: (done, total, step) => {
          if (!bar) return;
          const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
          if (pct === last) return;
          last = pct;
          io.stderr(
            `\r[${'#'.repeat(Math.round(pct / 5)).padEnd(20)}] ${String(pct).padStart(3)}% ${step.slice(0, 50).padEnd(50)}`,
          );
        },
      });
      if (bar) io.stderr('\n');
      if (opts.json) {
        io.stdout(`${JSON.stringify({ ...summary, ...where }, null, 2)}\n`);
      } else if (summary.upToDate) {
        io.stdout(
          `Up to date: ${summary.bronzeFiles} raw files, nothing new since the last build (${summary.seconds.toFixed(2)} s). Nothing was written.\n`,
        );
      } else {
        io.stdout(
          [
            `Built ${where.lakehouse} in ${summary.seconds.toFixed(1)} s from ${summary.newFiles} new and ${summary.changedFiles} changed raw files (of ${summary.bronzeFiles}):`,
            `  ${summary.stationDays} station-days rebuilt into silver (${summary.rows} readings, ${summary.duplicatesRemoved} duplicates removed)`,
            `  ${summary.flagged.fail} readings with a failed value, ${summary.flagged.suspect} suspect (kept, flagged)`,
            `  ${summary.stationMonths} station-months of gold, ${summary.stations} station${summary.stations === 1 ? '' : 's'}`,
            ...(summary.unreadableFiles.length
              ? [
                  `  ${summary.unreadableFiles.length} raw files are not readable Parquet and were left out:`,
                  ...summary.unreadableFiles.slice(0, 10).map((f) => `    ${f}`),
                ]
              : []),
            `Query it: opensensor lake query "SELECT station, hour, temperature_mean, pm25_mean FROM hourly ORDER BY hour DESC LIMIT 5"`,
            '',
          ].join('\n'),
        );
      }
      if (summary.unreadableFiles.length > 0) setExit(EXIT.failed);
    });

  common(cmd.command('status'))
    .description('What is built, and how many raw files wait for the next build')
    .option('--json', 'print JSON')
    .action(async (opts: LakeFlags) => {
      const where = locations(program, io, opts);
      const { lakehouseStatus } = await lake();
      const s = await lakehouseStatus(where);
      if (opts.json) {
        io.stdout(`${JSON.stringify(s, null, 2)}\n`);
        return;
      }
      io.stdout(
        [
          `Lakehouse ${s.lakehouse}: ${s.lastBuild ? `last built ${s.lastBuild}` : 'not built yet'}`,
          `Raw files: ${s.bronze.files} (${s.bronze.pending} new or changed since the last build${s.bronze.pending ? ': run opensensor lake build' : ''})`,
          `Stations: ${s.stations.length}`,
          ...Object.entries(s.tables).map(
            ([t, v]) =>
              `  ${t.padEnd(22)} ${String(v.files).padStart(6)} files ${String(v.rows).padStart(10)} rows`,
          ),
          '',
        ].join('\n'),
      );
    });

  common(cmd.command('query <sql>'))
    .description(
      'Run SQL over the views bronze, silver, hourly, daily, aqi_hourly, station_health_daily, stations',
    )
    .option('--format <format>', 'table, csv or json', 'table')
    .addHelpText(
      'after',
      `
Examples:
  $ opensensor lake query "SELECT station, hour, aqi, category FROM aqi_hourly ORDER BY hour DESC LIMIT 24"
  $ opensensor lake query "SELECT * FROM station_health_daily" --format csv > health.csv`,
    )
    .action(async (sql: string, opts: LakeFlags) => {
      const format = opts.format ?? 'table';
      if (!['table', 'csv', 'json'].includes(format))
        throw new CliError(`--format: expected table, csv or json, received "${format}"`, EXIT.usage);
      const where = locations(program, io, opts);
      const { lakehouseQuery, LakehouseQueryError } = await lake();
      try {
        const result = await lakehouseQuery(sql, where);
        io.stdout(formatRows(result.columns, result.rows, format));
      } catch (err) {
        if (err instanceof LakehouseQueryError) throw new CliError(err.message, EXIT.failed);
        throw err;
      }
    });
}
