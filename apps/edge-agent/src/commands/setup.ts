import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import {
  ConfigError,
  formatDotenv,
  loadConfig,
  type SettingKey,
  STORAGE_PROVIDERS,
  settings,
} from '@opensensor/config';
import type { Command } from 'commander';
import { CliError, type CliIo, EXIT, type PromptInput } from '../io.js';
import type { ConfigFlags } from '../load-config.js';
import { ask, askValid, confirm, PromptAbortedError, terminalPrompt } from '../prompt.js';
import { writeSecretFile } from '../secret-file.js';
import { uuidv7 } from '../uuidv7.js';

interface SetupOptions {
  yes?: boolean;
  stationId?: string;
  outputDir?: string;
  force?: boolean;
}

/** The settings a setup writes, in file order; secrets among them are never printed. */
type Answers = Array<[SettingKey, string]>;

export function registerSetup(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('setup')
    .description(
      'Create .env (station id, directories, optional sync and Snowflake) and the data directories',
    )
    .option('-y, --yes', 'no questions: use the flags and defaults (sync and Snowflake off)')
    .option('-s, --station-id <uuid>', 'station id (default: a new UUIDv7)')
    .option('-o, --output-dir <dir>', 'root of the Parquet lake', 'output')
    .option('-f, --force', 'overwrite an existing .env')
    .addHelpText(
      'after',
      `
Examples:
  $ opensensor setup                          # asks, with defaults in [brackets]
  $ opensensor setup --yes                    # new station id, ./output, sync and Snowflake off
  $ opensensor setup --yes --station-id 01936f3e-5b7c-7d1a-9f00-2c4e8b1a6d5f --output-dir /srv/opensensor/output
  $ opensensor --env-file /etc/opensensor/.env setup --yes --force

Writes .env with mode 0600 (or the --env-file path), creates <output>, <output>-health, logs and state
in the working directory, then validates the result. Secrets you type are never echoed.`,
    )
    .action(async (opts: SetupOptions) => {
      const deps = io.deps ?? {};
      const envPath = resolve(io.cwd, program.opts<ConfigFlags>().envFile ?? '.env');
      if (existsSync(envPath) && !opts.force) {
        throw new CliError(
          `${envPath} already exists and was left unchanged; pass --force to overwrite it (see it with \`opensensor config\`)`,
        );
      }
      if (opts.stationId !== undefined && !settings.stationId.schema.safeParse(opts.stationId).success) {
        throw new CliError(
          `--station-id: expected ${settings.stationId.expected}, received ${JSON.stringify(opts.stationId)}`,
          EXIT.usage,
        );
      }
      const interactive = !opts.yes;
      if (interactive && !io.isTty && !deps.prompt) {
        throw new CliError(
          'setup asks questions, but this is not a terminal; run `opensensor setup --yes` (with --station-id / --output-dir as needed)',
          EXIT.usage,
        );
      }
      const newId = () => uuidv7(Math.trunc((deps.now ?? Date.now)()), deps.randomBytes);
      let answers: Answers;
      try {
        answers = interactive
          ? await askAll(deps.prompt ?? terminalPrompt(), io, opts, newId)
          : [
              ['stationId', (opts.stationId ?? newId()).toLowerCase()],
              ['outputDir', resolve(io.cwd, opts.outputDir ?? 'output')],
            ];
      } catch (err) {
        if (err instanceof PromptAbortedError)
          throw new CliError(`${err.message}; nothing was written`, EXIT.usage);
        throw err;
      }

      const outputDir = answerOf(answers, 'outputDir') as string;
      const dirs = {
        output: outputDir,
        health: `${outputDir}-health`,
        logs: join(io.cwd, 'logs'),
        state: join(io.cwd, 'state'),
      };
      // Directories the agent would refuse (the filesystem root, whose health lake would be /-health)
      // are refused before any is created.
      try {
        loadConfig({
          env: {},
          cwd: io.cwd,
          envFile: false,
          flags: {
            stationId: answerOf(answers, 'stationId'),
            outputDir,
            stateDir: dirs.state,
            logDir: dirs.logs,
          },
          flagNames: interactive ? {} : { outputDir: '--output-dir' },
        });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        throw new CliError(`nothing was written or created:\n${err.message}`, EXIT.usage);
      }
      // Absolute paths keep the .env valid whatever directory the service or a shell starts in.
      const entries: Answers = [...answers, ['logDir', dirs.logs], ['stateDir', dirs.state]];
      const text = formatDotenv(
        entries.map(([k, v]) => [settings[k].env, v] as const),
        `OpenSensor station settings, written by \`opensensor setup\` on ${new Date((deps.now ?? Date.now)()).toISOString()}.\nEvery setting: docs/configuration.md. Keep this file private (mode 0600): it may hold secrets.`,
      );
      for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
      mkdirSync(dirname(envPath), { recursive: true });
      writeSecretFile(envPath, text);

      try {
        loadConfig({ env: {}, cwd: io.cwd, envFile: envPath });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        io.stderr(
          `${envPath} was written, but it is not valid yet:\n${err.message}\nFix it, then run \`opensensor config\`.\n`,
        );
        setExit(EXIT.usage);
        return;
      }

      const show = (p: string) => {
        const r = relative(io.cwd, p);
        return r && !r.startsWith('..') ? r : p;
      };
      io.stdout(`Wrote ${envPath} (mode 0600):\n`);
      for (const [k, v] of entries) {
        const spec = settings[k] as { env: string; secret?: boolean };
        io.stdout(`  ${spec.env}=${spec.secret ? '***' : v}\n`);
      }
      io.stdout(`Created ${Object.values(dirs).map(show).join(', ')}\n`);
      const envFlag = program.opts<ConfigFlags>().envFile ? ` --env-file ${envPath}` : '';
      io.stdout(
        [
          '',
          'Next steps:',
          `  opensensor${envFlag} test                  # are the sensors there? (needs i2c/serial enabled, see docs/deployment.md)`,
          `  opensensor${envFlag} start                 # collect in the foreground; Ctrl-C stops`,
          `  sudo env PATH="$PATH" opensensor${envFlag} service install   # run at boot under systemd`,
          '',
        ].join('\n'),
      );
    });
}

