import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { healthPipeName, loadConfig } from './load.js';
import { describeConfig, redactSecrets } from './redact.js';
import { parseDecimal, settings } from './settings.js';

const STATION = '01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'os-config-'));
});

function load(env: Record<string, string | undefined>, extra: Parameters<typeof loadConfig>[0] = {}) {
  return loadConfig({ cwd: dir, env, ...extra });
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig defaults and derived values', () => {
  it('applies the reference defaults', () => {
    const { config, sources } = load({ OPENSENSOR_STATION_ID: STATION });
    expect(config.readInterval).toBe(5);
    expect(config.batchDuration).toBe(900);
    expect(config.tempCompensationEnabled).toBe(true);
    expect(config.tempCompensationFactor).toBe(2.25);
    expect(config.pms5003Device).toBe('/dev/serial0');
    expect(config.compression).toBe('zstd');
    expect(config.outputDir).toBe(join(dir, 'output'));
    expect(config.healthDir).toBe(join(dir, 'output-health'));
    expect(config.syncEnabled).toBe(false);
    expect(config.healthSyncEnabled).toBe(false);
    expect(config.syncIntervalMinutes).toBe(15);
    expect(config.storage).toEqual({ provider: 's3', prefix: '' });
    expect(config.healthStorage.prefix).toBe('health');
    expect(config.logLevel).toBe('info');
    expect(config.snowflakeChannel).toBe(`opensensor_${STATION}`);
    expect(sources.readInterval).toBe('default');
    expect(sources.stationId).toBe('environment');
  });

  it('treats an empty or "." health dir as <output>-health, as the reference does', () => {
    for (const value of ['', '.']) {
      const { config } = load({
        OPENSENSOR_STATION_ID: STATION,
        OPENSENSOR_OUTPUT_DIR: '/data/lake',
        OPENSENSOR_HEALTH_DIR: value,
      });
      expect(config.healthDir).toBe('/data/lake-health');
    }
  });

  it('derives the health lake beside the lake even when the output dir ends with a slash', () => {
    const { config } = load({ OPENSENSOR_STATION_ID: STATION, OPENSENSOR_OUTPUT_DIR: '/data/lake/' });
    expect(config.outputDir).toBe('/data/lake');
    expect(config.healthDir).toBe('/data/lake-health');
  });

  it('health storage inherits every unset field from the main storage', () => {
    const { config } = load({
      OPENSENSOR_STATION_ID: STATION,
      OPENSENSOR_SYNC_ENABLED: 'true',
      OPENSENSOR_STORAGE_PROVIDER: 'Wasabi',
      OPENSENSOR_STORAGE_BUCKET: 'my-bucket',
      OPENSENSOR_STORAGE_PREFIX: '/sensors/',
      OPENSENSOR_STORAGE_REGION: 'eu-central-1',
      OPENSENSOR_AWS_ACCESS_KEY_ID: 'AKIA1',
      OPENSENSOR_AWS_SECRET_ACCESS_KEY: 'secret1',
      OPENSENSOR_HEALTH_STORAGE_BUCKET: 'health-bucket',
    });
    expect(config.storage).toMatchObject({ provider: 'wasabi', bucket: 'my-bucket', prefix: 'sensors' });
    expect(config.healthSyncEnabled).toBe(true);
    expect(config.healthStorage).toEqual({
      provider: 'wasabi',
      bucket: 'health-bucket',
      prefix: 'sensors-health',
      region: 'eu-central-1',
      endpoint: undefined,
      accessKeyId: 'AKIA1',
      secretAccessKey: 'secret1',
    });
  });
});

