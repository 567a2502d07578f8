import { join, resolve } from 'node:path';
import type { OpenSensorConfig, StorageSettings } from '@opensensor/config';
import type { Command } from 'commander';
import { CliError, type CliIo, EXIT } from '../io.js';
import { loadLenientConfig } from '../lenient-config.js';
import type { ConfigFlags } from '../load-config.js';

interface LakeFlags {
  from?: string;
  healthFrom?: string;
  lakehouse?: string;
  json?: boolean;
  rescan?: boolean;
  format?: string;
}

/** A bronze stream in a bucket: `s3://bucket/prefix`, and the store settings to reach it with. */
interface BucketLake {
  url: string;
  storage: StorageSettings & { bucket: string };
  /** OPENSENSOR_STORAGE_CHECKSUM: also how responses are validated (some stores need `when_required`). */
  checksum: OpenSensorConfig['storageChecksum'];
}

interface Locations {
  /** The local bronze the jobs read: the directory given, or the bucket's cache in the lakehouse. */
  from: string;
  health: string | null | undefined;
  lakehouse: string;
  /** Set when bronze is in a bucket (`--from s3://…`): what to mirror into `from` and `health`. */
  bucket?: { data: BucketLake; health: BucketLake };
}

const normalizePrefix = (p: string) => p.split('/').filter(Boolean).join('/');

