/**
 * Formats 16 bytes as an RFC 9562 UUID of `version` (4 random, 7 time-ordered): the version nibble
 * and the variant bits `10` replace the bits they occupy in bytes 6 and 8. The one formatter of the
 * journal's, the station's and the Snowpipe requests' ids; `bytes` is not changed.
 */
export function uuidString(bytes: ArrayLike<number>, version: number): string {
  let out = '';
  for (let i = 0; i < 16; i++) {
    let b = (bytes[i] ?? 0) & 0xff;
    if (i === 6) b = (version << 4) | (b & 0x0f);
    else if (i === 8) b = 0x80 | (b & 0x3f);
    out += (b < 16 ? '0' : '') + b.toString(16);
    if (i === 3 || i === 5 || i === 7 || i === 9) out += '-';
  }
  return out;
}