describe('precedence: defaults < snowflake_config.json < .env < environment < flags', () => {
  it('each layer overrides the one below it', () => {
    writeFileSync(
      join(dir, '.env'),
      `OPENSENSOR_STATION_ID=${STATION}\nOPENSENSOR_READ_INTERVAL=10\nOPENSENSOR_BATCH_DURATION=600\nOPENSENSOR_COMPRESSION=gzip\n`,
    );
    const { config, sources } = load(
      { OPENSENSOR_BATCH_DURATION: '300', OPENSENSOR_COMPRESSION: 'snappy' },
      { flags: { compression: 'zstd' } },
    );
    expect(config.readInterval).toBe(10);
    expect(sources.readInterval).toBe('.env');
    expect(config.batchDuration).toBe(300);
    expect(sources.batchDuration).toBe('environment');
    expect(config.compression).toBe('zstd');
    expect(sources.compression).toBe('flag');
  });

  it('an empty value in a higher layer unsets the lower one, so the default applies', () => {
    writeFileSync(join(dir, '.env'), `OPENSENSOR_STATION_ID=${STATION}\nOPENSENSOR_READ_INTERVAL=10\n`);
    const { config, sources } = load({ OPENSENSOR_READ_INTERVAL: '' });
    expect(config.readInterval).toBe(5);
    expect(sources.readInterval).toBe('default');
  });

  it('matches variable names case-insensitively, like the reference', () => {
    const { config } = load({ opensensor_station_id: STATION, Opensensor_Read_Interval: '7' });
    expect(config.readInterval).toBe(7);
  });

  it('reads an explicit env file and fails clearly when it is missing', () => {
    writeFileSync(join(dir, 'station.env'), `OPENSENSOR_STATION_ID=${STATION}\n`);
    expect(load({}, { envFile: 'station.env' }).envFile).toBe(join(dir, 'station.env'));
    expect(errorOf(() => load({}, { envFile: 'missing.env' })).message).toMatch(
      /missing\.env: expected a readable \.env file, received ".*missing\.env" \(ENOENT: no such file\)/,
    );
  });

  it('warns that NODE_OPTIONS in a .env file is ignored, unless the environment already holds it', () => {
    writeFileSync(
      join(dir, 'station.env'),
      `OPENSENSOR_STATION_ID=${STATION}\nNODE_OPTIONS=--max-old-space-size=5\n`,
    );
    const { warnings } = load({}, { envFile: 'station.env' });
    expect(warnings).toEqual([
      `NODE_OPTIONS in ${join(dir, 'station.env')} is ignored: only OPENSENSOR_* settings are read from it; set Node.js options in the environment that starts the agent`,
    ]);
    // systemd's EnvironmentFile= loads the same file into the environment: there it does apply.
    expect(load({ NODE_OPTIONS: '--max-old-space-size=5' }, { envFile: 'station.env' }).warnings).toEqual([]);
  });

  it('ignores .env when told to', () => {
    writeFileSync(join(dir, '.env'), 'OPENSENSOR_READ_INTERVAL=10\n');
    expect(load({ OPENSENSOR_STATION_ID: STATION }, { envFile: false }).config.readInterval).toBe(5);
  });
});

