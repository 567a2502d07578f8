const DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * Orders two offset tokens: numerically when both are non-negative decimal integers (journal
 * sequence numbers), otherwise as strings. Lexical order would put "10" before "9".
 */
export function compareOffsetTokens(a: string, b: string): number {
  if (DECIMAL.test(a) && DECIMAL.test(b)) {
    if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True when `committed` is at or past `token`: Snowflake may commit past the token awaited. */
export function isCommitted(committed: string | null | undefined, token: string): boolean {
  return committed != null && compareOffsetTokens(committed, token) >= 0;
}

/** Parses a committed offset token that must be a journal sequence number. */
export function parseSequenceToken(token: string | null | undefined): number | null {
  if (token == null) return null;
  if (!DECIMAL.test(token)) return Number.NaN;
  const n = Number(token);
  return Number.isSafeInteger(n) ? n : Number.NaN;
}
