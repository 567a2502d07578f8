import { describe, expect, it } from 'vitest';
import { formatDotenv, parseDotenv } from './dotenv.js';
import { ConfigError } from './errors.js';

describe('parseDotenv', () => {
  it('reads plain, quoted, exported, commented and empty values', () => {
    const env = parseDotenv(
      [
        '# a comment line',
        '',
        'PLAIN=value',
        'SPACED = spaced value  ',
        'export EXPORTED=yes',
        'INLINE=abc # trailing comment',
        'HASH_IN_VALUE=abc#def',
        'DOUBLE="two words # not a comment"',
        "SINGLE='literal \\n stays'",
        'ESCAPES="line1\\nline2\\t\\"q\\" \\\\"',
        'EMPTY=',
        'EMPTY_QUOTED=""',
        'QUOTED_WITH_COMMENT="x" # ok',
      ].join('\n'),
    );
    expect(Object.fromEntries(env)).toEqual({
      PLAIN: 'value',
      SPACED: 'spaced value',
      EXPORTED: 'yes',
      INLINE: 'abc',
      HASH_IN_VALUE: 'abc#def',
      DOUBLE: 'two words # not a comment',
      SINGLE: 'literal \\n stays',
      ESCAPES: 'line1\nline2\t"q" \\',
      EMPTY: '',
      EMPTY_QUOTED: '',
      QUOTED_WITH_COMMENT: 'x',
    });
  });

  it('handles CRLF line endings, a BOM and multi-line double-quoted values', () => {
    const env = parseDotenv('\uFEFFA=1\r\nKEY="-----BEGIN\nbody\n-----END"\r\nB=2\r\n');
    expect(env.get('A')).toBe('1');
    expect(env.get('KEY')).toBe('-----BEGIN\nbody\n-----END');
    expect(env.get('B')).toBe('2');
  });

  it('later assignments win', () => {
    expect(parseDotenv('A=1\nA=2').get('A')).toBe('2');
  });

  it('names the file and line of a line that is not KEY=value', () => {
    expect(() => parseDotenv('A=1\nthis is not valid\n', '/etc/opensensor/.env')).toThrowError(
      /\/etc\/opensensor\/\.env:2: expected a line of the form KEY=value, received "this is not valid"/,
    );
  });

  it('rejects an unterminated quote and text after a closing quote', () => {
    expect(() => parseDotenv("A='open")).toThrowError(ConfigError);
    expect(() => parseDotenv('A="open\nB=2')).toThrowError(/closing " for A/);
    expect(() => parseDotenv('A="x" y')).toThrowError(/nothing but a comment after the quoted value of A/);
  });

  it('formatDotenv output parses back to the same values', () => {
    const entries: [string, string][] = [
      ['A', 'simple'],
      ['B', 'with space # and hash'],
      ['C', 'quote " and backslash \\'],
      ['D', 'multi\nline'],
      ['E', ''],
    ];
    const text = formatDotenv(entries, 'header line');
    expect(text.startsWith('# header line\n')).toBe(true);
    expect(Object.fromEntries(parseDotenv(text))).toEqual(Object.fromEntries(entries));
  });
});
