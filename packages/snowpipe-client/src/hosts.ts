import { SnowpipeError, SnowpipeOptionsError } from './errors.js';

/**
 * Reads the Get Hostname response in each form servers produce: plain text (what real accounts
 * return), a quoted JSON string, or the documented `{"hostname": "…"}`. Underscores become dashes
 * (hostnames with `_` fail TLS verification; Snowflake's known issue), and a `:port` is kept.
 */
export function parseIngestHostname(body: string): string {
  let value = body.trim();
  try {
    if (value.startsWith('{')) {
      const parsed: unknown = JSON.parse(value);
      const hostname = (parsed as { hostname?: unknown }).hostname;
      value = typeof hostname === 'string' ? hostname : '';
    } else if (value.startsWith('"')) {
      const parsed: unknown = JSON.parse(value);
      value = typeof parsed === 'string' ? parsed : '';
    }
  } catch {
    value = '';
  }
  value = value
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/+$/, '')
    .replaceAll('_', '-');
  const [host = '', port, ...rest] = value.split(':');
  const validHost = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(host);
  const validPort = port === undefined || (/^[0-9]{1,5}$/.test(port) && Number(port) <= 65535);
  if (!validHost || !validPort || rest.length > 0) {
    throw new SnowpipeError({
      operation: 'hostname',
      status: 200,
      code: 'INVALID_INGEST_HOSTNAME',
      detail: `the server returned ${JSON.stringify(body.slice(0, 200))}, which is not a hostname`,
      action: 'fatal',
    });
  }
  return value;
}

/** The account ("control plane") base URL: scheme and host[:port] of the configured URL, dashes for underscores. */
export function accountBaseUrl(
  url: string | undefined,
  account: string,
): { base: string; protocol: 'http:' | 'https:' } {
  if (url === undefined) {
    return {
      base: `https://${account.trim().toLowerCase().replaceAll('_', '-')}.snowflakecomputing.com`,
      protocol: 'https:',
    };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SnowpipeOptionsError(
      'url',
      `expected an absolute URL such as https://myorg-myaccount.snowflakecomputing.com, received ${JSON.stringify(url)}`,
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new SnowpipeOptionsError(
      'url',
      `expected an https:// (or, for a local test server, http://) URL, received ${parsed.protocol}`,
    );
  }
  if (parsed.username || parsed.password) {
    throw new SnowpipeOptionsError('url', 'credentials do not belong in the URL; use the auth option');
  }
  return { base: `${parsed.protocol}//${parsed.host.replaceAll('_', '-')}`, protocol: parsed.protocol };
}
