/** Pure helpers that turn rows into chart columns (tested without a browser). */
export interface HourPoint {
  t: number;
  mean: number | null;
}

/** Mean, min and max of the hourly means per UTC hour of day (0–23). */
export function hourOfDayProfile(points: readonly HourPoint[]): {
  hour: number[];
  mean: (number | null)[];
  min: (number | null)[];
  max: (number | null)[];
} {
  const sum = new Array<number>(24).fill(0);
  const count = new Array<number>(24).fill(0);
  const min = new Array<number | null>(24).fill(null);
  const max = new Array<number | null>(24).fill(null);
  for (const p of points) {
    if (p.mean === null) continue;
    const h = new Date(p.t).getUTCHours();
    sum[h] = (sum[h] as number) + p.mean;
    count[h] = (count[h] as number) + 1;
    min[h] = Math.min(min[h] ?? Infinity, p.mean);
    max[h] = Math.max(max[h] ?? -Infinity, p.mean);
  }
  return {
    hour: Array.from({ length: 24 }, (_, i) => i),
    mean: sum.map((s, i) => ((count[i] as number) ? s / (count[i] as number) : null)),
    min,
    max,
  };
}

/** Splits values by QC flag: values that pass (or were not evaluated) on the line, 3 and 4 as points. */
export function splitByQc(
  values: readonly (number | null)[],
  flags: readonly (number | null)[],
): { ok: (number | null)[]; suspect: (number | null)[]; failed: (number | null)[] } {
  const ok: (number | null)[] = [];
  const suspect: (number | null)[] = [];
  const failed: (number | null)[] = [];
  values.forEach((v, i) => {
    const f = flags[i];
    ok.push(f === 3 || f === 4 ? null : v);
    suspect.push(f === 3 ? v : null);
    failed.push(f === 4 ? v : null);
  });
  return { ok, suspect, failed };
}

/**
 * Where to mark the hours that had failed values on a chart of hourly means: on the mean line, or,
 * for an hour whose every value failed (no mean), at the last mean before it (the first after it at
 * the start). Null for hours without failed values.
 */
export function failedMarkers(
  failed: readonly (number | null)[],
  means: readonly (number | null)[],
): (number | null)[] {
  let last: number | null = means.find((v) => v !== null) ?? 0;
  return failed.map((n, i) => {
    const mean = means[i] ?? null;
    if (mean !== null) last = mean;
    return n !== null && n > 0 ? (mean ?? last) : null;
  });
}
