import { createRequire } from 'node:module';
import { CodecError } from './errors.js';

/** Compression of the lake files. `zstd` is the reference collector's default. */
export type LakeCompression = 'snappy' | 'zstd' | 'gzip';

/**
 * Where zstd comes from: `node` = `zlib.zstdCompressSync` (Node ≥ 22.15), `js` = this package's own
 * compressor in TypeScript (any Node), `wasm` = the WebAssembly build of the reference library (any
 * Node ≥ 20, on request), `auto` = node when present, else js (docs/decisions/0304-zstd-in-typescript.md).
 * A short process that compresses many pages (a backfill) is fastest with `wasm` on every Node: `js` is
 * mostly V8 compiling it there, and `node` builds a zlib stream and a zstd context for every page
 * (docs/performance.md, "Round 10"). `auto` keeps an agent small.
 */
export type ZstdImplementation = 'auto' | 'node' | 'js' | 'wasm';

export const LAKE_COMPRESSIONS: readonly LakeCompression[] = ['snappy', 'zstd', 'gzip'];

/** Synchronous page compressor, as the encoder calls it once per page. */
export type PageCompressor = (input: Uint8Array) => Uint8Array;

export interface LoadedCodec {
  readonly compression: LakeCompression;
  /** Which implementation compresses, for logs and the decision record: `snappy-js`, `zlib`, `zstd-node`, `zstd-js`, `zstd-wasm`. */
  readonly implementation: string;
  /** `undefined` for snappy, which the encoder has built in. */
  readonly compress: PageCompressor | undefined;
}

/** zstd level 3 is zstd's own default and what PyArrow writes; higher levels gained < 1 % on lake pages. */
export const ZSTD_LEVEL = 3;

interface NodeZstd {
  zstdCompressSync(
    input: Uint8Array,
    options?: { params?: Record<number, number>; chunkSize?: number },
  ): Buffer;
  constants: { ZSTD_c_compressionLevel: number };
}

interface WasmZstd {
  isLoaded: Promise<boolean>;
  compress(buffer: Uint8Array, level?: number): Uint8Array;
}

const cache = new Map<string, Promise<LoadedCodec>>();

/** Resolves the compressor for `compression`, loading the zstd WebAssembly module only when needed. */
export function loadCodec(
  compression: LakeCompression,
  zstd: ZstdImplementation = 'auto',
): Promise<LoadedCodec> {
  if (!LAKE_COMPRESSIONS.includes(compression)) {
    return Promise.reject(
      new CodecError(
        `compression ${JSON.stringify(compression)} is not one of ${LAKE_COMPRESSIONS.join(', ')}`,
      ),
    );
  }
  const key = compression === 'zstd' ? `zstd:${zstd}` : compression;
  let loaded = cache.get(key);
  if (!loaded) {
    loaded = resolveCodec(compression, zstd);
    // A failed load must not be cached forever: a later call may find the module installed.
    loaded.catch(() => cache.delete(key));
    cache.set(key, loaded);
  }
  return loaded;
}

async function resolveCodec(compression: LakeCompression, zstd: ZstdImplementation): Promise<LoadedCodec> {
  if (compression === 'snappy') return { compression, implementation: 'snappy-js', compress: undefined };
  // A Node with zstd in node:zlib names its version in process.versions: without it, node:zlib (and
  // the streams it loads) is not loaded for zstd at all.
  const nodeHasZstd = typeof (process.versions as Record<string, string | undefined>).zstd === 'string';
  if (compression === 'zstd' && zstd === 'wasm') return wasmZstd();
  if (compression === 'zstd' && (zstd === 'js' || (zstd === 'auto' && !nodeHasZstd))) return jsZstd();
  // node:zlib only when a file is compressed, not when the package is imported.
  const zlib = await import('node:zlib');
  if (compression === 'gzip') {
    return { compression, implementation: 'zlib', compress: (b) => zlib.gzipSync(b) };
  }
  const native = zlib as unknown as Partial<NodeZstd>;
  if (typeof native.zstdCompressSync === 'function' && native.constants) {
    const params = { [native.constants.ZSTD_c_compressionLevel]: ZSTD_LEVEL };
    const fn = native.zstdCompressSync.bind(zlib);
    // The output buffer is sized to the page: node:zlib's default for zstd is 128 KiB per call, a
    // page is a few KB, and a station-day compresses ~3,800 pages (docs/performance.md, "Round 10").
    return {
      compression,
      implementation: 'zstd-node',
      compress: (b) => fn(b, { params, chunkSize: zstdBound(b.byteLength) }),
    };
  }
  if (zstd === 'node') {
    throw new CodecError(
      `zstd from node:zlib needs Node >= 22.15 (this is ${process.version}): use zstd: 'auto' to fall back to the built-in compressor`,
    );
  }
  return jsZstd();
}

/** The most bytes zstd compresses `n` bytes into (ZSTD_COMPRESSBOUND, frame included), with a little slack. */
function zstdBound(n: number): number {
  return n + (n >>> 8) + (n < 131_072 ? (131_072 - n) >>> 11 : 0) + 32;
}

async function jsZstd(): Promise<LoadedCodec> {
  const { zstdCompress } = await import('./zstd/compress.js');
  return { compression: 'zstd', implementation: 'zstd-js', compress: zstdCompress };
}

async function wasmZstd(): Promise<LoadedCodec> {
  let wasm: WasmZstd;
  try {
    // The module is CommonJS and starts compiling its WebAssembly on load, so it is loaded only here.
    wasm = createRequire(import.meta.url)('@foxglove/wasm-zstd') as WasmZstd;
    await wasm.isLoaded;
  } catch (cause) {
    throw new CodecError(
      "zstd: 'wasm' needs @foxglove/wasm-zstd and it failed to load: reinstall dependencies, or use zstd: 'auto'",
      cause,
    );
  }
  return { compression: 'zstd', implementation: 'zstd-wasm', compress: (b) => wasm.compress(b, ZSTD_LEVEL) };
}
