import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenSensorConfig } from '@opensensor/config';
import { createLogger, type Logger } from '@opensensor/pipeline';
import type { CliIo } from './io.js';

const MAX_LOG_BYTES = 5 * 1024 * 1024;

/**
 * The agent's logger: stderr (journald under systemd) plus `<OPENSENSOR_LOG_DIR>/opensensor.log`,
 * rotated at 5 MiB with one previous file kept, so logs never fill an SD card. Secrets from the
 * configuration are scrubbed from every line.
 */
export function agentLogger(io: CliIo, config: OpenSensorConfig, options: { file?: boolean } = {}): Logger {
  const json = config.logJson ?? !io.isTty;
  let fileWrite: ((line: string) => void) | null = null;
  if (options.file !== false) {
    try {
      mkdirSync(config.logDir, { recursive: true });
      const path = join(config.logDir, 'opensensor.log');
      let size = 0;
      try {
        size = statSync(path).size;
      } catch {}
      fileWrite = (line) => {
        try {
          if (size > MAX_LOG_BYTES) {
            renameSync(path, `${path}.1`);
            size = 0;
          }
          appendFileSync(path, line);
          size += line.length;
        } catch {
          fileWrite = null; // a full or read-only disk must not stop the agent
        }
      };
    } catch {
      io.stderr(`warning: cannot write logs to ${config.logDir}; logging to stderr only\n`);
    }
  }
  return createLogger({
    level: config.logLevel,
    json,
    write: (line) => {
      io.stderr(line);
      fileWrite?.(json ? line : line);
    },
    redact: [
      config.awsSecretAccessKey,
      config.awsAccessKeyId,
      config.healthAwsSecretAccessKey,
      config.snowflakePat,
      config.snowflakePrivateKeyPassphrase,
    ].filter((s): s is string => typeof s === 'string' && s.length > 0),
  });
}