describe('the lake, the health lake and the state must not collide', () => {
  const base = { OPENSENSOR_STATION_ID: STATION };

  it.each([
    ['the same directory', 'lake', 'lake', 'the same directory as'],
    ['the same directory, spelled differently', 'lake', './lake/', 'the same directory as'],
    ['inside the lake', 'lake', 'lake/health', 'inside'],
    ['a parent of the lake', 'data/lake', 'data', 'a parent of'],
  ])(
    'refuses a health dir that is %s, naming both variables and what to do',
    (_, output, health, relation) => {
      const err = errorOf(() =>
        load({ ...base, OPENSENSOR_OUTPUT_DIR: output, OPENSENSOR_HEALTH_DIR: health }),
      );
      expect(err.issues).toHaveLength(1);
      const issue = err.issues[0];
      expect(issue?.variable).toBe('OPENSENSOR_HEALTH_DIR');
      expect(issue?.source).toBe('environment');
      expect(issue?.received).toBe(
        `${JSON.stringify(join(dir, health).replace(/\/$/, ''))} (${relation} OPENSENSOR_OUTPUT_DIR)`,
      );
      expect(issue?.expected).toContain(`outside OPENSENSOR_OUTPUT_DIR (${join(dir, output)})`);
      expect(issue?.expected).toContain('schema mismatch');
      expect(issue?.expected).toContain(
        `unset OPENSENSOR_HEALTH_DIR to use ${JSON.stringify(`${join(dir, output)}-health`)}`,
      );
    },
  );

  it('sees through a symbolic link to the lake', () => {
    mkdirSync(join(dir, 'lake'));
    symlinkSync(join(dir, 'lake'), join(dir, 'link'));
    const err = errorOf(() =>
      load({ ...base, OPENSENSOR_OUTPUT_DIR: 'lake', OPENSENSOR_HEALTH_DIR: 'link/health' }),
    );
    expect(err.issues[0]?.received).toContain('(inside OPENSENSOR_OUTPUT_DIR)');
  });

  it('names the flag when the output dir came from one', () => {
    const err = errorOf(() =>
      load(
        { ...base, OPENSENSOR_HEALTH_DIR: join(dir, 'out') },
        { flags: { outputDir: 'out' }, flagNames: { outputDir: '--output' } },
      ),
    );
    expect(err.issues[0]?.expected).toContain(
      `outside --output (OPENSENSOR_OUTPUT_DIR) (${join(dir, 'out')})`,
    );
  });

  it('accepts siblings whose names share a prefix, and a state dir inside the lake', () => {
    const { config } = load({
      ...base,
      OPENSENSOR_OUTPUT_DIR: 'lake',
      OPENSENSOR_HEALTH_DIR: 'lake-health2',
      OPENSENSOR_STATE_DIR: 'lake/state',
    });
    expect(config.healthDir).toBe(join(dir, 'lake-health2'));
    expect(config.stateDir).toBe(join(dir, 'lake', 'state'));
  });

  it('refuses the filesystem root as the output dir (its health lake would be "/-health")', () => {
    for (const root of ['/', '//', '/..']) {
      const err = errorOf(() => load({ ...base, OPENSENSOR_OUTPUT_DIR: root }));
      expect(err.issues).toHaveLength(1);
      expect(err.issues[0]?.variable).toBe('OPENSENSOR_OUTPUT_DIR');
      expect(err.issues[0]?.received).toBe('"/"');
      expect(err.message).toContain('other than the filesystem root');
      expect(err.message).toContain('"/-health"');
    }
  });

  it('refuses the filesystem root for the health, state and log dirs, all at once', () => {
    const err = errorOf(() =>
      load({
        ...base,
        OPENSENSOR_HEALTH_DIR: '/',
        OPENSENSOR_STATE_DIR: '/',
        OPENSENSOR_LOG_DIR: '/',
        OPENSENSOR_READ_INTERVAL: 'x',
      }),
    );
    expect(err.issues.map((i) => i.variable).sort()).toEqual([
      'OPENSENSOR_HEALTH_DIR',
      'OPENSENSOR_LOG_DIR',
      'OPENSENSOR_READ_INTERVAL',
      'OPENSENSOR_STATE_DIR',
    ]);
  });
});

