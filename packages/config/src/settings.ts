// zod's functional entry point (zod/mini) as a namespace import, so that the build's tree-shaking
// keeps only the parts used here (see INLINED_DEPENDENCIES in tsup.config.ts). Its schemas carry no
// methods of their own: building this table costs about half of what zod's chained API cost, at every
// start of every command (docs/performance.md, "Round 4").
import * as z from 'zod/mini';

/**
 * Every setting of OpenSensor, once. This table is the single source of truth: the zod schema,
 * the TypeScript type, the validation messages, the CLI flag names and docs/configuration.md are
 * all derived from it.
 */
export type SettingGroup =
  | 'station'
  | 'sensors'
  | 'output'
  | 'health'
  | 'sync'
  | 'storage'
  | 'health-storage'
  | 'snowflake'
  | 'state'
  | 'logging'
  | 'metrics';

export interface SettingSpec<S extends z.ZodMiniType = z.ZodMiniType> {
  /** Environment variable, e.g. `OPENSENSOR_READ_INTERVAL`. */
  readonly env: string;
  readonly group: SettingGroup;
  /** Parses the raw string (never empty: an empty value means "unset"). */
  readonly schema: S;
  /** What a valid value looks like, for error messages and docs. */
  readonly expected: string;
  readonly description: string;
  /** Default, as the raw string a user would write; absent = unset. */
  readonly default?: string;
  /** Shown as `***`, never echoed in errors. */
  readonly secret?: boolean;
  /** Key in a snowflake_config.json file, when the setting can come from one. */
  readonly snowflakeJsonKey?: string;
}

const spec = <const T extends SettingSpec>(s: T): T => s;

const stringbool = () =>
  z.stringbool({ truthy: ['true', '1', 'yes', 'on'], falsy: ['false', '0', 'no', 'off'] });
const BOOL = 'true or false (also 1/0, yes/no, on/off)';
const text = () => z.string().check(z.trim(), z.minLength(1));

/**
 * Numbers are written in decimal: `5`, `2.5`, `0900`. `Number()` (and `z.coerce.number()`) would also
 * take `0x10`, `0b1`, `0o7`, `1e3`, `Infinity` and a blank string (0), so a typo or a value copied from
 * another format would silently become a different setting. Surrounding whitespace is trimmed, as for
 * every setting.
 */
const WHOLE = /^\d+$/;
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
/** A decimal number with an optional sign, for settings that may be negative (coordinates). */
const SIGNED_DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
/**
 * Parses a number written in decimal (`5`, `2.5`, or with `whole` digits only), as every numeric
 * setting is; `undefined` for any other form (`0x10`, `1e3`, `Infinity`, blank). For CLI flags that
 * are not settings but should read numbers the same way.
 */
export function parseDecimal(text: string, options: { whole?: boolean } = {}): number | undefined {
  const t = text.trim();
  return (options.whole ? WHOLE : DECIMAL).test(t) ? Number(t) : undefined;
}

type NumberCheck = z.core.$ZodCheck<number>;
/** The trimmed string, if `form` matches it, as a number. */
const numberText = (form: RegExp) => z.pipe(z.string().check(z.trim(), z.regex(form)), z.transform(Number));
/** A whole number in decimal digits (a safe integer), then `checks` (range, ...). */
const wholeNumber = (...checks: NumberCheck[]) => z.pipe(numberText(WHOLE), z.int().check(...checks));
/** A number in decimal notation with an optional fraction (`2.25`), then `checks`. */
const decimalNumber = (...checks: NumberCheck[]) => z.pipe(numberText(DECIMAL), z.number().check(...checks));
/** The same with an optional `+` or `-` in front. */
const signedDecimalNumber = (...checks: NumberCheck[]) =>
  z.pipe(numberText(SIGNED_DECIMAL), z.number().check(...checks));
/** Trimmed, lower-cased, then one of `values`. */
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.pipe(z.string().check(z.trim(), z.toLowerCase()), z.enum(values));

