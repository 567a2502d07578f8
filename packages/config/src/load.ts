import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, parse, relative, resolve, sep } from 'node:path';
import { isLoopbackHost } from '@opensensor/errors';
import { parseDotenv } from './dotenv.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { SETTING_KEYS, type SettingKey, type Settings, settings } from './settings.js';
import { readSnowflakeJson } from './snowflake-json.js';
import { SNOWFLAKE_AUTH_SETTINGS, SNOWFLAKE_REQUIRED_SETTINGS } from './snowflake-required.js';

/** Where the effective value of a setting came from. */
export type SettingSource = 'default' | 'snowflake_config.json' | '.env' | 'environment' | 'flag';

export interface StorageSettings {
  provider: Settings['storageProvider'];
  bucket?: string;
  /** Key prefix without leading or trailing slash; may be empty. */
  prefix: string;
  region?: string;
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
}

/** The validated configuration, with paths resolved and inherited values filled in. */
export type OpenSensorConfig = Settings & {
  /** Absolute. */
  outputDir: string;
  /** Absolute; `<outputDir>-health` unless set. */
  healthDir: string;
  stateDir: string;
  logDir: string;
  /** Whether the periodic sync uploads the health lake (OPENSENSOR_HEALTH_SYNC_ENABLED, else the main sync). */
  healthSyncEnabled: boolean;
  /** OPENSENSOR_HEALTH_SYNC_ENABLED exactly as set; undefined when it follows the main sync. */
  healthSyncSetting: boolean | undefined;
  storage: StorageSettings;
  /** The main storage with every OPENSENSOR_HEALTH_* override applied. */
  healthStorage: StorageSettings;
  /** `opensensor_<station id>` unless set. */
  snowflakeChannel: string;
  /** Whether health rows go to Snowflake: Snowflake and the health stream on, and OPENSENSOR_SNOWFLAKE_HEALTH_ENABLED not false. */
  snowflakeHealthEnabled: boolean;
  /** Derived from the readings pipe unless set; undefined when no readings pipe is set. */
  snowflakeHealthPipe: string | undefined;
  /** `<readings channel>_health` unless set. */
  snowflakeHealthChannel: string;
};

export interface LoadConfigOptions {
  /** Process environment; defaults to `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths are resolved against; defaults to `process.cwd()`. */
  cwd?: string;
  /** `.env` file to read; defaults to `<cwd>/.env` when it exists. `false` reads none. */
  envFile?: string | false;
  /** Values from CLI flags: the highest precedence. Undefined entries are ignored. */
  flags?: Partial<Record<SettingKey, string | number | boolean | undefined>>;
  /** Flag spelling per setting (e.g. `--read-interval`), so errors name what the user typed. */
  flagNames?: Partial<Record<SettingKey, string>>;
}

export interface LoadedConfig {
  config: OpenSensorConfig;
  sources: Record<SettingKey, SettingSource | undefined>;
  /** Problems that do not stop the agent (unknown variables, plain-http endpoints with credentials, ...). */
  warnings: string[];
  /** The `.env` file that was read, if any. */
  envFile?: string;
}

const ENV_TO_KEY = new Map<string, SettingKey>(SETTING_KEYS.map((k) => [settings[k].env, k]));

