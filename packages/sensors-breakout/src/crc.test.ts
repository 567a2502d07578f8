import { describe, expect, it } from 'vitest';
import { CrcError, decodeWords, encodeCommand, sensirionCrc8 } from './crc.js';

describe('Sensirion CRC-8', () => {
  it('matches the datasheet example and the reference table', () => {
    const table: Array<[number, number]> = [
      [0x0000, 0x81],
      [0x0001, 0xb0],
      [0x0020, 0x07],
      [0x0022, 0x65],
      [0x0066, 0x9c],
      [0x0148, 0xf1],
      [0x0190, 0x4c],
      [0x01a4, 0x4d],
      [0x01e0, 0xb4],
      [0x01f4, 0x33],
      [0x03db, 0x42],
      [0x079e, 0x09],
      [0x07e6, 0x48],
      [0x0912, 0x63],
      [0x0a58, 0xa8],
      [0x0b7c, 0x1e],
      [0x0f80, 0x62],
      [0x3bbe, 0x89],
      [0x4711, 0xd4],
      [0x5eb9, 0x3c],
      [0x6666, 0x93],
      [0x6667, 0xa2],
      [0x7fce, 0x7b],
      [0x8000, 0xa2],
      [0x8006, 0x04],
      [0x9f07, 0xc2],
      [0xbeef, 0x92],
      [0xcafe, 0x58],
      [0xd400, 0xc6],
      [0xf896, 0x31],
      [0xffff, 0xac],
    ];
    expect(table.map(([w]) => sensirionCrc8(w >> 8, w & 0xff))).toEqual(table.map(([, c]) => c));
  });

  it('decodes CRC-checked words (S-2) and rejects a bad CRC with the word and bytes', () => {
    const words = decodeWords(Buffer.from('F89631 9F07C2 3BBE89'.replace(/ /g, ''), 'hex'));
    expect(words).toEqual([0xf896, 0x9f07, 0x3bbe]);
    const bad = (() => {
      try {
        decodeWords(Buffer.from([0xf8, 0x96, 0x00]));
      } catch (e) {
        return e;
      }
    })();
    expect(bad).toBeInstanceOf(CrcError);
    expect(bad).toMatchObject({ wordIndex: 0, received: 0, expected: 0x31 });
    expect(String(bad)).toMatch(/CRC mismatch in word 0: got 0x00, expected 0x31 \(bytes F8 96 00\)/);
  });

  it('encodes commands with a CRC after every argument word (S-3, G-3, G-4)', () => {
    expect(encodeCommand(0xcafe, [0x4711]).toString('hex')).toBe('cafe4711d4');
    expect(encodeCommand(0x2061, [0x0b7c]).toString('hex')).toBe('20610b7c1e');
    expect(encodeCommand(0x201e, [0x8aae, 0x8973]).toString('hex')).toBe('201e8aaeaf8973ca');
    expect(encodeCommand(0xc595, [0x0066]).toString('hex')).toBe('c59500669c');
    expect(encodeCommand(0xec05).toString('hex')).toBe('ec05');
  });
});
