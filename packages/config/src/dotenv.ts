import { ConfigError } from './errors.js';

/**
 * Parses the text of a `.env` file.
 *
 * Accepted forms, one per line: `KEY=value`, `export KEY=value`, `KEY="double quoted"` (with
 * `\n`, `\t`, `\"` and `\\` escapes, may span lines), `KEY='single quoted'` (literal), `KEY=` (empty).
 * Blank lines and lines starting with `#` are ignored, and ` # comment` after an unquoted value is
 * dropped. Anything else is an error naming the file and line, so a typo never passes silently.
 */
export function parseDotenv(text: string, fileName = '.env'): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const fail = (line: number, expected: string, got: string): never => {
    throw new ConfigError([{ variable: `${fileName}:${line}`, expected, received: JSON.stringify(got) }]);
  };
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i] ?? '';
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(trimmed);
    if (!m) {
      fail(lineNo, 'a line of the form KEY=value', truncate(trimmed));
      continue;
    }
    const key = m[1] as string;
    let rest = m[2] as string;
    let value: string;
    const quote = rest[0];
    if (quote === '"' || quote === "'") {
      // The value may span lines: keep consuming until the closing quote.
      let body = rest.slice(1);
      let close = findClosingQuote(body, quote);
      while (close < 0 && quote === '"' && i + 1 < lines.length) {
        i++;
        body += `\n${lines[i] ?? ''}`;
        close = findClosingQuote(body, quote);
      }
      if (close < 0) {
        fail(lineNo, `a closing ${quote} for ${key}`, truncate(rest));
        continue;
      }
      const after = body.slice(close + 1).trim();
      if (after !== '' && !after.startsWith('#')) {
        fail(lineNo, `nothing but a comment after the quoted value of ${key}`, truncate(after));
      }
      body = body.slice(0, close);
      value = quote === '"' ? unescapeDouble(body) : body;
    } else {
      const hash = rest.search(/\s#/);
      if (hash >= 0) rest = rest.slice(0, hash);
      value = rest.trim();
    }
    out.set(key, value);
  }
  return out;
}

function findClosingQuote(s: string, quote: string): number {
  for (let i = 0; i < s.length; i++) {
    if (quote === '"' && s[i] === '\\') {
      i++;
      continue;
    }
    if (s[i] === quote) return i;
  }
  return -1;
}

function unescapeDouble(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => {
    switch (c) {
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      default:
        return c;
    }
  });
}

function truncate(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Serialises settings as `.env` text, quoting where needed so that `parseDotenv` reads them back. */
export function formatDotenv(entries: Iterable<readonly [string, string]>, header?: string): string {
  const lines: string[] = [];
  if (header) for (const h of header.split('\n')) lines.push(`# ${h}`.trimEnd());
  for (const [key, value] of entries) {
    const plain = /^[A-Za-z0-9_./:@+,-]*$/.test(value);
    lines.push(
      `${key}=${plain ? value : `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