/**
 * Loads the configuration: defaults < snowflake_config.json < `.env` < environment < CLI flags.
 * An empty value at any layer means "unset" and lets the default apply. Every problem is collected
 * and thrown at once as a {@link ConfigError}; secrets are never echoed.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const warnings: string[] = [];
  const raw = new Map<SettingKey, { value: string; source: SettingSource }>();
  const defaultOf = (key: SettingKey) => (settings[key] as { default?: string }).default;
  const set = (key: SettingKey, value: string, source: SettingSource) => {
    if (value.trim() !== '') raw.set(key, { value, source });
    else {
      const def = defaultOf(key);
      if (def === undefined) raw.delete(key);
      else raw.set(key, { value: def, source: 'default' });
    }
  };
  for (const key of SETTING_KEYS) {
    const def = defaultOf(key);
    if (def !== undefined) raw.set(key, { value: def, source: 'default' });
  }

  let envFile: string | undefined;
  let dotenv = new Map<string, string>();
  if (options.envFile !== false) {
    const path = resolve(cwd, options.envFile ?? '.env');
    if (options.envFile !== undefined || existsSync(path)) {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        throw new ConfigError([
          {
            variable: options.envFile ?? '.env',
            expected: 'a readable .env file',
            received: `${JSON.stringify(path)} (${describeFileError(err)})`,
          },
        ]);
      }
      dotenv = parseDotenv(text, path);
      envFile = path;
    }
  }
  // Node.js options must be in the environment before Node starts. (Node's own --env-file would apply
  // them; the bins keep Node from reading theirs, see docs/configuration.md.) Under systemd the unit's
  // EnvironmentFile= puts them in the environment, which is why an equal value is not reported.
  const nodeOptions = dotenv.get('NODE_OPTIONS');
  if (envFile && nodeOptions !== undefined && nodeOptions !== env.NODE_OPTIONS) {
    warnings.push(
      `NODE_OPTIONS in ${envFile} is ignored: only OPENSENSOR_* settings are read from it; set Node.js options in the environment that starts the agent`,
    );
  }

  const envLayer = collectLayer(env, warnings, 'environment');
  const dotenvLayer = collectLayer(Object.fromEntries(dotenv), warnings, envFile ?? '.env');
  const flagLayer = new Map<SettingKey, string>();
  for (const [k, v] of Object.entries(options.flags ?? {})) {
    if (v !== undefined) flagLayer.set(k as SettingKey, String(v));
  }

  // The snowflake_config.json path itself may come from any upper layer.
  const jsonPath =
    flagLayer.get('snowflakeConfigFile') ??
    envLayer.get('snowflakeConfigFile') ??
    dotenvLayer.get('snowflakeConfigFile');
  if (jsonPath && jsonPath.trim() !== '') {
    const json = readSnowflakeJson(resolve(cwd, jsonPath.trim()), settings.snowflakeConfigFile.env);
    warnings.push(...json.warnings);
    for (const [k, v] of json.values) set(k, v, 'snowflake_config.json');
  }
  for (const [k, v] of dotenvLayer) set(k, v, '.env');
  for (const [k, v] of envLayer) set(k, v, 'environment');
  for (const [k, v] of flagLayer) set(k, v, 'flag');

  const issues: ConfigIssue[] = [];
  const nameOf = (key: SettingKey) => {
    const flag = options.flagNames?.[key];
    return raw.get(key)?.source === 'flag' && flag ? `${flag} (${settings[key].env})` : settings[key].env;
  };
  const values: Record<string, unknown> = {};
  const sources = {} as Record<SettingKey, SettingSource | undefined>;
  for (const key of SETTING_KEYS) {
    const entry = raw.get(key);
    sources[key] = entry?.source;
    if (!entry) continue;
    const s = settings[key];
    const parsed = s.schema.safeParse(entry.value);
    if (parsed.success) values[key] = parsed.data;
    else {
      issues.push({
        variable: nameOf(key),
        expected: s.expected,
        received: describeValue(entry.value, (s as { secret?: boolean }).secret === true),
        source: entry.source === 'default' ? undefined : entry.source,
      });
    }
  }

  const missing = (key: SettingKey, because: string) => {
    if (values[key] !== undefined || issues.some((i) => i.variable.includes(settings[key].env))) return;
    issues.push({
      variable: settings[key].env,
      expected: `${settings[key].expected} (${because})`,
      received: 'nothing',
    });
  };
  missing('stationId', 'every station needs one');

  const v = values as Partial<Settings>;
  if (v.syncEnabled) {
    missing('storageBucket', 'required because OPENSENSOR_SYNC_ENABLED is true');
    if ((v.storageProvider === 'r2' || v.storageProvider === 'minio') && !v.storageEndpoint) {
      missing('storageEndpoint', `required for provider ${v.storageProvider}`);
    }
  }
  // A place needs both coordinates: one alone would put the station on a line, not a point.
  if (v.stationLatitude !== undefined) missing('stationLongitude', 'the latitude is set');
  if (v.stationLongitude !== undefined) missing('stationLatitude', 'the longitude is set');
  if (v.awsAccessKeyId && !v.awsSecretAccessKey) missing('awsSecretAccessKey', 'the access key id is set');
  if (v.awsSecretAccessKey && !v.awsAccessKeyId) missing('awsAccessKeyId', 'the secret access key is set');
  if (v.healthAwsAccessKeyId && !v.healthAwsSecretAccessKey)
    missing('healthAwsSecretAccessKey', 'the health access key id is set');
  if (v.healthAwsSecretAccessKey && !v.healthAwsAccessKeyId)
    missing('healthAwsAccessKeyId', 'the health secret access key is set');

  if (v.snowflakeEnabled) {
    const because = 'required because OPENSENSOR_SNOWFLAKE_ENABLED is true';
    for (const key of SNOWFLAKE_REQUIRED_SETTINGS) missing(key, because);
    if (
      SNOWFLAKE_AUTH_SETTINGS.every((k) => !v[k]) &&
      !issues.some((i) => SNOWFLAKE_AUTH_SETTINGS.some((k) => i.variable.includes(settings[k].env)))
    ) {
      issues.push({
        variable: SNOWFLAKE_AUTH_SETTINGS.map((k) => settings[k].env).join(' or '),
        expected: `a private key file or a programmatic access token (${because})`,
        received: 'nothing',
      });
    }
    if (v.snowflakePrivateKeyFile) {
      const keyPath = resolve(cwd, v.snowflakePrivateKeyFile);
      try {
        const st = statSync(keyPath);
        if ((st.mode & 0o077) !== 0) {
          warnings.push(
            `${settings.snowflakePrivateKeyFile.env}: ${keyPath} is readable by other users; run chmod 600 on it`,
          );
        }
      } catch (err) {
        issues.push({
          variable: settings.snowflakePrivateKeyFile.env,
          expected: 'an existing private key file',
          received: `${JSON.stringify(keyPath)} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`,
          source: sources.snowflakePrivateKeyFile,
        });
      }
    }
  }

  // Normalised too: `/data/lake/` must not derive the health lake `/data/lake/-health`, inside the lake.
  const abs = (p: string) => resolve(cwd, p);
  const healthDirSet = v.healthDir !== undefined && v.healthDir !== '.';
  const healthDirOf = (outputDir: string) =>
    healthDirSet ? abs(v.healthDir as string) : `${outputDir}-health`;
  if (v.outputDir !== undefined && v.stateDir !== undefined && v.logDir !== undefined) {
    issues.push(
      ...checkDirectories({
        outputDir: abs(v.outputDir),
        healthDir: healthDirOf(abs(v.outputDir)),
        healthDirSet,
        stateDir: abs(v.stateDir),
        logDir: abs(v.logDir),
        nameOf,
        sources,
      }),
    );
  }

  if (issues.length > 0) throw new ConfigError(issues);

  const settingsValue = v as Settings;
  const outputDir = abs(settingsValue.outputDir);
  const healthDir = healthDirOf(outputDir);

  const storage: StorageSettings = {
    provider: settingsValue.storageProvider,
    bucket: settingsValue.storageBucket,
    prefix: settingsValue.storagePrefix ?? '',
    region: settingsValue.storageRegion,
    endpoint: settingsValue.storageEndpoint,
    accessKeyId: settingsValue.awsAccessKeyId,
    secretAccessKey: settingsValue.awsSecretAccessKey,
  };
  const healthStorage: StorageSettings = {
    provider: settingsValue.healthStorageProvider ?? storage.provider,
    bucket: settingsValue.healthStorageBucket ?? storage.bucket,
    prefix: settingsValue.healthStoragePrefix ?? (storage.prefix ? `${storage.prefix}-health` : 'health'),
    region: settingsValue.healthStorageRegion ?? storage.region,
    endpoint: settingsValue.healthStorageEndpoint ?? storage.endpoint,
    accessKeyId: settingsValue.healthAwsAccessKeyId ?? storage.accessKeyId,
    secretAccessKey: settingsValue.healthAwsSecretAccessKey ?? storage.secretAccessKey,
  };
  // Once per endpoint (the health lake inherits the main one), and only where it helps: a local
  // MinIO or moto on this machine is plain http by nature and its traffic never leaves it.
  const warnedEndpoints = new Set<string>();
  for (const [label, st] of [
    ['OPENSENSOR_STORAGE_ENDPOINT', storage],
    ['OPENSENSOR_HEALTH_STORAGE_ENDPOINT', healthStorage],
  ] as const) {
    if (st.endpoint === undefined || !st.accessKeyId || warnedEndpoints.has(st.endpoint)) continue;
    if (isPlainHttpToAnotherHost(st.endpoint)) {
      warnedEndpoints.add(st.endpoint);
      warnings.push(`${label}: ${st.endpoint} is plain http; the access key signature travels unencrypted`);
    }
  }
  if (settingsValue.snowflakeUrl?.startsWith('http://')) {
    warnings.push('OPENSENSOR_SNOWFLAKE_URL is plain http: use it only with a local test server');
  }

  const snowflakeChannel = settingsValue.snowflakeChannel ?? `opensensor_${settingsValue.stationId}`;
  const config: OpenSensorConfig = {
    ...settingsValue,
    outputDir,
    healthDir,
    stateDir: abs(settingsValue.stateDir),
    logDir: abs(settingsValue.logDir),
    lakehouseDir: abs(settingsValue.lakehouseDir),
    healthSyncEnabled: settingsValue.healthSyncEnabled ?? settingsValue.syncEnabled,
    healthSyncSetting: settingsValue.healthSyncEnabled,
    storage,
    healthStorage,
    snowflakePrivateKeyFile: settingsValue.snowflakePrivateKeyFile
      ? abs(settingsValue.snowflakePrivateKeyFile)
      : undefined,
    snowflakeUrl:
      settingsValue.snowflakeUrl ??
      (settingsValue.snowflakeAccount
        ? `https://${settingsValue.snowflakeAccount.toLowerCase()}.snowflakecomputing.com`
        : undefined),
    snowflakeChannel,
    snowflakeHealthEnabled:
      settingsValue.snowflakeEnabled &&
      settingsValue.healthEnabled &&
      (settingsValue.snowflakeHealthEnabled ?? true),
    snowflakeHealthPipe:
      settingsValue.snowflakeHealthPipe ??
      (settingsValue.snowflakePipe ? healthPipeName(settingsValue.snowflakePipe) : undefined),
    snowflakeHealthChannel: settingsValue.snowflakeHealthChannel ?? `${snowflakeChannel}_health`,
  };
  return { config, sources, warnings, envFile };
}

/**
 * The health pipe that goes with a readings pipe: `READINGS` becomes `HEALTH` (`READINGS_PIPE` →
 * `HEALTH_PIPE`, case kept), otherwise `_HEALTH` is appended (`THERMAL_SENSOR_PIPE_HEALTH`).
 */