/** Batch windows must tile an hour exactly so that every window is clock-aligned and never spans a day. */
const BATCH_DURATIONS = [60, 120, 180, 240, 300, 360, 600, 720, 900, 1200, 1800, 3600] as const;

export const STORAGE_PROVIDERS = ['s3', 'r2', 'gcs', 'minio', 'wasabi', 'backblaze', 'hetzner'] as const;
const providerSchema = oneOf(STORAGE_PROVIDERS);
/** A key prefix: trimmed, without leading or trailing slashes, and no `.` or `..` segment. */
const keyPrefix = () =>
  z
    .pipe(
      z.string().check(z.trim()),
      z.transform((s: string) => s.replace(/^\/+|\/+$/g, '')),
    )
    .check(z.refine((s) => !s.split('/').some((part) => part === '..' || part === '.')));
const PROVIDER_EXPECTED = `one of ${STORAGE_PROVIDERS.join(', ')}`;

const endpointSchema = z.url({ protocol: /^https?$/ });
const ENDPOINT_EXPECTED = 'an http:// or https:// URL, e.g. https://s3.eu-central-1.wasabisys.com';

export const settings = {
  stationId: spec({
    env: 'OPENSENSOR_STATION_ID',
    group: 'station',
    schema: z.pipe(
      z.uuid(),
      z.transform((s: string) => s.toLowerCase()),
    ),
    expected: 'a UUID such as 01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f (run `opensensor setup` to generate one)',
    description: 'Identifier of this station; names its partition `station=<id>` in the lake.',
  }),
  stationName: spec({
    env: 'OPENSENSOR_STATION_NAME',
    group: 'station',
    schema: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
    expected: 'a short human-readable name, e.g. "Roof, north side" (1 to 200 characters)',
    description:
      "Name of the station for people, recorded in every health record: the dashboard, the lake's `stations` table and Snowflake health rows show it. Unset: none; the id and the host name still identify it.",
  }),
  stationLatitude: spec({
    env: 'OPENSENSOR_STATION_LATITUDE',
    group: 'station',
    schema: signedDecimalNumber(z.minimum(-90), z.maximum(90)),
    expected: 'decimal degrees north from -90 to 90 (south negative), e.g. 52.3731',
    description:
      "Where the station stands (WGS 84), for the dashboard's map; set together with the longitude. Recorded in the health stream, so the lake's `stations` table carries it. Unset: the station has no place on the map.",
  }),
  stationLongitude: spec({
    env: 'OPENSENSOR_STATION_LONGITUDE',
    group: 'station',
    schema: signedDecimalNumber(z.minimum(-180), z.maximum(180)),
    expected: 'decimal degrees east from -180 to 180 (west negative), e.g. 4.8922',
    description: 'Where the station stands (WGS 84); set together with the latitude.',
  }),
  board: spec({
    env: 'OPENSENSOR_BOARD',
    group: 'sensors',
    schema: oneOf(['enviroplus', 'sensehat', 'breakout', 'auto']),
    expected: 'one of enviroplus, sensehat, breakout, auto',
    description:
      'Sensor board: Pimoroni Enviro+, Raspberry Pi Sense HAT, or SCD4x/SGP30/ICP-10125 breakouts. auto probes the I2C bus at start. Sets the lake columns; a station keeps one board (docs/boards.md).',
    default: 'enviroplus',
  }),
  snowflakeBatchRows: spec({
    env: 'OPENSENSOR_SNOWFLAKE_BATCH_ROWS',
    group: 'snowflake',
    schema: wholeNumber(z.minimum(1), z.maximum(100_000)),
    expected: 'a whole number of rows from 1 to 100000, in decimal digits',
    description:
      'Rows per Snowpipe append at most (larger backlogs are split; requests also stay under 4 MB).',
    default: '1000',
  }),
  snowflakeBatchInterval: spec({
    env: 'OPENSENSOR_SNOWFLAKE_BATCH_INTERVAL',
    group: 'snowflake',
    schema: decimalNumber(z.minimum(0.1), z.maximum(3600)),
    expected: 'a decimal number of seconds from 0.1 to 3600, e.g. 10 or 2.5',
    description:
      'Seconds between two sends to Snowflake: rows read in between go in one request (fewer requests cost less).',
    default: '10',
  }),
  readInterval: spec({
    env: 'OPENSENSOR_READ_INTERVAL',
    group: 'sensors',
    schema: decimalNumber(z.minimum(1), z.maximum(60)),
    expected: 'a decimal number of seconds from 1 to 60, e.g. 5 or 2.5',
    description: 'Seconds between two readings of the board.',
    default: '5',
  }),
  batchDuration: spec({
    env: 'OPENSENSOR_BATCH_DURATION',
    group: 'output',
    schema: wholeNumber(z.refine((n) => (BATCH_DURATIONS as readonly number[]).includes(n))),
    expected: `seconds that tile an hour, in decimal digits: one of ${BATCH_DURATIONS.join(', ')}`,
    description: 'Length of one Parquet file window; windows are aligned to the clock (UTC).',
    default: '900',
  }),
  tempCompensationEnabled: spec({
    env: 'OPENSENSOR_TEMP_COMPENSATION_ENABLED',
    group: 'sensors',
    schema: stringbool(),
    expected: BOOL,
    description: 'Correct the BME280 temperature and humidity for heat from the Pi CPU.',
    default: 'true',
  }),
  tempCompensationFactor: spec({
    env: 'OPENSENSOR_TEMP_COMPENSATION_FACTOR',
    group: 'sensors',
    schema: decimalNumber(z.positive()),
    expected: 'a decimal number greater than 0, e.g. 2.25',
    description: 'Compensation factor: larger means less correction (the Pimoroni default is 2.25).',
    default: '2.25',
  }),
  pms5003Device: spec({
    env: 'OPENSENSOR_PMS5003_DEVICE',
    group: 'sensors',
    schema: text(),
    expected: 'a serial device path such as /dev/serial0',
    description: 'Serial port of the PMS5003 particulate sensor.',
    default: '/dev/serial0',
  }),
  outputDir: spec({
    env: 'OPENSENSOR_OUTPUT_DIR',
    group: 'output',
    schema: text(),
    expected: 'a directory path',
    description:
      'Root of the local Parquet lake (relative paths are resolved against the working directory). Not the filesystem root.',
    default: 'output',
  }),
  compression: spec({
    env: 'OPENSENSOR_COMPRESSION',
    group: 'output',
    schema: oneOf(['zstd', 'snappy', 'gzip']),
    expected: 'one of zstd, snappy, gzip',
    description: 'Parquet compression codec.',
    default: 'zstd',
  }),
  parquetEncodings: spec({
    env: 'OPENSENSOR_PARQUET_ENCODINGS',
    group: 'output',
    schema: oneOf(['compact', 'plain']),
    expected: 'one of compact, plain',
    description:
      'How the Parquet writer lays values out before compression. compact: timestamps DELTA_BINARY_PACKED and floats BYTE_STREAM_SPLIT, about 18 % smaller files, read by DuckDB ≥ 0.10, Polars, PyArrow, Trino/Athena engine 3 and Spark ≥ 3.2. plain: every column PLAIN (no dictionary, no BYTE_STREAM_SPLIT or delta timestamps), for readers that predate those encodings. Files of both mix freely in one lake.',
    default: 'compact',
  }),
  flushOnStop: spec({
    env: 'OPENSENSOR_FLUSH_ON_STOP',
    group: 'output',
    schema: stringbool(),
    expected: BOOL,
    description:
      "On a clean stop (SIGINT, SIGTERM, `systemctl stop`), write the open window's readings to the lake at once, so that `opensensor sync` right after a stop uploads the last minutes; after a restart the rest of that window goes to a second file, `data_<HHMM>_<first seq>.parquet`. false: they wait in the journal and the next start writes the window as one file.",
    default: 'true',
  }),
  healthEnabled: spec({
    env: 'OPENSENSOR_HEALTH_ENABLED',
    group: 'health',
    schema: stringbool(),
    expected: BOOL,
    description: 'Write the station health stream (CPU, memory, disk, Wi-Fi, clock sync, ...).',
    default: 'true',
  }),
  lakehouseDir: spec({
    env: 'OPENSENSOR_LAKEHOUSE_DIR',
    group: 'output',
    schema: text(),
    expected: 'a directory path',
    description:
      'Where `opensensor lake build` writes silver, gold and the catalog (off the station: a laptop, a server, a CI job). `--lakehouse` overrides it.',
    default: 'lakehouse',
  }),
  healthDir: spec({
    env: 'OPENSENSOR_HEALTH_DIR',
    group: 'health',
    schema: text(),
    expected: 'a directory path',
    description:
      'Root of the local health lake: a separate tree, neither inside the lake nor containing it (refused otherwise). Unset, empty or "." means `<OPENSENSOR_OUTPUT_DIR>-health`.',
  }),
  syncEnabled: spec({
    env: 'OPENSENSOR_SYNC_ENABLED',
    group: 'sync',
    schema: stringbool(),
    expected: BOOL,
    description: 'Upload finished Parquet files to object storage periodically.',
    default: 'false',
  }),
  syncIntervalMinutes: spec({
    env: 'OPENSENSOR_SYNC_INTERVAL_MINUTES',
    group: 'sync',
    schema: wholeNumber(z.minimum(1), z.maximum(1440)),
    expected: 'a whole number of minutes from 1 to 1440, in decimal digits',
    description: 'Minutes between two periodic syncs (clock-aligned).',
    default: '15',
  }),
  storageProvider: spec({
    env: 'OPENSENSOR_STORAGE_PROVIDER',
    group: 'storage',
    schema: providerSchema,
    expected: PROVIDER_EXPECTED,
    description: 'Kind of S3-compatible store; sets endpoint and addressing defaults.',
    default: 's3',
  }),
  storageBucket: spec({
    env: 'OPENSENSOR_STORAGE_BUCKET',
    group: 'storage',
    schema: z.string().check(z.trim(), z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/)),
    expected: 'a bucket name of 3-63 lowercase letters, digits, dots and hyphens',
    description: 'Bucket that receives the lake. Required when sync is enabled.',
  }),
  storagePrefix: spec({
    env: 'OPENSENSOR_STORAGE_PREFIX',
    group: 'storage',
    schema: keyPrefix(),
    expected: 'a key prefix without "." or ".." segments, e.g. opensensor/sensors',
    description: 'Key prefix inside the bucket (no leading or trailing slash needed).',
  }),
  storageRegion: spec({
    env: 'OPENSENSOR_STORAGE_REGION',
    group: 'storage',
    schema: text(),
    expected: 'a region name such as us-west-2',
    description: 'Region of the store (provider default when unset: s3 us-west-2, wasabi us-east-1, ...).',
  }),
  storageEndpoint: spec({
    env: 'OPENSENSOR_STORAGE_ENDPOINT',
    group: 'storage',
    schema: endpointSchema,
    expected: ENDPOINT_EXPECTED,
    description:
      'Endpoint URL; required for r2 and minio, derived from the region for wasabi, backblaze, hetzner.',
  }),
  awsAccessKeyId: spec({
    env: 'OPENSENSOR_AWS_ACCESS_KEY_ID',
    group: 'storage',
    schema: text(),
    expected: 'an access key id',
    description: 'Access key id. Unset: the AWS default credential chain applies.',
    secret: true,
  }),
  awsSecretAccessKey: spec({
    env: 'OPENSENSOR_AWS_SECRET_ACCESS_KEY',
    group: 'storage',
    schema: text(),
    expected: 'a secret access key',
    description: 'Secret access key, paired with OPENSENSOR_AWS_ACCESS_KEY_ID.',
    secret: true,
  }),
  storageChecksum: spec({
    env: 'OPENSENSOR_STORAGE_CHECKSUM',
    group: 'storage',
    schema: oneOf(['when_supported', 'when_required']),
    expected: 'when_supported or when_required',
    description:
      'when_supported: the AWS SDK sends CRC32 checksums with every upload (AWS, MinIO, recent R2). when_required: only where the API demands one, for stores that reject the SDK checksum headers (older MinIO, B2, Wasabi, Ceph, GCS). Unset: the provider default.',
  }),
  syncConcurrency: spec({
    env: 'OPENSENSOR_SYNC_CONCURRENCY',
    group: 'sync',
    schema: wholeNumber(z.minimum(1), z.maximum(16)),
    expected: 'a whole number from 1 to 16, in decimal digits',
    description: 'Files uploaded at once.',
    default: '2',
  }),
  syncTimeout: spec({
    env: 'OPENSENSOR_SYNC_TIMEOUT',
    group: 'sync',
    schema: wholeNumber(z.minimum(0), z.maximum(86_400)),
    expected: 'a whole number of seconds from 0 to 86400, in decimal digits (0: no limit)',
    description:
      'Time budget of one `opensensor sync` (also `--timeout`): when it runs out, uploads in flight are aborted, what was uploaded is kept, the rest is left for the next sync, and the command exits 1. The periodic sync is not bounded by it.',
    default: '300',
  }),
  retentionDays: spec({
    env: 'OPENSENSOR_RETENTION_DAYS',
    group: 'sync',
    schema: wholeNumber(z.minimum(1), z.maximum(36_500)),
    expected: 'a whole number of days from 1 to 36500, in decimal digits',
    description:
      'Delete local lake files older than this, but only once their upload is verified. Unset: keep everything.',
  }),
  retentionMaxMb: spec({
    env: 'OPENSENSOR_RETENTION_MAX_MB',
    group: 'sync',
    schema: wholeNumber(z.minimum(1)),
    expected: 'a whole number of MiB, at least 1, in decimal digits',
    description:
      'Keep the local lake under this size by deleting the oldest verified uploads first. Unset: no bound.',
  }),
  healthSyncEnabled: spec({
    env: 'OPENSENSOR_HEALTH_SYNC_ENABLED',
    group: 'health-storage',
    schema: stringbool(),
    expected: BOOL,
    description:
      'Upload the health lake too. Unset: the periodic sync follows OPENSENSOR_SYNC_ENABLED; `opensensor sync` uploads it unless this is false.',
  }),
  healthStorageProvider: spec({
    env: 'OPENSENSOR_HEALTH_STORAGE_PROVIDER',
    group: 'health-storage',
    schema: providerSchema,
    expected: PROVIDER_EXPECTED,
    description: 'Provider for health uploads. Unset: the main storage provider.',
  }),
  healthStorageBucket: spec({
    env: 'OPENSENSOR_HEALTH_STORAGE_BUCKET',
    group: 'health-storage',
    schema: z.string().check(z.trim(), z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/)),
    expected: 'a bucket name of 3-63 lowercase letters, digits, dots and hyphens',
    description: 'Bucket for health uploads. Unset: the main bucket.',
  }),
  healthStoragePrefix: spec({
    env: 'OPENSENSOR_HEALTH_STORAGE_PREFIX',
    group: 'health-storage',
    schema: keyPrefix(),
    expected: 'a key prefix without "." or ".." segments',
    description:
      'Key prefix for health uploads. Unset: `<main prefix>-health` (or `health` when the main prefix is empty).',
  }),
  healthStorageRegion: spec({
    env: 'OPENSENSOR_HEALTH_STORAGE_REGION',
    group: 'health-storage',
    schema: text(),
    expected: 'a region name',
    description: 'Region for health uploads. Unset: the main region.',
  }),
  healthStorageEndpoint: spec({
    env: 'OPENSENSOR_HEALTH_STORAGE_ENDPOINT',
    group: 'health-storage',
    schema: endpointSchema,
    expected: ENDPOINT_EXPECTED,
    description: 'Endpoint for health uploads. Unset: the main endpoint.',
  }),
  healthAwsAccessKeyId: spec({
    env: 'OPENSENSOR_HEALTH_AWS_ACCESS_KEY_ID',
    group: 'health-storage',
    schema: text(),
    expected: 'an access key id',
    description: 'Access key id for health uploads. Unset: the main key.',
    secret: true,
  }),
  healthAwsSecretAccessKey: spec({
    env: 'OPENSENSOR_HEALTH_AWS_SECRET_ACCESS_KEY',
    group: 'health-storage',
    schema: text(),
    expected: 'a secret access key',
    description: 'Secret access key for health uploads. Unset: the main secret.',
    secret: true,
  }),
  snowflakeEnabled: spec({
    env: 'OPENSENSOR_SNOWFLAKE_ENABLED',
    group: 'snowflake',
    schema: stringbool(),
    expected: BOOL,
    description: 'Stream every reading to Snowflake with Snowpipe Streaming (v2 REST API).',
    default: 'false',
  }),
  snowflakeConfigFile: spec({
    env: 'OPENSENSOR_SNOWFLAKE_CONFIG_FILE',
    group: 'snowflake',
    schema: text(),
    expected: 'a path to a snowflake_config.json file',
    description:
      'Reads user, account, url, private_key_file, role, database, schema, pipe, channel_name and pat_token from a JSON file; OPENSENSOR_SNOWFLAKE_* variables override it.',
  }),
  snowflakeAccount: spec({
    env: 'OPENSENSOR_SNOWFLAKE_ACCOUNT',
    group: 'snowflake',
    schema: z.pipe(
      z.string().check(z.trim(), z.regex(/^[A-Za-z0-9_.-]+$/)),
      z.transform((s: string) => s.toUpperCase()),
    ),
    expected: 'an account identifier such as MYORG-MYACCOUNT',
    description: 'Snowflake account identifier (organisation-account).',
    snowflakeJsonKey: 'account',
  }),
  snowflakeUser: spec({
    env: 'OPENSENSOR_SNOWFLAKE_USER',
    group: 'snowflake',
    schema: text(),
    expected: 'a Snowflake user name',
    description: 'User that streams the rows (a dedicated service user is recommended).',
    snowflakeJsonKey: 'user',
  }),
  snowflakeUrl: spec({
    env: 'OPENSENSOR_SNOWFLAKE_URL',
    group: 'snowflake',
    schema: endpointSchema,
    expected:
      'an https:// URL such as https://myorg-myaccount.snowflakecomputing.com (http only for a local test server)',
    description: 'Account URL. Unset: `https://<account>.snowflakecomputing.com`.',
    snowflakeJsonKey: 'url',
  }),
  snowflakeRole: spec({
    env: 'OPENSENSOR_SNOWFLAKE_ROLE',
    group: 'snowflake',
    schema: text(),
    expected: 'a role name',
    description: 'Role used for streaming.',
    snowflakeJsonKey: 'role',
  }),
  snowflakeDatabase: spec({
    env: 'OPENSENSOR_SNOWFLAKE_DATABASE',
    group: 'snowflake',
    schema: text(),
    expected: 'a database name',
    description: 'Database of the target table and pipe.',
    snowflakeJsonKey: 'database',
  }),
  snowflakeSchema: spec({
    env: 'OPENSENSOR_SNOWFLAKE_SCHEMA',
    group: 'snowflake',
    schema: text(),
    expected: 'a schema name',
    description: 'Schema of the target table and pipe.',
    snowflakeJsonKey: 'schema',
  }),
  snowflakePipe: spec({
    env: 'OPENSENSOR_SNOWFLAKE_PIPE',
    group: 'snowflake',
    schema: text(),
    expected: 'a pipe name',
    description: 'Pipe that receives the rows.',
    snowflakeJsonKey: 'pipe',
  }),
  snowflakeChannel: spec({
    env: 'OPENSENSOR_SNOWFLAKE_CHANNEL',
    group: 'snowflake',
    schema: z.string().check(z.trim(), z.regex(/^[A-Za-z0-9_.-]{1,128}$/)),
    expected: 'a channel name of letters, digits, "_", "." or "-"',
    description: 'Streaming channel. Unset: `opensensor_<station id>` (one channel per station).',
    snowflakeJsonKey: 'channel_name',
  }),
  snowflakeHealthEnabled: spec({
    env: 'OPENSENSOR_SNOWFLAKE_HEALTH_ENABLED',
    group: 'snowflake',
    schema: stringbool(),
    expected: BOOL,
    description:
      'Stream the health records too (their own table, pipe and channel; same account and auth). Unset: on whenever Snowflake and the health stream (OPENSENSOR_HEALTH_ENABLED) are both on; never without them.',
  }),
  snowflakeHealthPipe: spec({
    env: 'OPENSENSOR_SNOWFLAKE_HEALTH_PIPE',
    group: 'snowflake',
    schema: text(),
    expected: 'a pipe name',
    description:
      'Pipe of the health rows. Unset: the readings pipe with `READINGS` replaced by `HEALTH` (`READINGS_PIPE` → `HEALTH_PIPE`), or `<pipe>_HEALTH` when the name has no `READINGS`.',
  }),
  snowflakeHealthChannel: spec({
    env: 'OPENSENSOR_SNOWFLAKE_HEALTH_CHANNEL',
    group: 'snowflake',
    schema: z.string().check(z.trim(), z.regex(/^[A-Za-z0-9_.-]{1,128}$/)),
    expected: 'a channel name of letters, digits, "_", "." or "-"',
    description: 'Streaming channel of the health rows. Unset: `<readings channel>_health`.',
  }),
  snowflakePrivateKeyFile: spec({
    env: 'OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_FILE',
    group: 'snowflake',
    schema: text(),
    expected: 'a path to a PEM private key (PKCS#8, optionally encrypted)',
    description: 'Private key for key-pair (JWT) authentication.',
    snowflakeJsonKey: 'private_key_file',
  }),
  snowflakePrivateKeyPassphrase: spec({
    env: 'OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE',
    group: 'snowflake',
    schema: z.string().check(z.minLength(1)),
    expected: 'the passphrase of the encrypted private key',
    description: 'Passphrase of the private key, when it is encrypted.',
    secret: true,
  }),
  snowflakePat: spec({
    env: 'OPENSENSOR_SNOWFLAKE_PAT',
    group: 'snowflake',
    schema: text(),
    expected: 'a programmatic access token',
    description: 'Programmatic access token; an alternative to the key pair.',
    secret: true,
    snowflakeJsonKey: 'pat_token',
  }),
  stateDir: spec({
    env: 'OPENSENSOR_STATE_DIR',
    group: 'state',
    schema: text(),
    expected: 'a directory path',
    description: 'Journal, consumer cursors, upload ledger and channel state. Keep it on persistent storage.',
    default: 'state',
  }),
  clockPolicy: spec({
    env: 'OPENSENSOR_CLOCK_POLICY',
    group: 'state',
    schema: oneOf(['wait-for-sync', 'trust-system-clock']),
    expected: 'wait-for-sync or trust-system-clock',
    description:
      'wait-for-sync: readings taken before NTP has synchronised the clock are re-dated once it has (a Pi has no RTC). trust-system-clock: for stations with a battery-backed RTC. See docs/clock.md.',
    default: 'wait-for-sync',
  }),
  journalFsync: spec({
    env: 'OPENSENSOR_JOURNAL_FSYNC',
    group: 'state',
    schema: z
      .pipe(
        z.string().check(z.trim(), z.toLowerCase(), z.regex(/^(always|never|\d+)$/)),
        z.transform((s: string) => (s === 'always' || s === 'never' ? s : { interval: Number(s) })),
      )
      .check(z.refine((v) => typeof v === 'string' || (v.interval >= 10 && v.interval <= 60_000))),
    expected: 'always, never, or a flush interval in milliseconds from 10 to 60000',
    description:
      'When journaled readings reach the SD card. 1000 (default): a power cut loses at most ~1 s of readings; a crash of the agent alone loses nothing. always: nothing is lost, more SD wear. See docs/buffer.md.',
    default: '1000',
  }),
  journalMaxMb: spec({
    env: 'OPENSENSOR_JOURNAL_MAX_MB',
    group: 'state',
    schema: wholeNumber(z.minimum(8), z.maximum(100_000)),
    expected: 'a whole number of MiB from 8 to 100000, in decimal digits',
    description:
      'Upper bound of the journal on disk. When full (a consumer stuck for weeks), the oldest records are dropped, counted and logged.',
    default: '256',
  }),
  logLevel: spec({
    env: 'OPENSENSOR_LOG_LEVEL',
    group: 'logging',
    schema: z.pipe(
      z.pipe(
        z.string().check(z.trim(), z.toLowerCase()),
        z.transform((s: string) => (s === 'warning' ? 'warn' : s)),
      ),
      z.enum(['debug', 'info', 'warn', 'error']),
    ),
    expected: 'one of debug, info, warn, error',
    description: 'Lowest level that is logged.',
    default: 'info',
  }),
  logDir: spec({
    env: 'OPENSENSOR_LOG_DIR',
    group: 'logging',
    schema: text(),
    expected: 'a directory path',
    description: 'Directory of the agent log file.',
    default: 'logs',
  }),
  logJson: spec({
    env: 'OPENSENSOR_LOG_JSON',
    group: 'logging',
    schema: stringbool(),
    expected: BOOL,
    description: 'Log one JSON object per line. Unset: JSON when standard output is not a terminal.',
  }),
  metricsPort: spec({
    env: 'OPENSENSOR_METRICS_PORT',
    group: 'metrics',
    schema: wholeNumber(z.minimum(1), z.maximum(65_535)),
    expected: 'a TCP port from 1 to 65535, in decimal digits',
    description:
      'Serve `/metrics` (Prometheus text format) and `/healthz` on this port while the agent runs. Unset: no endpoint, and the metrics library is never loaded. See docs/metrics.md.',
  }),
  metricsHost: spec({
    env: 'OPENSENSOR_METRICS_HOST',
    group: 'metrics',
    schema: text(),
    expected: 'an address to listen on, e.g. 127.0.0.1, 0.0.0.0 or ::',
    description:
      'Address the metrics endpoint listens on. The default keeps it on the Pi itself; `0.0.0.0` lets a Prometheus server on the network scrape it (the endpoint has no authentication: firewall it).',
    default: '127.0.0.1',
  }),
} as const;

export type SettingKey = keyof typeof settings;
export const SETTING_KEYS = Object.keys(settings) as SettingKey[];

type Out<K extends SettingKey> = z.output<(typeof settings)[K]['schema']>;
type HasDefault<K extends SettingKey> = K extends SettingKey
  ? (typeof settings)[K] extends { default: string }
    ? K
    : never
  : never;
type Required_ = 'stationId';

/** Every setting after validation; settings without a default may be undefined. */
export type Settings = { [K in HasDefault<SettingKey> | Required_]: Out<K> } & {
  [K in Exclude<SettingKey, HasDefault<SettingKey> | Required_>]?: Out<K>;
};

/** The zod schema of the whole settings object, built from the table. */
export const settingsSchema = z.object(
  Object.fromEntries(
    SETTING_KEYS.map((k) => {
      const s: SettingSpec = settings[k];
      return [k, s.default === undefined && k !== 'stationId' ? z.optional(s.schema) : s.schema];
    }),
  ),
);
