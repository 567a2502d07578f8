/** The gzip decoder of hyparquet-compressors, imported alone (the package types only its index). */
declare module 'hyparquet-compressors/src/gzip.js' {
  export function gunzip(
    input: Uint8Array,
    output: Uint8Array,
    inputIndex?: number,
    outputIndex?: number,
  ): Uint8Array;
}