export function healthPipeName(readingsPipe: string): string {
  return /readings/i.test(readingsPipe)
    ? readingsPipe.replace(/readings/i, (m) => (m === m.toLowerCase() ? 'health' : 'HEALTH'))
    : `${readingsPipe}_HEALTH`;
}

/**
 * The directories the agent writes trees into must be usable: none may be the filesystem root, and the
 * lake and the health lake must be separate trees — a health file inside the lake makes
 * `read_parquet('<output>/**\/*.parquet')` fail with a schema mismatch (and the reverse breaks the
 * health query). Paths are compared after resolving symbolic links of the parts that exist. The state
 * directory may lie inside the lake: it holds no Parquet files, and the lake listing only looks at
 * `station=` directories.
 */
function checkDirectories(d: {
  outputDir: string;
  healthDir: string;
  healthDirSet: boolean;
  stateDir: string;
  logDir: string;
  nameOf: (key: SettingKey) => string;
  sources: Record<SettingKey, SettingSource | undefined>;
}): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const source = (key: SettingKey) => (d.sources[key] === 'default' ? undefined : d.sources[key]);
  for (const [key, dir] of [
    ['outputDir', d.outputDir],
    ['healthDir', d.healthDir],
    ['stateDir', d.stateDir],
    ['logDir', d.logDir],
  ] as const) {
    if (key === 'healthDir' && !d.healthDirSet) continue; // derived from the output dir, reported there
    if (parse(dir).root === dir) {
      const what =
        key === 'outputDir'
          ? `station=… partitions there, and the health lake next to it as ${JSON.stringify(`${dir}-health`)}`
          : 'files and directories there';
      issues.push({
        variable: d.nameOf(key),
        expected: `a directory other than the filesystem root (the agent creates ${what}); use a directory of its own such as ${EXAMPLE_DIRS[key]}`,
        received: JSON.stringify(dir),
        source: source(key),
      });
    }
  }
  if (issues.length > 0) return issues;

  const output = realPathOf(d.outputDir);
  const health = realPathOf(d.healthDir);
  const relation =
    output === health
      ? 'the same directory as'
      : isInside(health, output)
        ? 'inside'
        : isInside(output, health)
          ? 'a parent of'
          : null;
  if (relation) {
    const outputName = d.nameOf('outputDir');
    issues.push({
      variable: d.healthDirSet ? d.nameOf('healthDir') : `${outputName} (with the derived health dir)`,
      expected: `a directory outside ${outputName} (${d.outputDir}) and not containing it, since health files in the lake make \`read_parquet('<output>/**/*.parquet')\` fail with a schema mismatch; ${
        d.healthDirSet
          ? `unset ${settings.healthDir.env} to use ${JSON.stringify(`${d.outputDir}-health`)}, or choose a separate directory`
          : `set ${settings.healthDir.env} to a separate directory`
      }`,
      received: `${JSON.stringify(d.healthDir)} (${relation} ${outputName})`,
      source: d.healthDirSet ? source('healthDir') : source('outputDir'),
    });
  }
  return issues;
}