function answerOf(answers: Answers, key: SettingKey): string | undefined {
  return answers.find(([k]) => k === key)?.[1];
}

/** A validator for one setting, from the settings table, so prompts accept exactly what the agent accepts. */
function validate(key: SettingKey): (value: string) => string | undefined {
  const s = settings[key];
  return (value) => (s.schema.safeParse(value).success ? undefined : `${s.env}: expected ${s.expected}`);
}

async function askAll(
  prompt: PromptInput,
  io: CliIo,
  opts: SetupOptions,
  newId: () => string,
): Promise<Answers> {
  const problem = (p: string) => io.stderr(`  ${p}\n`);
  const answers: Answers = [];
  io.stdout('OpenSensor station setup. Press Enter to take the value in [brackets].\n\n');
  answers.push([
    'stationId',
    (
      await askValid(prompt, 'Station id', opts.stationId ?? newId(), validate('stationId'), problem)
    ).toLowerCase(),
  ]);
  const output = await askValid(
    prompt,
    'Output directory for the Parquet lake',
    opts.outputDir ?? 'output',
    validate('outputDir'),
    problem,
  );
  answers.push(['outputDir', resolve(io.cwd, output)]);

  if (await confirm(prompt, 'Upload the lake to S3-compatible object storage?', false)) {
    answers.push(['syncEnabled', 'true']);
    const provider = (
      await askValid(
        prompt,
        `Storage provider (${STORAGE_PROVIDERS.join(', ')})`,
        's3',
        validate('storageProvider'),
        problem,
      )
    ).toLowerCase();
    answers.push(['storageProvider', provider]);
    answers.push([
      'storageBucket',
      await askValid(prompt, 'Bucket', undefined, validate('storageBucket'), problem),
    ]);
    const prefix = await ask(prompt, 'Key prefix inside the bucket (optional)');
    if (prefix) answers.push(['storagePrefix', prefix]);
    const region = await ask(prompt, 'Region (empty: the provider default)');
    if (region) answers.push(['storageRegion', region]);
    const needsEndpoint = provider === 'r2' || provider === 'minio';
    const endpoint = await askValid(
      prompt,
      `Endpoint URL${needsEndpoint ? '' : ' (empty: derived from the provider)'}`,
      undefined,
      (v) => (v === '' && !needsEndpoint ? undefined : validate('storageEndpoint')(v)),
      problem,
    );
    if (endpoint) answers.push(['storageEndpoint', endpoint]);
    const keyId = await ask(prompt, 'Access key id (empty: the AWS default credential chain)');
    if (keyId) {
      answers.push(['awsAccessKeyId', keyId]);
      answers.push([
        'awsSecretAccessKey',
        await askSecret(prompt, 'Secret access key (not shown)', validate('awsSecretAccessKey'), problem),
      ]);
    }
  }

  if (await confirm(prompt, 'Stream readings to Snowflake (Snowpipe Streaming)?', false)) {
    const { SNOWFLAKE_DEFAULTS, writeSnowflakeKeyPair, PRIVATE_KEY_FILE } = await import('./snowflake.js');
    answers.push(['snowflakeEnabled', 'true']);
    answers.push([
      'snowflakeAccount',
      await askValid(
        prompt,
        'Account identifier (ORGNAME-ACCOUNTNAME)',
        undefined,
        validate('snowflakeAccount'),
        problem,
      ),
    ]);
    const user = await askValid(prompt, 'User', SNOWFLAKE_DEFAULTS.user, validate('snowflakeUser'), problem);
    answers.push(['snowflakeUser', user]);
    answers.push(['snowflakeDatabase', await ask(prompt, 'Database', SNOWFLAKE_DEFAULTS.database)]);
    answers.push(['snowflakeSchema', await ask(prompt, 'Schema', SNOWFLAKE_DEFAULTS.schema)]);
    answers.push(['snowflakePipe', await ask(prompt, 'Pipe', SNOWFLAKE_DEFAULTS.pipe)]);
    answers.push(['snowflakeRole', await ask(prompt, 'Role', SNOWFLAKE_DEFAULTS.role)]);
    const method = await askValid(
      prompt,
      'Authenticate with a key pair or a programmatic access token (key/pat)',
      'key',
      (v) => (/^(key|pat)$/i.test(v) ? undefined : 'answer key or pat'),
      problem,
    );
    if (method.toLowerCase() === 'pat') {
      answers.push([
        'snowflakePat',
        await askSecret(prompt, 'Token (not shown)', validate('snowflakePat'), problem),
      ]);
    } else {
      const keyFile = resolve(
        io.cwd,
        await ask(prompt, 'Private key file', join('snowflake', PRIVATE_KEY_FILE)),
      );
      answers.push(['snowflakePrivateKeyFile', keyFile]);
      if (!existsSync(keyFile)) {
        if (await confirm(prompt, `${keyFile} does not exist. Generate a key pair there now?`, true)) {
          const written = await writeSnowflakeKeyPair(dirname(keyFile), { user });
          if (written.privateKeyPath !== keyFile) renameSync(written.privateKeyPath, keyFile);
          io.stdout(
            `\nKey pair written (fingerprint ${written.fingerprint}). Register the public key in Snowflake:\n\n${written.alterUserSql}\n\n`,
          );
        } else {
          io.stdout(`Create it later with \`opensensor snowflake keygen --out ${dirname(keyFile)}\`.\n`);
        }
      }
    }
  }
  io.stdout('\n');
  return answers;
}

async function askSecret(
  prompt: PromptInput,
  question: string,
  check: (v: string) => string | undefined,
  onProblem: (p: string) => void,
): Promise<string> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const value = (await prompt(`${question}: `, { secret: true })).trim();
    const problem = check(value);
    if (problem === undefined) return value;
    onProblem(problem);
  }
  throw new PromptAbortedError(`no valid answer to "${question}" after three attempts`);
}
