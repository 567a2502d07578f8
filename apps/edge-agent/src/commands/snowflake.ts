import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { healthPipeName, type LoadedConfig, missingSnowflakeSettings } from '@opensensor/config';
import type { BoardKind, CompatApp } from '@opensensor/pipeline';
import type { SnowpipeClientOptions } from '@opensensor/snowpipe-client';
import type { Command } from 'commander';
import { CliError, type CliIo, EXIT } from '../io.js';
import { loadLenientConfig } from '../lenient-config.js';
import type { ConfigFlags } from '../load-config.js';
import { loadCommandConfig } from '../load-config.js';
import { writeSecretFile } from '../secret-file.js';

/** Names used when neither a flag nor the configuration gives one; the same as docs/snowflake.md. */
export const SNOWFLAKE_DEFAULTS = {
  database: 'OPENSENSOR',
  schema: 'LAKE',
  table: 'READINGS',
  pipe: 'READINGS_PIPE',
  healthTable: 'HEALTH',
  role: 'OPENSENSOR_STREAMING',
  user: 'OPENSENSOR_STATION',
} as const;

/** `--target-lag` of `snowflake sql --gold`: the same default as `@opensensor/lake` (a test keeps them equal). */
export const SNOWFLAKE_GOLD_DEFAULT_LAG = '1 hour';

export const PRIVATE_KEY_FILE = 'rsa_key.p8';
export const PUBLIC_KEY_FILE = 'rsa_key.pub';

export interface WrittenKeyPair {
  privateKeyPath: string;
  publicKeyPath: string;
  fingerprint: string;
  alterUserSql: string;
}

/**
 * Generates an RSA key pair for a Snowflake user and writes `rsa_key.p8` (mode 0600, encrypted when a
 * passphrase is given) and `rsa_key.pub` into `dir`. Refuses to replace existing files unless `force`.
 */