const EXAMPLE_DIRS = {
  outputDir: '/var/lib/opensensor/output',
  healthDir: '/var/lib/opensensor/output-health',
  stateDir: '/var/lib/opensensor/state',
  logDir: '/var/log/opensensor',
} as const;

/** `child` lies strictly inside `parent` (both absolute and normalised). */
function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** The path with symbolic links resolved as far as it exists (the rest is appended as it is). */
function realPathOf(path: string): string {
  const rest: string[] = [];
  let head = path;
  for (;;) {
    try {
      return join(realpathSync.native(head), ...rest);
    } catch {
      const parent = dirname(head);
      if (parent === head) return path;
      rest.unshift(basename(head));
      head = parent;
    }
  }
}

/** Picks the OPENSENSOR_* entries of one layer (case-insensitively), warning about unknown ones. */
function collectLayer(
  vars: Readonly<Record<string, string | undefined>>,
  warnings: string[],
  where: string,
): Map<SettingKey, string> {
  const out = new Map<SettingKey, string>();
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) continue;
    const upper = name.toUpperCase();
    if (!upper.startsWith('OPENSENSOR_')) continue;
    const key = ENV_TO_KEY.get(upper);
    if (key) out.set(key, value);
    else {
      const hint = closest(upper);
      warnings.push(`${name} (${where}) is not a known setting${hint ? `; did you mean ${hint}?` : ''}`);
    }
  }
  return out;
}

function closest(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const candidate of ENV_TO_KEY.keys()) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

function describeFileError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const what: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EISDIR: 'a directory, not a file',
  };
  return code ? (what[code] ? `${code}: ${what[code]}` : code) : 'unreadable';
}

function describeValue(value: string, secret: boolean): string {
  if (secret) return `a value of ${value.length} characters (hidden)`;
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
}

/** `http://` to a host other than this machine (see `isLoopbackHost`). */
function isPlainHttpToAnotherHost(endpoint: string): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  return url.protocol === 'http:' && !isLoopbackHost(url.hostname);
}
