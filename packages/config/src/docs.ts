import { SETTING_KEYS, type SettingGroup, settings } from './settings.js';
import { SNOWFLAKE_JSON_KEYS } from './snowflake-json.js';

const GROUP_TITLES: Record<SettingGroup, string> = {
  station: 'Station',
  sensors: 'Sensors',
  output: 'Parquet output',
  health: 'Health stream',
  sync: 'Sync',
  storage: 'Object storage',
  'health-storage': 'Object storage for the health stream',
  snowflake: 'Snowflake (Snowpipe Streaming)',
  state: 'State',
  logging: 'Logging',
  metrics: 'Metrics and health endpoint',
};

/** Renders docs/configuration.md from the settings table. */
export function renderConfigurationDoc(): string {
  const out: string[] = [
    '# Configuration reference',
    '',
    '<!-- Generated from packages/config/src/settings.ts by `pnpm docs:config`. Do not edit by hand. -->',
    '',
    'Every setting is an environment variable. Precedence, lowest first: built-in default <',
    '`snowflake_config.json` (Snowflake settings only) < `.env` file in the working directory <',
    'process environment < command-line flags. An empty value (`OPENSENSOR_STORAGE_PREFIX=`) means',
    '"unset", so the default applies. Names are matched case-insensitively; an unknown `OPENSENSOR_*`',
    'variable is reported as a warning with the closest known name.',
    '',
    'Invalid values stop the agent before it starts, with one line per problem naming the variable, the',
    'expected form and the value received. Secrets are never echoed: `opensensor config` shows them as `***`.',
    '',
    '## The `--env-file` flag',
    '',
    '`opensensor --env-file <path> …` and `opensensor-sim --env-file <path> …` read that file instead of',
    '`./.env`; a file that is missing or unreadable exits 2 naming it. Only `OPENSENSOR_*` settings are',
    'read from it: a `NODE_OPTIONS` line there is ignored with a warning, because Node.js options must be',
    'in the environment before Node starts (under `opensensor service` the unit loads the same file with',
    '`EnvironmentFile=`, so there it does apply, and no warning is printed).',
    '',
    'Node.js has an `--env-file` option of its own and looks for it anywhere on its command line, even',
    'after the script name (Node 20, 22 and 24): it would read the file itself, apply its `NODE_OPTIONS`,',
    'and stop with its own "not found" (exit 9) when it is missing. The installed commands therefore start',
    'as a small POSIX shell script that runs `node -- <script> "$@"`, and `--` ends Node\'s options. When',
    'you start a CLI through `node` yourself, keep the `--`: `node -- apps/edge-agent/dist/cli.js …`. (The',
    'launcher needs a POSIX `sh`, so on Windows start the CLIs that way.)',
    '',
    '## Values',
    '',
    'Numbers are written in decimal: `5`, `2.5`. Hexadecimal, octal, binary and exponent forms (`0x10`,',
    '`0o17`, `1e3`) are refused rather than read as some other number.',
    '',
    'Directories: the lake (`OPENSENSOR_OUTPUT_DIR`) and the health lake (`OPENSENSOR_HEALTH_DIR`) must be',
    "separate trees — neither may be the other or lie inside it, or `read_parquet('<output>/**/*.parquet')`",
    'would mix the two schemas. No directory setting may be the filesystem root. The state directory may lie',
    'inside the lake (it holds no Parquet files), but keeping it apart means copying or publishing the lake',
    'never copies the journal.',
    '',
  ];
  const groups = [...new Set(SETTING_KEYS.map((k) => settings[k].group))];
  for (const group of groups) {
    out.push(
      `## ${GROUP_TITLES[group]}`,
      '',
      '| Variable | Default | Valid values | Meaning |',
      '|---|---|---|---|',
    );
    for (const key of SETTING_KEYS.filter((k) => settings[k].group === group)) {
      const s = settings[key] as (typeof settings)[typeof key] & { default?: string; secret?: boolean };
      const def = s.default === undefined ? '—' : `\`${s.default}\``;
      const secret = s.secret ? ' **Secret.**' : '';
      out.push(`| \`${s.env}\` | ${def} | ${esc(s.expected)} | ${esc(s.description)}${secret} |`);
    }
    out.push('');
  }
  out.push(
    '## snowflake_config.json',
    '',
    'Users of the Raspberry Pi → Snowflake streaming apps can keep their file: point',
    '`OPENSENSOR_SNOWFLAKE_CONFIG_FILE` at it. Its keys map to these variables (a relative',
    "`private_key_file` is resolved against the JSON file's directory):",
    '',
    '| JSON key | Variable |',
    '|---|---|',
    ...[...SNOWFLAKE_JSON_KEYS].map(([json, key]) => `| \`${json}\` | \`${settings[key].env}\` |`),
    '',
  );
  return out.join('\n');
}

function esc(s: string): string {
  return s.replace(/\|/g, '\\|');
}
