import type { LogFields, Logger } from '@opensensor/errors';

export {
  /** @deprecated import `LogFields` from `@opensensor/errors`. */
  type LogFields,
  /** @deprecated import `Logger` from `@opensensor/errors`, the one logger type every package accepts. */
  type Logger,
  /** @deprecated import `silentLogger` from `@opensensor/errors`. */
  silentLogger,
} from '@opensensor/errors';

import { isoTime } from '@opensensor/errors';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LoggerOptions {
  level?: LogLevel;
  /** One JSON object per line (for journald / log shippers) instead of readable text. */
  json?: boolean;
  /** Where lines go; defaults to stderr so stdout stays clean for data (`--json` outputs). */
  write?: (line: string) => void;
  now?: () => number;
  /** Strings that must never appear in a log line (secrets); each is replaced by `***`. */
  redact?: readonly string[];
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A logger with `child` always present (`Required<Logger>`), so callers can chain it. */
export function createLogger(options: LoggerOptions = {}, base: LogFields = {}): Required<Logger> {
  const min = RANK[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const now = options.now ?? Date.now;
  const secrets = (options.redact ?? []).filter((s) => s.length > 0);
  const scrub = (s: string) =>
    secrets.length === 0 ? s : secrets.reduce((a, x) => a.split(x).join('***'), s);

  const emit = (level: LogLevel, message: string, fields?: LogFields) => {
    if (RANK[level] < min) return;
    const all = fields ? { ...base, ...fields } : base;
    let line: string;
    if (options.json) {
      line = JSON.stringify({ time: isoTime(now()), level, msg: message, ...all }, errorReplacer);
    } else {
      const time = isoTime(now()).slice(11, 23);
      const parts = Object.entries(all).map(([k, v]) => `${k}=${formatValue(v)}`);
      line = `${time} ${level.toUpperCase().padEnd(5)} ${message}${parts.length ? ` ${parts.join(' ')}` : ''}`;
    }
    write(`${scrub(line)}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

function formatValue(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(v.message);
  if (typeof v === 'string') return /^[\w./:@+-]*$/.test(v) && v !== '' ? v : JSON.stringify(v);
  if (typeof v === 'object' && v !== null) return JSON.stringify(v, errorReplacer);
  return String(v);
}
