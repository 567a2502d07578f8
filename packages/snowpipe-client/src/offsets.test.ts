import { describe, expect, it } from 'vitest';
import { compareOffsetTokens, isCommitted, parseSequenceToken } from './offsets.js';

describe('offset tokens', () => {
  it('compares sequence numbers numerically, not lexically', () => {
    expect(compareOffsetTokens('10', '9')).toBe(1);
    expect(compareOffsetTokens('9', '10')).toBe(-1);
    expect(compareOffsetTokens('42', '42')).toBe(0);
    expect(isCommitted('100', '99')).toBe(true);
    expect(isCommitted('99', '100')).toBe(false);
    expect(isCommitted(null, '1')).toBe(false);
    expect(parseSequenceToken('17')).toBe(17);
    expect(parseSequenceToken(null)).toBeNull();
    expect(parseSequenceToken('postgres-5')).toBeNaN();
  });
});
