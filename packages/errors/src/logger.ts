/** Structured context of a log line: a flat object that serialises to JSON. */
export type LogFields = Record<string, unknown>;

/**
 * The logger every OpenSensor package accepts: a message plus structured fields, four levels.
 * `console`, a pino or winston logger, and `@opensensor/pipeline`'s `createLogger()` all fit.
 * `child` is optional; packages that tag their lines (`{ component: 'journal' }`) go through
 * `childLogger`, which uses it when present.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child?(fields: LogFields): Logger;
}

/** Discards everything; the default where a caller passes no logger. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};

/** `logger.child(fields)` when the logger has one, else a logger that adds `fields` to each line itself. */
export function childLogger(logger: Logger, fields: LogFields): Logger {
  if (logger.child) return logger.child(fields);
  const merge = (extra?: LogFields): LogFields => (extra ? { ...fields, ...extra } : fields);
  return {
    debug: (m, f) => logger.debug(m, merge(f)),
    info: (m, f) => logger.info(m, merge(f)),
    warn: (m, f) => logger.warn(m, merge(f)),
    error: (m, f) => logger.error(m, merge(f)),
    child: (more) => childLogger(logger, { ...fields, ...more }),
  };
}
