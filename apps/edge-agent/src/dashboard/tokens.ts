import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { OpenSensorError } from '@opensensor/errors';
import { writeSecretFile } from '../secret-file.js';

/** One access token: every station, or only those listed. */
export interface AccessToken {
  token: string;
  /** Stations this token may read; absent = all. */
  stations?: string[];
  /** A note for the operator (who has it); never the token. */
  label?: string;
}

export class TokenFileError extends OpenSensorError {
  override readonly name = 'TokenFileError';
  constructor(message: string) {
    super('INVALID_TOKEN_FILE', message);
  }
}

/**
 * Reads a token file: JSON `{ "tokens": [{ "token": "…", "stations": ["…"] }] }`, mode 0600 (like an
 * ssh key: a file others can read is refused, because anyone who can read it can read the data).
 */
export function readTokenFile(path: string): AccessToken[] {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    throw new TokenFileError(
      `${path}: no such token file; create one with "opensensor dashboard token --token-file ${path}"`,
    );
  }
  if ((mode & 0o077) !== 0)
    throw new TokenFileError(
      `${path} is readable by other users (mode ${(mode & 0o777).toString(8)}); run "chmod 600 ${path}"`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new TokenFileError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const list = (parsed as { tokens?: unknown }).tokens;
  if (!Array.isArray(list)) throw new TokenFileError(`${path}: expected {"tokens": [{"token": "…"}]}`);
  return list.map((t, i) => {
    const token = (t as AccessToken).token;
    const stations = (t as AccessToken).stations;
    if (typeof token !== 'string' || token.length < 16)
      throw new TokenFileError(`${path}: tokens[${i}].token must be a string of at least 16 characters`);
    if (stations !== undefined && (!Array.isArray(stations) || stations.some((s) => typeof s !== 'string')))
      throw new TokenFileError(`${path}: tokens[${i}].stations must be a list of station ids`);
    return { token, ...(stations ? { stations } : {}) };
  });
}

/** Adds a new random token to the file (created with mode 0600) and returns it. */
export function addToken(path: string, stations: string[] | undefined, label?: string): string {
  const existing = existsSync(path)
    ? (JSON.parse(readFileSync(path, 'utf8')) as { tokens: AccessToken[] }).tokens
    : [];
  const token = randomBytes(24).toString('base64url');
  const entry: AccessToken = {
    token,
    ...(stations?.length ? { stations } : {}),
    ...(label ? { label } : {}),
  };
  writeSecretFile(path, `${JSON.stringify({ tokens: [...existing, entry] }, null, 2)}\n`);
  return token;
}

/** Finds the token that matches `presented`, comparing digests in constant time. */
export function matchToken(
  tokens: readonly AccessToken[],
  presented: string | undefined,
): AccessToken | undefined {
  if (!presented) return undefined;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const p = digest(presented);
  return tokens.find((t) => timingSafeEqual(digest(t.token), p));
}
