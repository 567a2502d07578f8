import type { Pms5003Port } from '../pms5003.js';
import { encodePms5003Frame, type Pms5003Frame } from '../pms5003-frame.js';

/**
 * A serial byte source standing in for a PMS5003: emit whole frames, raw bytes (garbage, bad
 * frames) or bytes split into chunks the way a UART delivers them.
 */
export class FakePms5003Port implements Pms5003Port {
  readonly path: string;
  closed = false;
  flushes = 0;
  private readonly dataListeners = new Set<(chunk: Uint8Array) => void>();
  private readonly errorListeners = new Set<(error: Error) => void>();
  private timer: NodeJS.Timeout | undefined;

  constructor(path = '/dev/fake-pms5003') {
    this.path = path;
  }

  onData(listener: (chunk: Uint8Array) => void): () => void {
    this.dataListeners.add(listener);
    return () => this.dataListeners.delete(listener);
  }

  onError(listener: (error: Error) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  async flush(): Promise<void> {
    this.flushes++;
  }

  async close(): Promise<void> {
    this.stopStreaming();
    this.closed = true;
  }

  /** Delivers `bytes` as one chunk. */
  emit(bytes: Uint8Array | readonly number[]): void {
    const chunk = Buffer.from(bytes as Uint8Array);
    for (const listener of this.dataListeners) listener(chunk);
  }

  /** Delivers `bytes` in chunks of the given sizes (cycled), as a UART with small reads does. */
  emitSplit(bytes: Uint8Array | readonly number[], sizes: readonly number[]): void {
    const all = Buffer.from(bytes as Uint8Array);
    let offset = 0;
    for (let i = 0; offset < all.length; i++) {
      const size = Math.max(1, sizes[i % sizes.length] ?? 1);
      this.emit(all.subarray(offset, offset + size));
      offset += size;
    }
  }

  /** Delivers a valid data frame built from `values` (or given as bytes). */
  emitFrame(values: Partial<Pms5003Frame> | Uint8Array): void {
    this.emit(values instanceof Uint8Array ? values : encodePms5003Frame(values));
  }

  emitError(error: Error): void {
    for (const listener of this.errorListeners) listener(error);
  }

  /** Emits `frame` every `intervalMs` like a sensor in active mode, until {@link stopStreaming}. */
  startStreaming(frame: Partial<Pms5003Frame> | Uint8Array, intervalMs = 5): void {
    this.stopStreaming();
    const bytes = frame instanceof Uint8Array ? frame : encodePms5003Frame(frame);
    this.timer = setInterval(() => this.emit(bytes), intervalMs);
    this.timer.unref();
  }

  stopStreaming(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
