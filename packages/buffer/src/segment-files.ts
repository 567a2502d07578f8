const SEGMENT_NAME = /^(\d{16})\.seg$/;

/** A segment is named after the first seq it may hold, zero-padded so names sort by seq. */
export function segmentFileName(base: number): string {
  return `${String(base).padStart(16, '0')}.seg`;
}

/** The base seq of a segment file name, or null for any other file. */
export function segmentBase(fileName: string): number | null {
  const match = SEGMENT_NAME.exec(fileName);
  return match ? Number(match[1]) : null;
}