describe('bad values are all reported at once, each naming the variable, expectation and value', () => {
  it('reports a non-numeric interval and an invalid station id together', () => {
    const err = errorOf(() => load({ OPENSENSOR_READ_INTERVAL: 'abc', OPENSENSOR_STATION_ID: 'nope' }));
    expect(err.issues.map((i) => i.variable).sort()).toEqual([
      'OPENSENSOR_READ_INTERVAL',
      'OPENSENSOR_STATION_ID',
    ]);
    expect(err.message).toContain(
      'OPENSENSOR_READ_INTERVAL: expected a decimal number of seconds from 1 to 60, e.g. 5 or 2.5, received "abc" (from environment)',
    );
    expect(err.message).toContain('OPENSENSOR_STATION_ID: expected a UUID');
    expect(err.message).toContain('received "nope"');
  });

  it.each([
    ['OPENSENSOR_READ_INTERVAL', '0', /from 1 to 60/],
    ['OPENSENSOR_READ_INTERVAL', '61', /from 1 to 60/],
    ['OPENSENSOR_READ_INTERVAL', '5s', /from 1 to 60/],
    ['OPENSENSOR_BATCH_DURATION', '450', /tile an hour/],
    ['OPENSENSOR_BATCH_DURATION', '7200', /tile an hour/],
    ['OPENSENSOR_BATCH_DURATION', '900.5', /tile an hour/],
    ['OPENSENSOR_TEMP_COMPENSATION_ENABLED', 'maybe', /true or false/],
    ['OPENSENSOR_TEMP_COMPENSATION_FACTOR', '-1', /greater than 0/],
    ['OPENSENSOR_COMPRESSION', 'lz4', /zstd, snappy, gzip/],
    ['OPENSENSOR_SYNC_INTERVAL_MINUTES', '2.5', /whole number of minutes/],
    ['OPENSENSOR_STORAGE_PROVIDER', 'azure', /s3, r2, gcs, minio, wasabi, backblaze, hetzner/],
    ['OPENSENSOR_STORAGE_BUCKET', 'My_Bucket', /bucket name/],
    ['OPENSENSOR_STORAGE_PREFIX', 'a/../b', /without "\." or "\.\." segments/],
    ['OPENSENSOR_STORAGE_ENDPOINT', 'ftp://x', /http:\/\/ or https:\/\//],
    ['OPENSENSOR_STORAGE_ENDPOINT', 'not a url', /http:\/\/ or https:\/\//],
    ['OPENSENSOR_LOG_LEVEL', 'verbose', /debug, info, warn, error/],
    ['OPENSENSOR_SNOWFLAKE_CHANNEL', 'has space', /channel name/],
  ])('%s=%s', (variable, value, expected) => {
    const err = errorOf(() => load({ OPENSENSOR_STATION_ID: STATION, [variable]: value }));
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]?.variable).toBe(variable);
    expect(err.issues[0]?.expected).toMatch(expected);
    expect(err.issues[0]?.received).toBe(JSON.stringify(value));
  });

  // Number() reads 0x10 as 16, 1e3 as 1000 and a blank as 0: every numeric setting takes decimal only.
  const NUMERIC = [
    'OPENSENSOR_SNOWFLAKE_BATCH_ROWS',
    'OPENSENSOR_SNOWFLAKE_BATCH_INTERVAL',
    'OPENSENSOR_READ_INTERVAL',
    'OPENSENSOR_BATCH_DURATION',
    'OPENSENSOR_TEMP_COMPENSATION_FACTOR',
    'OPENSENSOR_SYNC_INTERVAL_MINUTES',
    'OPENSENSOR_SYNC_CONCURRENCY',
    'OPENSENSOR_RETENTION_DAYS',
    'OPENSENSOR_RETENTION_MAX_MB',
    'OPENSENSOR_JOURNAL_MAX_MB',
    'OPENSENSOR_JOURNAL_FSYNC',
  ];
  it.each(
    NUMERIC.flatMap((variable) =>
      ['0x10', '0X3c', '0b11', '0o17', '1e3', '6E1', 'Infinity', '+10', '-0', '1_000', '10 20', '١٠'].map(
        (value) => [variable, value] as const,
      ),
    ),
  )('%s=%s is refused: numbers are decimal', (variable, value) => {
    const err = errorOf(() => load({ OPENSENSOR_STATION_ID: STATION, [variable]: value }));
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]?.variable).toBe(variable);
    expect(err.issues[0]?.received).toBe(JSON.stringify(value));
    expect(err.message).toContain(`${variable}: expected `);
    expect(err.issues[0]?.expected).toMatch(/decimal|milliseconds/);
  });

  it('a numeric setting that reaches the schema blank is refused, not read as 0', () => {
    for (const key of ['readInterval', 'syncConcurrency', 'tempCompensationFactor'] as const) {
      for (const blank of ['', ' ', '\t'])
        expect(settings[key].schema.safeParse(blank).success, `${key}=${JSON.stringify(blank)}`).toBe(false);
    }
  });

  it('accepts decimal numbers, with a fraction where the setting allows one and surrounding spaces', () => {
    const { config } = load({
      OPENSENSOR_STATION_ID: STATION,
      OPENSENSOR_READ_INTERVAL: ' 2.5 ',
      OPENSENSOR_SNOWFLAKE_BATCH_INTERVAL: '.5',
      OPENSENSOR_TEMP_COMPENSATION_FACTOR: '3.',
      OPENSENSOR_BATCH_DURATION: '0900',
      OPENSENSOR_SYNC_CONCURRENCY: '4',
      OPENSENSOR_JOURNAL_MAX_MB: '1024',
    });
    expect(config).toMatchObject({
      readInterval: 2.5,
      snowflakeBatchInterval: 0.5,
      tempCompensationFactor: 3,
      batchDuration: 900,
      syncConcurrency: 4,
      journalMaxMb: 1024,
    });
    const err = errorOf(() => load({ OPENSENSOR_STATION_ID: STATION, OPENSENSOR_SYNC_CONCURRENCY: '2.0' }));
    expect(err.message).toContain(
      'OPENSENSOR_SYNC_CONCURRENCY: expected a whole number from 1 to 16, in decimal digits, received "2.0"',
    );
  });

  it('parseDecimal reads flags the way settings are read', () => {
    expect(parseDecimal('16')).toBe(16);
    expect(parseDecimal(' 0.05 ')).toBe(0.05);
    expect(parseDecimal('2.5', { whole: true })).toBeUndefined();
    for (const bad of ['0x10', '1e3', '', ' ', 'Infinity', '-1', 'NaN'])
      expect(parseDecimal(bad)).toBeUndefined();
  });

  it('accepts the boolean spellings people write', () => {
    for (const [v, b] of [
      ['TRUE', true],
      ['1', true],
      ['yes', true],
      ['On', true],
      ['false', false],
      ['0', false],
      ['no', false],
      ['off', false],
    ] as const) {
      expect(
        load({ OPENSENSOR_STATION_ID: STATION, OPENSENSOR_HEALTH_ENABLED: v }).config.healthEnabled,
      ).toBe(b);
    }
  });

  it('requires a station id, saying how to get one', () => {
    const err = errorOf(() => load({}));
    expect(err.message).toMatch(
      /OPENSENSOR_STATION_ID: expected a UUID .*opensensor setup.*, received nothing/,
    );
  });

  it('requires a bucket when sync is enabled and an endpoint for r2/minio', () => {
    const err = errorOf(() =>
      load({
        OPENSENSOR_STATION_ID: STATION,
        OPENSENSOR_SYNC_ENABLED: 'true',
        OPENSENSOR_STORAGE_PROVIDER: 'minio',
      }),
    );
    expect(err.issues.map((i) => i.variable).sort()).toEqual([
      'OPENSENSOR_STORAGE_BUCKET',
      'OPENSENSOR_STORAGE_ENDPOINT',
    ]);
    expect(err.message).toMatch(/required because OPENSENSOR_SYNC_ENABLED is true/);
  });

  it('requires both halves of an access key', () => {
    const err = errorOf(() => load({ OPENSENSOR_STATION_ID: STATION, OPENSENSOR_AWS_ACCESS_KEY_ID: 'AKIA' }));
    expect(err.issues.map((i) => i.variable)).toEqual(['OPENSENSOR_AWS_SECRET_ACCESS_KEY']);
  });

  it('reads a station place in signed decimal degrees, refuses one out of range or half given', () => {
    const { config } = load({
      OPENSENSOR_STATION_ID: STATION,
      OPENSENSOR_STATION_LATITUDE: ' -33.8688 ',
      OPENSENSOR_STATION_LONGITUDE: '+151.2093',
    });
    expect([config.stationLatitude, config.stationLongitude]).toEqual([-33.8688, 151.2093]);
    const bad = errorOf(() =>
      load({
        OPENSENSOR_STATION_ID: STATION,
        OPENSENSOR_STATION_LATITUDE: '91',
        OPENSENSOR_STATION_LONGITUDE: '4,89',
      }),
    );
    expect(bad.issues.map((i) => i.variable)).toEqual([
      'OPENSENSOR_STATION_LATITUDE',
      'OPENSENSOR_STATION_LONGITUDE',
    ]);
    expect(bad.message).toMatch(/OPENSENSOR_STATION_LATITUDE: expected decimal degrees north from -90 to 90/);
    expect(bad.message).toMatch(/received "4,89"/);
    const half = errorOf(() =>
      load({ OPENSENSOR_STATION_ID: STATION, OPENSENSOR_STATION_LATITUDE: '52.37' }),
    );
    expect(half.issues.map((i) => i.variable)).toEqual(['OPENSENSOR_STATION_LONGITUDE']);
    expect(half.message).toMatch(/the latitude is set/);
  });

  it('never echoes a secret in an error', () => {
    const err = errorOf(() =>
      load({
        OPENSENSOR_STATION_ID: 'nope',
        OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: '',
        OPENSENSOR_AWS_SECRET_ACCESS_KEY: 's3cr3t-value',
      }),
    );
    expect(err.message).not.toContain('s3cr3t-value');
  });

  it('names the CLI flag when the bad value came from one', () => {
    const err = errorOf(() =>
      load(
        { OPENSENSOR_STATION_ID: STATION },
        { flags: { readInterval: 'fast' }, flagNames: { readInterval: '--read-interval' } },
      ),
    );
    expect(err.message).toContain(
      '--read-interval (OPENSENSOR_READ_INTERVAL): expected a decimal number of seconds from 1 to 60, e.g. 5 or 2.5, received "fast" (from flag)',
    );
  });

  it('warns about unknown OPENSENSOR_ variables with the closest name', () => {
    const { warnings } = load({
      OPENSENSOR_STATION_ID: STATION,
      OPENSENSOR_READ_INTERVALL: '5',
      OTHER_VAR: 'x',
    });
    expect(warnings).toEqual([
      'OPENSENSOR_READ_INTERVALL (environment) is not a known setting; did you mean OPENSENSOR_READ_INTERVAL?',
    ]);
  });

  it('warns once when credentials would travel over plain http to another machine', () => {
    const plainHttp = (env: Record<string, string>) =>
      load({
        OPENSENSOR_STATION_ID: STATION,
        OPENSENSOR_AWS_ACCESS_KEY_ID: 'a',
        OPENSENSOR_AWS_SECRET_ACCESS_KEY: 'b',
        ...env,
      }).warnings.filter((w) => w.includes('plain http'));
    // The health lake inherits the endpoint: one warning, not two (it used to print both).
    expect(plainHttp({ OPENSENSOR_STORAGE_ENDPOINT: 'http://192.168.1.20:9000' })).toEqual([
      'OPENSENSOR_STORAGE_ENDPOINT: http://192.168.1.20:9000 is plain http; the access key signature travels unencrypted',
    ]);
    // A second endpoint of its own is a second warning.
    expect(
      plainHttp({
        OPENSENSOR_STORAGE_ENDPOINT: 'http://minio.lan:9000',
        OPENSENSOR_HEALTH_STORAGE_ENDPOINT: 'http://10.0.0.5:9000',
      }),
    ).toHaveLength(2);
    // Names that only look local, and every interface, are other machines to this rule.
    for (const endpoint of ['http://localhost.example.com:9000', 'http://0.0.0.0:9000'])
      expect(plainHttp({ OPENSENSOR_STORAGE_ENDPOINT: endpoint }), endpoint).toHaveLength(1);
    // A local MinIO or moto: the traffic never leaves the machine, so nothing to warn about.
    for (const endpoint of [
      'http://127.0.0.1:9000',
      'http://localhost:9000',
      'http://[::1]:9000',
      'http://127.0.1.1:9000',
    ]) {
      expect(plainHttp({ OPENSENSOR_STORAGE_ENDPOINT: endpoint }), endpoint).toEqual([]);
    }
    expect(plainHttp({ OPENSENSOR_STORAGE_ENDPOINT: 'https://minio.lan:9000' })).toEqual([]);
  });
});

