import { OpenSensorError } from '@opensensor/errors';
/** One problem with one setting: which variable, what was expected, what was received. */
export interface ConfigIssue {
  /** The variable (or flag, or file) the problem is about, e.g. `OPENSENSOR_READ_INTERVAL`. */
  variable: string;
  /** Human description of what a valid value looks like. */
  expected: string;
  /** What was received, already made safe to print (secrets are never echoed). */
  received: string;
  /** Where the value came from: `default`, `.env`, `environment`, `flag`, a file path. */
  source?: string;
}

export function formatIssue(issue: ConfigIssue): string {
  const from = issue.source ? ` (from ${issue.source})` : '';
  return `${issue.variable}: expected ${issue.expected}, received ${issue.received}${from}`;
}

/** Thrown when the configuration is invalid. Lists every problem at once, one per line. */
export class ConfigError extends OpenSensorError {
  override readonly name = 'ConfigError';
  declare readonly code: 'INVALID_CONFIG';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const lines = issues.map((i) => `  - ${formatIssue(i)}`);
    super(
      'INVALID_CONFIG',
      `Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    );
    this.issues = issues;
  }
}