/** `s3://bucket[/prefix]` → bucket and normalised prefix; undefined for anything that is not an s3 URL. */
export function parseS3Url(raw: string, flag: string): { bucket: string; prefix: string } | undefined {
  if (!/^s3:\/\//i.test(raw)) return undefined;
  const rest = raw.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const prefix = normalizePrefix(slash === -1 ? '' : rest.slice(slash + 1));
  if (!/^[a-z0-9][a-z0-9.\-_]{1,254}$/i.test(bucket))
    throw new CliError(
      `${flag} ${raw}: expected s3://<bucket>/<prefix>, e.g. s3://my-lake/opensensor/sensors`,
      EXIT.usage,
    );
  return { bucket, prefix };
}

const s3Url = (bucket: string, prefix: string) => `s3://${bucket}${prefix ? `/${prefix}` : ''}`;

/**
 * Where bronze and the lakehouse are: flags, else the configuration (no station id needed off the Pi).
 * Bronze in a bucket is read through a cache in the lakehouse, with the store settings of
 * OPENSENSOR_STORAGE_* (health: OPENSENSOR_HEALTH_STORAGE_*, which default to them).
 */
function locations(program: Command, io: CliIo, opts: LakeFlags): Locations {
  const { loaded } = loadLenientConfig(io, program.opts<ConfigFlags>().envFile);
  const { config } = loaded;
  const lakehouse = opts.lakehouse ? resolve(io.cwd, opts.lakehouse) : config.lakehouseDir;
  const data = opts.from ? parseS3Url(opts.from, '--from') : undefined;
  const health = opts.healthFrom ? parseS3Url(opts.healthFrom, '--health-from') : undefined;
  if (!data) {
    if (health)
      throw new CliError(
        `--health-from ${opts.healthFrom}: a health lake in a bucket goes with a readings lake in a bucket (--from s3://…)`,
        EXIT.usage,
      );
    const from = opts.from ? resolve(io.cwd, opts.from) : config.outputDir;
    return {
      from,
      // The configured health lake belongs to the configured lake; another --from brings its own `-health`.
      health: opts.healthFrom ? resolve(io.cwd, opts.healthFrom) : opts.from ? undefined : config.healthDir,
      lakehouse,
    };
  }
  if (opts.healthFrom && !health)
    throw new CliError(
      `--health-from ${opts.healthFrom}: with --from s3://… the health lake is in a bucket too (s3://bucket/prefix)`,
      EXIT.usage,
    );
  const configured =
    config.storage.bucket === data.bucket && normalizePrefix(config.storage.prefix) === data.prefix;
  // The uploader's health lake: OPENSENSOR_HEALTH_STORAGE_* for the configured lake (or with
  // --health-from), else `<prefix>-health` (`health` at the bucket root) next to it on the same store.
  const healthLake: BucketLake['storage'] =
    health || (configured && config.healthStorage.bucket)
      ? {
          ...config.healthStorage,
          ...(health ?? {
            bucket: config.healthStorage.bucket as string,
            prefix: normalizePrefix(config.healthStorage.prefix),
          }),
        }
      : { ...config.storage, bucket: data.bucket, prefix: data.prefix ? `${data.prefix}-health` : 'health' };
  const cache = join(lakehouse, '_bronze-cache');
  return {
    from: join(cache, 'data'),
    health: join(cache, 'health'),
    lakehouse,
    bucket: {
      data: {
        url: s3Url(data.bucket, data.prefix),
        storage: { ...config.storage, ...data },
        checksum: config.storageChecksum,
      },
      health: {
        url: s3Url(healthLake.bucket, healthLake.prefix),
        storage: healthLake,
        checksum: config.storageChecksum,
      },
    },
  };
}

/** The lake package loads DuckDB; it is imported only when a lake command runs. */
async function lake() {
  return import('@opensensor/lake');
}

/** A store for `mirrorBronze` over the configured S3-compatible service; the AWS SDK loads here. */
async function openBucket({ storage, checksum }: BucketLake) {
  const { createS3Target, downloadObject, listObjects } = await import('@opensensor/s3-sync');
  const { s3TargetOptions } = await import('@opensensor/pipeline');
  const target = await createS3Target(s3TargetOptions(storage, { storageChecksum: checksum }));
  return {
    target,
    store: {
      list: (prefix: string) => listObjects(target, { prefix }),
      download: (key: string, path: string) => downloadObject(target, key, path),
    },
  };
}

/**
 * Lists the bucket's bronze and, unless `dryRun`, downloads what is new or changed into the cache,
 * with progress on stderr (a live line on a terminal, plain lines at most every 10 s otherwise).
 */
async function mirror(io: CliIo, where: Locations, options: { dryRun: boolean; quiet: boolean }) {
  const bucket = where.bucket as NonNullable<Locations['bucket']>;
  const { mirrorBronze, bronzeCacheDir } = await lake();
  const { formatBytes } = await import('@opensensor/s3-sync');
  const data = await openBucket(bucket.data);
  const health = await openBucket(bucket.health);
  const tty = io.isTty && !options.quiet;
  const lines = !io.isTty && !options.quiet;
  let lastLine = Date.now();
  try {
    const m = await mirrorBronze({
      data: { store: data.store, prefix: bucket.data.storage.prefix },
      health: { store: health.store, prefix: bucket.health.storage.prefix },
      cacheDir: bronzeCacheDir(where.lakehouse),
      dryRun: options.dryRun,
      onProgress: (p) => {
        const text =
          p.phase === 'list'
            ? `listing ${bucket.data.url}: ${p.listed} objects, ${p.toDownload} new or changed`
            : `downloading: ${p.downloaded}/${p.toDownload} objects, ${formatBytes(p.bytes)}`;
        if (tty) io.stderr(`\r${text}\u001b[K`);
        else if (lines) {
          if (p.phase === 'listed') {
            lastLine = Date.now();
            io.stderr(
              `listed ${p.listed} objects under ${bucket.data.url} and ${bucket.health.url}: ${p.toDownload} new or changed\n`,
            );
          } else if (Date.now() - lastLine >= 10_000) {
            lastLine = Date.now();
            io.stderr(`${text}\n`);
          }
        }
      },
    });
    if (tty) io.stderr('\r\u001b[K');
    if (!options.quiet)
      io.stderr(
        options.dryRun
          ? `${bucket.data.url}: ${m.listed} objects, ${m.pending} not in the local cache yet\n`
          : `mirror: ${m.listed} objects listed, ${m.downloaded} downloaded (${formatBytes(m.bytes)}), ${m.cached} already cached${m.kept ? `, ${m.kept} kept whose objects are gone` : ''}${m.ignored ? `, ${m.ignored} not lake files (ignored)` : ''} (${m.seconds.toFixed(1)} s)\n`,
      );
    return m;
  } finally {
    data.target.destroy();
    health.target.destroy();
  }
}

/** The summary of a mirror as `--json` shows it. */
function mirrorJson(m: Awaited<ReturnType<typeof mirror>>) {
  const { listed, downloaded, bytes, cached, ignored, vanished, kept, pending, seconds } = m;
  return { listed, downloaded, bytes, cached, ignored, vanished, kept, pending, seconds };
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
      .option(
        '--from <dir|s3://bucket/prefix>',
        'the raw lake (bronze): a directory or a bucket; default OPENSENSOR_OUTPUT_DIR, with its health lake',
      )
      .option(
        '--health-from <dir|s3://bucket/prefix>',
        'the health lake; default <from>-health (in a bucket: the prefix the uploader uses, <prefix>-health)',
      )
      .option(
        '--lakehouse <dir>',
        'where silver, gold and catalog.json go; default OPENSENSOR_LAKEHOUSE_DIR or ./lakehouse',
      );

  common(cmd.command('build'))
    .description('Build silver and gold from the raw lake, incrementally (only what is new or changed)')
    .option('--json', 'print the summary as JSON')
    .option(
      '--rescan',
      'compare every raw file with what was consumed, not only folders whose mtime changed (after replacing files in place by hand)',
    )
    .addHelpText(
      'after',
      `
Runs where the data is gathered (a laptop, a server, a CI job), not on a Pi: DuckDB needs a 64-bit
machine. Running it again with nothing new does no work. A late or changed raw file rebuilds exactly
its station-day and the gold months that depend on it. A day folder left alone for 5 minutes is
remembered by its mtime, which every file added, removed or renamed changes; a file replaced in place
under the same name after that is seen with --rescan. Killed at any moment, the previous outputs stay
valid and the next build finishes the job.

Bronze in a bucket (--from s3://bucket/prefix) is read through a cache in the lakehouse
(<lakehouse>/_bronze-cache): each build lists the prefix and downloads only the objects that are new
or changed (by size and ETag), then builds from the cache like from a directory. Cached files are
never deleted, so a station's retention never takes readings away. The store (provider, endpoint,
region, keys) comes from OPENSENSOR_STORAGE_* (the health lake: OPENSENSOR_HEALTH_STORAGE_*); reading
needs s3:ListBucket on the bucket and s3:GetObject on the prefixes. Progress goes to stderr.

Examples:
  $ opensensor lake build
  $ opensensor lake build --from ./fleet --lakehouse ./fleet-lakehouse --json
  $ opensensor lake build --from s3://my-lake/opensensor/sensors --lakehouse ./fleet-lakehouse`,
    )
    .action(async (opts: LakeFlags) => {
      const where = locations(program, io, opts);
      const mirrored = where.bucket
        ? await mirror(io, where, { dryRun: false, quiet: opts.json === true })
        : undefined;
      const { buildLakehouse } = await lake();
      const bar = io.isTty && !opts.json;
      let last = -1;
      const summary = await buildLakehouse({
        from: where.from,
        ...(where.health === undefined ? {} : { health: where.health }),
        lakehouse: where.lakehouse,
        ...(opts.rescan ? { rescan: true } : {}),
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
        const { bucket, ...paths } = where;
        io.stdout(
          `${JSON.stringify(
            {
              ...summary,
              ...paths,
              ...(bucket && mirrored
                ? {
                    from: bucket.data.url,
                    health: bucket.health.url,
                    cache: { data: where.from, health: where.health },
                    mirror: mirrorJson(mirrored),
                  }
                : {}),
            },
            null,
            2,
          )}\n`,
        );
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
      // A bucket is listed, nothing is downloaded: what the next build would fetch is pending too.
      const listed = where.bucket ? await mirror(io, where, { dryRun: true, quiet: true }) : undefined;
      const { lakehouseStatus } = await lake();
      const s = await lakehouseStatus({
        from: where.from,
        ...(where.health === undefined ? {} : { health: where.health }),
        lakehouse: where.lakehouse,
      });
      if (opts.json) {
        io.stdout(
          `${JSON.stringify(
            listed && where.bucket
              ? {
                  ...s,
                  bucket: {
                    data: where.bucket.data.url,
                    health: where.bucket.health.url,
                    objects: listed.listed - listed.ignored,
                    notCached: listed.pending,
                  },
                }
              : s,
            null,
            2,
          )}\n`,
        );
        return;
      }
      io.stdout(
        [
          `Lakehouse ${s.lakehouse}: ${s.lastBuild ? `last built ${s.lastBuild}` : 'not built yet'}`,
          ...(listed && where.bucket
            ? [
                `Bucket ${where.bucket.data.url} (+ ${where.bucket.health.url}): ${listed.listed - listed.ignored} raw files, ${listed.pending} not downloaded yet${listed.pending ? ': run opensensor lake build' : ''}`,
              ]
            : []),
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
With --from s3://…, the bronze view reads the lakehouse's cache of the bucket as the last
"opensensor lake build" left it; the query itself never contacts the bucket.

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
        const result = await lakehouseQuery(sql, { from: where.from, lakehouse: where.lakehouse });
        io.stdout(formatRows(result.columns, result.rows, format));
      } catch (err) {
        if (err instanceof LakehouseQueryError) throw new CliError(err.message, EXIT.failed);
        throw err;
      }
    });
}
