import { OpenSensorError } from '@opensensor/errors';
/**
 * What the agent journals. Binary, fixed layout, little-endian: a reading of the 19 Enviro+
 * columns is 104 bytes (JSON would be ~450), which matters for SD-card wear at 17,280 readings a day.
 *
 *   offset  size  field
 *   0       1     kind (1 reading, 2 clock-synchronised marker, 3 health record)
 *   1       1     flags (bit 0: the clock was not synchronised when the reading was taken)
 *   2       2     reserved (0)
 *   4       4     boot tag: hash of /proc/sys/kernel/random/boot_id (0 when unknown)
 *   8       8     wall-clock time, ms since the epoch (float64)
 *   16      8     monotonic time since boot, ms (float64)
 *   24      4n    kind 1: n float32 values, NaN = null; kind 3: UTF-8 JSON of the health values
 */
export const RECORD_KIND = { reading: 1, clockSynced: 2, health: 3 } as const;
export const FLAG_UNSYNCED = 1;
const HEADER = 24;

export interface ReadingRecord {
  kind: typeof RECORD_KIND.reading;
  unsynced: boolean;
  bootTag: number;
  timestamp: number;
  monotonic: number;
  /** One value per schema column, in schema order; null where the sensor gave nothing. */
  values: Float32Array;
}

export interface ClockSyncedRecord {
  kind: typeof RECORD_KIND.clockSynced;
  bootTag: number;
  /** Wall-clock and monotonic time read together right after synchronisation was detected. */
  timestamp: number;
  monotonic: number;
}

export interface HealthRecord {
  kind: typeof RECORD_KIND.health;
  unsynced: boolean;
  bootTag: number;
  timestamp: number;
  monotonic: number;
  values: Record<string, string | number | boolean | null>;
}

export type PipelineRecord = ReadingRecord | ClockSyncedRecord | HealthRecord;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/**
 * A record of `bytes` bytes with its header written. From Node's shared pool (`allocUnsafe`): a view of
 * an 8 KiB slab instead of an ArrayBuffer of its own per record, which a backfill's 18,720 records a
 * station-day made the garbage collector's work. Every byte is written by the encoder.
 */
function withHeader(bytes: number, kind: number, flags: number, bootTag: number, ts: number, mono: number) {
  const buf = Buffer.allocUnsafe(bytes);
  buf[0] = kind;
  buf[1] = flags;
  buf[2] = 0;
  buf[3] = 0;
  buf.writeUInt32LE(bootTag >>> 0, 4);
  buf.writeDoubleLE(ts, 8);
  buf.writeDoubleLE(mono, 16);
  return buf;
}

/** Encodes a reading; `values[i]` null or undefined is stored as NaN. */
export function encodeReading(
  values: ArrayLike<number | null | undefined>,
  meta: { timestamp: number; monotonic: number; bootTag: number; unsynced: boolean },
): Uint8Array {
  const buf = withHeader(
    HEADER + 4 * values.length,
    RECORD_KIND.reading,
    meta.unsynced ? FLAG_UNSYNCED : 0,
    meta.bootTag,
    meta.timestamp,
    meta.monotonic,
  );
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    buf.writeFloatLE(v === null || v === undefined ? Number.NaN : v, HEADER + 4 * i);
  }
  return buf;
}

export function encodeClockSynced(meta: {
  timestamp: number;
  monotonic: number;
  bootTag: number;
}): Uint8Array {
  return withHeader(HEADER, RECORD_KIND.clockSynced, 0, meta.bootTag, meta.timestamp, meta.monotonic);
}

export function encodeHealth(
  values: HealthRecord['values'],
  meta: { timestamp: number; monotonic: number; bootTag: number; unsynced: boolean },
): Uint8Array {
  const json = textEncoder.encode(JSON.stringify(values));
  const buf = withHeader(
    HEADER + json.length,
    RECORD_KIND.health,
    meta.unsynced ? FLAG_UNSYNCED : 0,
    meta.bootTag,
    meta.timestamp,
    meta.monotonic,
  );
  buf.set(json, HEADER);
  return buf;
}

/** A record whose bytes do not match this layout (a journal written by something else). */
export class RecordFormatError extends OpenSensorError {
  override readonly name = 'RecordFormatError';
  declare readonly code: 'RECORD_FORMAT';

