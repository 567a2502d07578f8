import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The `n` newest `year=/month=/day=` directories under a station directory (names sort by date). */
export async function newestPartitionDirs(stationDir: string, n: number): Promise<string[]> {
  // Synchronous: a few small directories, listed when a station opens.
  const newest = (dir: string, prefix: string): string[] => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      names = [];
    }
    return names
      .filter((x) => x.startsWith(prefix))
      .sort()
      .reverse()
      .map((x) => join(dir, x));
  };
  const out: string[] = [];
  for (const year of newest(stationDir, 'year=')) {
    for (const month of newest(year, 'month=')) {
      for (const day of newest(month, 'day=')) {
        out.push(day);
        if (out.length >= n) return out;
      }
    }
  }
  return out;
}

/** The UTC midnight of a `…/year=YYYY/month=MM/day=DD` directory, or null for any other path. */
export function partitionDay(dir: string): number | null {
  const m = /year=(\d{4})[/\\]month=(\d{2})[/\\]day=(\d{2})$/.exec(dir);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : null;
}