export async function writeSnowflakeKeyPair(
  dir: string,
  options: { passphrase?: string; user: string; slot?: 1 | 2; force?: boolean },
): Promise<WrittenKeyPair> {
  const privateKeyPath = join(dir, PRIVATE_KEY_FILE);
  const publicKeyPath = join(dir, PUBLIC_KEY_FILE);
  if (!options.force) {
    for (const p of [privateKeyPath, publicKeyPath]) {
      if (existsSync(p)) {
        throw new CliError(
          `${p} already exists; a new key locks out every station still using the old one. Pass --force to replace it, or --out to write elsewhere.`,
        );
      }
    }
  }
  const { generateKeyPair, SnowpipeOptionsError } = await import('@opensensor/snowpipe-client');
  let pair: ReturnType<typeof generateKeyPair>;
  let alterUserSql: string;
  try {
    pair = generateKeyPair(options.passphrase === undefined ? {} : { passphrase: options.passphrase });
    alterUserSql = pair.alterUserSql(options.user, { slot: options.slot ?? 1 });
  } catch (err) {
    if (err instanceof SnowpipeOptionsError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
  mkdirSync(dir, { recursive: true });
  writeSecretFile(privateKeyPath, pair.privateKeyPem);
  writeFileSync(publicKeyPath, pair.publicKeyPem, { mode: 0o644 });
  return { privateKeyPath, publicKeyPath, fingerprint: pair.fingerprint, alterUserSql };
}

export function registerSnowflake(program: Command, io: CliIo, _setExit: (code: number) => void): void {
  const snowflake = program
    .command('snowflake')
    .description('Snowflake tooling: key pair, setup SQL, connection check')
    .addHelpText(
      'after',
      `
Examples:
  $ opensensor snowflake keygen --user OPENSENSOR_STATION_1
  $ opensensor snowflake sql > snowflake-setup.sql
  $ opensensor snowflake sql --gold --warehouse TRANSFORM_WH > snowflake-gold.sql
  $ opensensor snowflake check

See docs/snowflake.md for the whole setup.`,
    );
  const envFile = () => program.opts<ConfigFlags>().envFile;

  snowflake
    .command('keygen')
    .description(
      'Generate an RSA key pair for key-pair (JWT) authentication and print the ALTER USER statement',
    )
    .option('--out <dir>', 'directory for rsa_key.p8 (mode 0600) and rsa_key.pub', '.')
    .option(
      '--passphrase-env <var>',
      'encrypt the private key with the passphrase in this environment variable',
    )
    .option('--user <name>', 'Snowflake user for the statement (default: OPENSENSOR_SNOWFLAKE_USER)')
    .option('--slot <n>', 'public key slot: 1 (RSA_PUBLIC_KEY) or 2 (RSA_PUBLIC_KEY_2, for rotation)', '1')
    .option('-f, --force', 'replace an existing key pair')
    .addHelpText(
      'after',
      `
Examples:
  $ opensensor snowflake keygen
  $ KEY_PASS='long passphrase' opensensor snowflake keygen --passphrase-env KEY_PASS --out /etc/opensensor
  $ opensensor snowflake keygen --slot 2 --out keys/next   # rotation without downtime

The private key and the passphrase are never printed.`,
    )
    .action(
      async (opts: { out: string; passphraseEnv?: string; user?: string; slot: string; force?: boolean }) => {
        if (opts.slot !== '1' && opts.slot !== '2') {
          throw new CliError(`--slot: expected 1 or 2, received ${JSON.stringify(opts.slot)}`, EXIT.usage);
        }
        let passphrase: string | undefined;
        if (opts.passphraseEnv !== undefined) {
          passphrase = io.env[opts.passphraseEnv];
          if (passphrase === undefined || passphrase === '') {
            throw new CliError(
              `--passphrase-env: the environment variable ${opts.passphraseEnv} is not set or empty; export the passphrase in it first`,
              EXIT.usage,
            );
          }
        }
        const user = opts.user ?? configuredSnowflake(io, envFile()).snowflakeUser ?? SNOWFLAKE_DEFAULTS.user;
        const dir = resolve(io.cwd, opts.out);
        const written = await writeSnowflakeKeyPair(dir, {
          passphrase,
          user,
          slot: opts.slot === '2' ? 2 : 1,
          force: opts.force,
        });
        io.stdout(
          [
            `Private key: ${written.privateKeyPath} (mode 0600${passphrase ? ', encrypted' : ''}; keep it on the station only)`,
            `Public key:  ${written.publicKeyPath}`,
            `Fingerprint: ${written.fingerprint}`,
            '',
            'Register the public key (as a role that can alter the user):',
            '',
            written.alterUserSql,
            '',
            `Then compare the fingerprint with RSA_PUBLIC_KEY${opts.slot === '2' ? '_2' : ''}_FP in DESC USER, and configure the station:`,
            `  OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_FILE=${written.privateKeyPath}`,
            ...(passphrase ? ['  OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE=<the passphrase>'] : []),
            '',
          ].join('\n'),
        );
      },
    );

  snowflake
    .command('sql')
    .description(
      "Print the CREATE TABLE / CREATE PIPE / role and grant statements for the lake columns; with --gold, the lake's silver and gold tables as dynamic tables",
    )
    .option('--database <name>', 'database (default: OPENSENSOR_SNOWFLAKE_DATABASE or OPENSENSOR)')
    .option('--schema <name>', 'schema (default: OPENSENSOR_SNOWFLAKE_SCHEMA or LAKE)')
    .option('--table <name>', 'table', SNOWFLAKE_DEFAULTS.table)
    .option('--pipe <name>', 'pipe (default: OPENSENSOR_SNOWFLAKE_PIPE or READINGS_PIPE)')
    .option('--role <name>', 'streaming role (default: OPENSENSOR_SNOWFLAKE_ROLE or OPENSENSOR_STREAMING)')
    .option('--user <name>', 'station user (default: OPENSENSOR_SNOWFLAKE_USER or OPENSENSOR_STATION)')
    .option(
      '--warehouse <name>',
      'also grant USAGE on this warehouse (only needed to query the table); with --gold: the warehouse that refreshes the dynamic tables',
    )
    .option('--timestamp-type <type>', 'TIMESTAMP_TZ (keeps the UTC offset) or TIMESTAMP_NTZ', 'TIMESTAMP_TZ')
    .option(
      '--board <kind>',
      'columns of this board: enviroplus, sensehat or breakout (default OPENSENSOR_BOARD)',
    )
    .option('--health-table <name>', 'table of the health rows', SNOWFLAKE_DEFAULTS.healthTable)
    .option(
      '--health-pipe <name>',
      'pipe of the health rows (default: OPENSENSOR_SNOWFLAKE_HEALTH_PIPE, else derived from the pipe: READINGS_PIPE -> HEALTH_PIPE)',
    )
    .option('--no-health', 'leave the health table and pipe out')
    .option(
      '--compat <app>',
      "also a view shaped like an old app's table: sensehat (SENSEHAT_SENSOR_DATA) or thermal (THERMAL_SENSOR_DATA); implies its board",
    )
    .option(
      '--gold',
      'print the silver, hourly, daily, aqi_hourly and station_health_daily dynamic tables over the table instead',
    )
    .option(
      '--target-lag <lag>',
      `with --gold: how stale the gold tables may be, e.g. '30 minutes', '1 day'`,
      SNOWFLAKE_GOLD_DEFAULT_LAG,
    )
    .addHelpText(
      'after',
      `
Examples:
  $ opensensor snowflake sql > snowflake-setup.sql
  $ opensensor snowflake sql --database SENSORS --schema RAW --warehouse COMPUTE_WH
  $ opensensor snowflake sql --board breakout      # CO2 / eCO2 / TVOC columns
  $ opensensor snowflake sql --compat thermal      # + THERMAL_SENSOR_DATA view for the old queries
  $ opensensor snowflake sql --gold --warehouse TRANSFORM_WH > snowflake-gold.sql

Names come from the flags, then the OPENSENSOR_SNOWFLAKE_* settings, then the defaults above.
The statements are idempotent (IF NOT EXISTS) and never replace an existing pipe.

--gold prints CREATE OR REPLACE DYNAMIC TABLE statements (SILVER, HOURLY, DAILY, AQI_HOURLY for
boards with PM2.5 and PM10, STATION_HEALTH_DAILY) over --table and --health-table, generated from
the same models as the lake jobs. They refresh on the warehouse (billed compute) about every
--target-lag. Without --warehouse the SQL says <warehouse>: replace it. With --no-health the clock
flag is 2 (not evaluated) and the health columns of station_health_daily are empty. The SQL was
checked for structure, not executed against a Snowflake account (see docs/snowflake.md).`,
    )
    .action(
      async (opts: {
        database?: string;
        schema?: string;
        table: string;
        pipe?: string;
        role?: string;
        user?: string;
        warehouse?: string;
        timestampType: string;
        board?: string;
        healthTable: string;
        healthPipe?: string;
        health: boolean;
        compat?: string;
        gold?: boolean;
        targetLag: string;
      }) => {
        const cfg = configuredSnowflake(io, envFile());
        const type = opts.timestampType.toUpperCase();
        if (type !== 'TIMESTAMP_TZ' && type !== 'TIMESTAMP_NTZ') {
          throw new CliError(
            `--timestamp-type: expected TIMESTAMP_TZ or TIMESTAMP_NTZ, received ${JSON.stringify(opts.timestampType)}`,
            EXIT.usage,
          );
        }
        const { schemaForBoard, BOARD_KINDS } = await import('@opensensor/pipeline');
        const { COMPAT_APPS, COMPAT_VIEWS, CompatViewError, stationSnowflakeSql } = await import(
          '@opensensor/pipeline'
        );
        const compat = opts.compat?.toLowerCase() as CompatApp | undefined;
        if (compat !== undefined && !COMPAT_APPS.includes(compat)) {
          throw new CliError(
            `--compat: expected one of ${COMPAT_APPS.join(', ')}, received ${JSON.stringify(opts.compat)}`,
            EXIT.usage,
          );
        }
        const board = (opts.board ?? (compat ? COMPAT_VIEWS[compat].board : cfg.board)).toLowerCase();
        if (!(BOARD_KINDS as readonly string[]).includes(board)) {
          throw new CliError(
            `${opts.board ? '--board' : 'OPENSENSOR_BOARD'}: expected one of ${BOARD_KINDS.join(', ')} for the table's columns, received ${JSON.stringify(board)}`,
            EXIT.usage,
          );
        }
        const lakeSchema = schemaForBoard(board as (typeof BOARD_KINDS)[number]);
        const database = opts.database ?? cfg.snowflakeDatabase ?? SNOWFLAKE_DEFAULTS.database;
        const schema = opts.schema ?? cfg.snowflakeSchema ?? SNOWFLAKE_DEFAULTS.schema;
        if (opts.gold) {
          // The models as text only: this module never loads DuckDB (the lake jobs' engine).
          const { snowflakeGoldSql, SnowflakeGoldOptionsError } = await import('@opensensor/lake/sql');
          try {
            io.stdout(
              `-- board: ${board}\n${snowflakeGoldSql({
                database,
                schema,
                table: opts.table,
                health: opts.health ? opts.healthTable : null,
                warehouse: opts.warehouse,
                targetLag: opts.targetLag,
                measurements: lakeSchema.columns.map((c) => c.name),
              })}`,
            );
          } catch (err) {
            if (err instanceof SnowflakeGoldOptionsError) {
              const flag =
                err.option === 'targetLag'
                  ? '--target-lag'
                  : err.option === 'health'
                    ? '--health-table'
                    : flagOf(err.option);
              throw new CliError(`${flag}: ${err.message}`, EXIT.usage);
            }
            throw err;
          }
          if (opts.warehouse === undefined) {
            io.stderr(
              'No --warehouse: the statements say WAREHOUSE = <warehouse>; replace it with the warehouse that refreshes the tables.\n',
            );
          }
          return;
        }
        const { SnowpipeOptionsError } = await import('@opensensor/snowpipe-client');
        const pipe = opts.pipe ?? cfg.snowflakePipe ?? SNOWFLAKE_DEFAULTS.pipe;
        const healthPipe =
          opts.healthPipe ??
          (opts.pipe === undefined ? cfg.snowflakeHealthPipe : undefined) ??
          healthPipeName(pipe);
        try {
          io.stdout(
            await stationSnowflakeSql({
              database,
              schema,
              table: opts.table,
              pipe,
              role: opts.role ?? cfg.snowflakeRole ?? SNOWFLAKE_DEFAULTS.role,
              user: opts.user ?? cfg.snowflakeUser ?? SNOWFLAKE_DEFAULTS.user,
              warehouse: opts.warehouse,
              timestampType: type,
              board: board as BoardKind,
              health: opts.health ? { table: opts.healthTable, pipe: healthPipe } : null,
              ...(compat ? { compat } : {}),
            }),
          );
        } catch (err) {
          if (err instanceof SnowpipeOptionsError) {
            throw new CliError(`${flagOf(err.option)}: ${err.message}`, EXIT.usage);
          }
          if (err instanceof CompatViewError) throw new CliError(`--compat: ${err.message}`, EXIT.usage);
          throw err;
        }
      },
    );

  snowflake
    .command('check')
    .description('Authenticate, find the ingest host and report the station channel (opened if new)')
    .option('--json', 'print one JSON document')
    .addHelpText(
      'after',
      `
Examples:
  $ opensensor snowflake check
  $ opensensor snowflake check --json | jq .status.lastCommittedOffsetToken

An existing channel is only read, never reopened, so a running agent is not disturbed.
Exits 0 when the channel is usable, 1 when Snowflake refuses (with the reason), 2 when settings are missing.`,
    )
    .action(async (opts: { json?: boolean }) => {
      const { config } = loadCommandConfig(io, { envFile: envFile() });
      const { SnowflakeKeyFileError, snowpipeClientOptions } = await import('@opensensor/pipeline');
      const missing = missingSnowflakeSettings(config);
      if (missing.length > 0) {
        throw new CliError(
          `cannot check Snowflake, these settings are missing: ${missing.join(', ')} (see docs/snowflake.md)`,
          EXIT.usage,
        );
      }
      let clientOptions: SnowpipeClientOptions;
      try {
        clientOptions = await snowpipeClientOptions(config);
      } catch (err) {
        if (err instanceof SnowflakeKeyFileError) throw new CliError(err.message, EXIT.usage);
        throw err;
      }
      const auth = clientOptions.auth;
      const { checkSnowflake, SnowpipeClient, SnowpipeOptionsError, SnowpipeError } = await import(
        '@opensensor/snowpipe-client'
      );
      const channel = config.snowflakeChannel;
      const target = `${config.snowflakeDatabase}.${config.snowflakeSchema}.${config.snowflakePipe}`;
      try {
        const client = new SnowpipeClient({
          ...clientOptions,
          // A check is interactive: fail within seconds instead of the agent's patient retries.
          maxRetries: 2,
          requestTimeoutMs: 15_000,
        });
        // Reads an existing channel without reopening it (that would invalidate a running agent's session).
        const checked = await checkSnowflake(client, channel);
        const { ingestHostname, status } = checked;
        if (!status) throw new CliError(`Snowflake opened channel ${channel} but reported no status`);
        const ok = status.channelStatusCode === 'SUCCESS';
        const report = {
          ok,
          url: config.snowflakeUrl,
          account: config.snowflakeAccount,
          user: config.snowflakeUser,
          role: config.snowflakeRole ?? null,
          pipe: target,
          auth: 'pat' in auth ? 'pat' : 'key-pair',
          publicKeyFingerprint: client.publicKeyFingerprint ?? null,
          ingestHostname,
          channel,
          opened: checked.opened,
          status,
        };
        if (opts.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
        else {
          const rows: [string, string][] = [
            ['account URL', String(report.url)],
            ['user', `${report.user}${report.role ? ` (role ${report.role})` : ''}`],
            [
              'auth',
              report.auth === 'pat'
                ? 'programmatic access token'
                : `key pair, fingerprint ${report.publicKeyFingerprint}`,
            ],
            ['ingest host', ingestHostname],
            ['pipe', target],
            [
              'channel',
              `${channel} (${report.opened ? 'opened now: it did not exist' : 'existing, not reopened'})`,
            ],
            ['status', status.channelStatusCode],
            ['committed offset', status.lastCommittedOffsetToken ?? '(nothing committed yet)'],
            [
              'rows',
              `${status.rowsInserted} inserted, ${status.rowsParsed} parsed, ${status.rowsErrorCount} refused`,
            ],
          ];
          if (status.lastErrorMessage) rows.push(['last error', status.lastErrorMessage]);
          io.stdout('Snowflake check\n');
          for (const [k, v] of rows) io.stdout(`  ${k.padEnd(16)}  ${v}\n`);
          io.stdout(ok ? 'OK: the station can stream to Snowflake.\n' : '');
        }
        if (!ok) {
          throw new CliError(
            `channel ${channel} is not usable: ${status.channelStatusCode}${status.lastErrorMessage ? ` (${status.lastErrorMessage})` : ''}`,
          );
        }
      } catch (err) {
        if (err instanceof SnowpipeOptionsError) throw new CliError(err.message, EXIT.usage);
        if (err instanceof SnowpipeError) {
          if (opts.json) io.stdout(`${JSON.stringify({ ok: false, error: errorReport(err) }, null, 2)}\n`);
          throw new CliError(`Snowflake check failed: ${err.message}`);
        }
        throw err;
      }
    });
}

function errorReport(err: {
  message: string;
  code: string;
  status: number;
  action: string;
  operation: string;
}): Record<string, unknown> {
  return {
    message: err.message,
    code: err.code,
    status: err.status,
    action: err.action,
    operation: err.operation,
  };
}

/** The Snowflake names configured so far; a station id or key file that is not there yet does not matter here. */
function configuredSnowflake(io: CliIo, envFile: string | undefined): LoadedConfig['config'] {
  return loadLenientConfig(io, envFile, { snowflakeEnabled: false }).loaded.config;
}

function flagOf(option: string): string {
  if (option === 'moreTables[0].table') return '--health-table';
  if (option === 'moreTables[0].pipe') return '--health-pipe';
  return ['database', 'schema', 'table', 'pipe', 'role', 'user', 'warehouse'].includes(option)
    ? `--${option}`
    : option;
}
