/** Turns a journal value into the bytes of one record and back. */
export interface JournalCodec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

/** The default: values are bytes already. `decode` returns a view, not a copy (see README). */
export const bytesCodec: JournalCodec<Uint8Array> = {
  encode: (value) => value,
  decode: (bytes) => bytes,
};

/** Values as UTF-8 JSON, one object per record. Convenient; a binary codec is smaller and faster. */
export function jsonCodec<T>(): JournalCodec<T> {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return {
    encode: (value) => encoder.encode(JSON.stringify(value)),
    decode: (bytes) => JSON.parse(decoder.decode(bytes)) as T,
  };
}