  constructor(message: string, options?: { cause?: unknown }) {
    super('RECORD_FORMAT', message, options);
  }
}

/** The kind byte of a record without decoding it (0 when it is too short to have one). */
export function recordKind(bytes: Uint8Array): number {
  return bytes.length < HEADER ? 0 : (bytes[0] as number);
}

/** Whether a record was taken before the clock was synchronised, without decoding it. */
export function recordUnsynced(bytes: Uint8Array): boolean {
  return bytes.length >= HEADER && ((bytes[1] as number) & FLAG_UNSYNCED) !== 0;
}

/** The boot tag of a record without decoding it (0 when it is too short to have one). */
export function recordBootTag(bytes: Uint8Array): number {
  if (bytes.length < HEADER) return 0;
  return (
    ((bytes[4] as number) |
      ((bytes[5] as number) << 8) |
      ((bytes[6] as number) << 16) |
      ((bytes[7] as number) << 24)) >>>
    0
  );
}

// Little-endian floats read through a scratch buffer: no DataView, Float32Array or record object per
// reading on the lake writer's path (17,280 a station-day). Big-endian hosts take decodeRecord.
const scratch = new ArrayBuffer(8);
const scratchBytes = new Uint8Array(scratch);
const scratchF32 = new Float32Array(scratch);
const scratchF64 = new Float64Array(scratch);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The timestamp of a dated, well-formed reading record, read in place; NaN for anything else (another
 * kind, an undated reading, a damaged length, a big-endian host), which {@link decodeRecord} handles.
 */
export function datedReadingTimestamp(bytes: Uint8Array): number {
  if (
    !LITTLE_ENDIAN ||
    bytes.length < HEADER ||
    bytes[0] !== RECORD_KIND.reading ||
    ((bytes[1] as number) & FLAG_UNSYNCED) !== 0 ||
    (bytes.length - HEADER) % 4 !== 0
  )
    return Number.NaN;
  for (let b = 0; b < 8; b++) scratchBytes[b] = bytes[8 + b] as number;
  return scratchF64[0] as number;
}

/**
 * Copies the values of a reading record (one checked by {@link datedReadingTimestamp}) into row `row`
 * of `columns`, NaN for the columns it lacks: what decodeRecord + FloatWindowBuffer.add do, in place.
 */
export function copyReadingValues(bytes: Uint8Array, columns: readonly Float32Array[], row: number): void {
  const n = Math.min((bytes.length - HEADER) / 4, columns.length);
  for (let c = 0; c < columns.length; c++) {
    let v = Number.NaN;
    if (c < n) {
      const at = HEADER + 4 * c;
      scratchBytes[0] = bytes[at] as number;
      scratchBytes[1] = bytes[at + 1] as number;
      scratchBytes[2] = bytes[at + 2] as number;
      scratchBytes[3] = bytes[at + 3] as number;
      v = scratchF32[0] as number;
    }
    (columns[c] as Float32Array)[row] = v;
  }
}

export function decodeRecord(bytes: Uint8Array): PipelineRecord {
  if (bytes.length < HEADER)
    throw new RecordFormatError(`record of ${bytes.length} bytes is shorter than its ${HEADER}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = view.getUint8(0);
  const unsynced = (view.getUint8(1) & FLAG_UNSYNCED) !== 0;
  const bootTag = view.getUint32(4, true);
  const timestamp = view.getFloat64(8, true);
  const monotonic = view.getFloat64(16, true);
  switch (kind) {
    case RECORD_KIND.reading: {
      if ((bytes.length - HEADER) % 4 !== 0)
        throw new RecordFormatError(`reading record of ${bytes.length} bytes`);
      const n = (bytes.length - HEADER) / 4;
      const values = new Float32Array(n);
      for (let i = 0; i < n; i++) values[i] = view.getFloat32(HEADER + 4 * i, true);
      return { kind, unsynced, bootTag, timestamp, monotonic, values };
    }
    case RECORD_KIND.clockSynced:
      return { kind, bootTag, timestamp, monotonic };
    case RECORD_KIND.health:
      return {
        kind,
        unsynced,
        bootTag,
        timestamp,
        monotonic,
        values: JSON.parse(textDecoder.decode(bytes.subarray(HEADER))) as HealthRecord['values'],
      };
    default:
      throw new RecordFormatError(`unknown record kind ${kind}`);
  }
}