describe('Snowflake settings and snowflake_config.json', () => {
  const base = { OPENSENSOR_STATION_ID: STATION, OPENSENSOR_SNOWFLAKE_ENABLED: 'true' };

  it('maps every key of a snowflake_config.json and lets variables override it', () => {
    writeFileSync(join(dir, 'rsa_key.p8'), 'key');
    chmodSync(join(dir, 'rsa_key.p8'), 0o600);
    writeFileSync(
      join(dir, 'snowflake_config.json'),
      JSON.stringify({
        user: 'SENSOR_USER',
        account: 'myorg-acct',
        url: 'https://myorg-acct.snowflakecomputing.com',
        private_key_file: 'rsa_key.p8',
        role: 'SENSOR_ROLE',
        database: 'SENSORS',
        schema: 'RAW',
        pipe: 'READINGS_PIPE',
        channel_name: 'pi_channel',
        pat_token: 'pat-secret-value',
      }),
    );
    const loaded = load({
      ...base,
      OPENSENSOR_SNOWFLAKE_CONFIG_FILE: 'snowflake_config.json',
      OPENSENSOR_SNOWFLAKE_ROLE: 'OVERRIDE',
    });
    const { config, sources } = loaded;
    expect(config).toMatchObject({
      snowflakeUser: 'SENSOR_USER',
      snowflakeAccount: 'MYORG-ACCT',
      snowflakeUrl: 'https://myorg-acct.snowflakecomputing.com',
      snowflakePrivateKeyFile: join(dir, 'rsa_key.p8'),
      snowflakeRole: 'OVERRIDE',
      snowflakeDatabase: 'SENSORS',
      snowflakeSchema: 'RAW',
      snowflakePipe: 'READINGS_PIPE',
      snowflakeChannel: 'pi_channel',
      snowflakePat: 'pat-secret-value',
    });
    expect(sources.snowflakeUser).toBe('snowflake_config.json');
    expect(sources.snowflakeRole).toBe('environment');
    expect(loaded.warnings).toEqual([]);
    const printed = JSON.stringify(describeConfig(loaded));
    expect(printed).not.toContain('pat-secret-value');
    expect(printed).toContain('"OPENSENSOR_SNOWFLAKE_PAT","value":"***"');
  });

  it('streams health beside the readings by default, through a pipe and channel named after theirs', () => {
    const sf = {
      ...base,
      OPENSENSOR_SNOWFLAKE_ACCOUNT: 'myorg-acct',
      OPENSENSOR_SNOWFLAKE_USER: 'U',
      OPENSENSOR_SNOWFLAKE_DATABASE: 'DB',
      OPENSENSOR_SNOWFLAKE_SCHEMA: 'RAW',
      OPENSENSOR_SNOWFLAKE_PIPE: 'READINGS_PIPE',
      OPENSENSOR_SNOWFLAKE_PAT: 'pat',
    };
    expect(load(sf).config).toMatchObject({
      snowflakeHealthEnabled: true,
      snowflakeHealthPipe: 'HEALTH_PIPE',
      snowflakeHealthChannel: `opensensor_${STATION}_health`,
    });
    expect(load({ ...sf, OPENSENSOR_HEALTH_ENABLED: 'false' }).config.snowflakeHealthEnabled).toBe(false);
    expect(load({ ...sf, OPENSENSOR_SNOWFLAKE_HEALTH_ENABLED: 'false' }).config.snowflakeHealthEnabled).toBe(
      false,
    );
    expect(load({ ...sf, OPENSENSOR_SNOWFLAKE_ENABLED: 'false' }).config.snowflakeHealthEnabled).toBe(false);
    expect(
      load({ ...sf, OPENSENSOR_HEALTH_ENABLED: 'false', OPENSENSOR_SNOWFLAKE_HEALTH_ENABLED: 'true' }).config
        .snowflakeHealthEnabled,
    ).toBe(false);
    expect(
      load({
        ...sf,
        OPENSENSOR_SNOWFLAKE_PIPE: 'THERMAL_SENSOR_PIPE',
        OPENSENSOR_SNOWFLAKE_CHANNEL: 'thermal_channel_001',
        OPENSENSOR_STATION_NAME: ' Office, 2nd floor ',
      }).config,
    ).toMatchObject({
      snowflakeHealthPipe: 'THERMAL_SENSOR_PIPE_HEALTH',
      snowflakeHealthChannel: 'thermal_channel_001_health',
      stationName: 'Office, 2nd floor',
    });
    expect(
      load({ ...sf, OPENSENSOR_SNOWFLAKE_HEALTH_PIPE: 'H', OPENSENSOR_SNOWFLAKE_HEALTH_CHANNEL: 'h1' })
        .config,
    ).toMatchObject({ snowflakeHealthPipe: 'H', snowflakeHealthChannel: 'h1' });
    expect(healthPipeName('readings_pipe')).toBe('health_pipe');
  });

  it('reports a missing file, invalid JSON and a non-string value', () => {
    expect(errorOf(() => load({ ...base, OPENSENSOR_SNOWFLAKE_CONFIG_FILE: 'nope.json' })).message).toMatch(
      /OPENSENSOR_SNOWFLAKE_CONFIG_FILE: expected a readable snowflake_config\.json file, received ".*nope\.json" \(ENOENT\)/,
    );
    writeFileSync(join(dir, 'bad.json'), '{ "user": ');
    expect(errorOf(() => load({ ...base, OPENSENSOR_SNOWFLAKE_CONFIG_FILE: 'bad.json' })).message).toMatch(
      /valid JSON/,
    );
    writeFileSync(join(dir, 'num.json'), '{ "user": 42 }');
    expect(errorOf(() => load({ ...base, OPENSENSOR_SNOWFLAKE_CONFIG_FILE: 'num.json' })).message).toMatch(
      /a string for "user"/,
    );
  });

  it('warns about unknown keys in the JSON file', () => {
    writeFileSync(join(dir, 'extra.json'), '{ "warehouse": "WH" }');
    const { warnings } = load({
      OPENSENSOR_STATION_ID: STATION,
      OPENSENSOR_SNOWFLAKE_CONFIG_FILE: 'extra.json',
    });
    expect(warnings[0]).toMatch(/key "warehouse" is not used/);
  });

  it('when enabled, requires the target and one way to authenticate', () => {
    const err = errorOf(() => load(base));
    expect(err.issues.map((i) => i.variable)).toEqual([
      'OPENSENSOR_SNOWFLAKE_ACCOUNT',
      'OPENSENSOR_SNOWFLAKE_USER',
      'OPENSENSOR_SNOWFLAKE_DATABASE',
      'OPENSENSOR_SNOWFLAKE_SCHEMA',
      'OPENSENSOR_SNOWFLAKE_PIPE',
      'OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_FILE or OPENSENSOR_SNOWFLAKE_PAT',
    ]);
  });

  it('checks that the key file exists and warns when others can read it', () => {
    const target = {
      ...base,
      OPENSENSOR_SNOWFLAKE_ACCOUNT: 'a',
      OPENSENSOR_SNOWFLAKE_USER: 'u',
      OPENSENSOR_SNOWFLAKE_DATABASE: 'd',
      OPENSENSOR_SNOWFLAKE_SCHEMA: 's',
      OPENSENSOR_SNOWFLAKE_PIPE: 'p',
    };
    expect(
      errorOf(() => load({ ...target, OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_FILE: 'missing.p8' })).message,
    ).toMatch(/OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_FILE: expected an existing private key file/);
    writeFileSync(join(dir, 'open.p8'), 'key');
    chmodSync(join(dir, 'open.p8'), 0o644);
    const { warnings, config } = load({ ...target, OPENSENSOR_SNOWFLAKE_PRIVATE_KEY_FILE: 'open.p8' });
    expect(warnings.join('\n')).toMatch(/readable by other users; run chmod 600/);
    expect(config.snowflakeUrl).toBe('https://a.snowflakecomputing.com');
  });
});

describe('redaction', () => {
  it('describeConfig and redactSecrets never reveal a secret', () => {
    const loaded = load({
      OPENSENSOR_STATION_ID: STATION,
      OPENSENSOR_AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      OPENSENSOR_AWS_SECRET_ACCESS_KEY: 's3cr3t-value',
    });
    const described = describeConfig(loaded);
    expect(described.find((d) => d.env === 'OPENSENSOR_AWS_SECRET_ACCESS_KEY')?.value).toBe('***');
    expect(described.find((d) => d.env === 'OPENSENSOR_STORAGE_BUCKET')?.value).toBeNull();
    const scrubbed = redactSecrets(
      { message: 'failed with s3cr3t-value and AKIAEXAMPLE', nested: [loaded.config] },
      loaded,
    );
    expect(JSON.stringify(scrubbed)).not.toMatch(/s3cr3t-value|AKIAEXAMPLE/);
  });
});
