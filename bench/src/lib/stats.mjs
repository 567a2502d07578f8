/**
 * Summary statistics of repeated measurements. The median is the headline figure (robust to one
 * noisy repetition on a shared machine); min/max and the quartiles show the spread.
 */

/** Quantile by linear interpolation between closest ranks (the same as numpy's default). */
function quantile(sorted, q) {
  if (sorted.length === 1) return sorted[0];
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Rounds to a precision that keeps 3–4 significant digits without hiding small figures. */
export function round(x) {
  if (!Number.isFinite(x)) return x;
  const a = Math.abs(x);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : a >= 0.01 ? 4 : 6;
  return Number(x.toFixed(digits));
}

/**
 * `{ median, min, max, q1, q3, n, unit }` of the samples; a figure measured once says so (n = 1).
 * @param {number[]} samples
 * @param {string} unit
 */
export function summarize(samples, unit) {
  const values = samples.filter((v) => typeof v === 'number' && Number.isFinite(v));
  if (values.length === 0) throw new Error(`no finite samples to summarise (unit ${unit})`);
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: round(quantile(sorted, 0.5)),
    min: round(sorted[0]),
    max: round(sorted[sorted.length - 1]),
    q1: round(quantile(sorted, 0.25)),
    q3: round(quantile(sorted, 0.75)),
    n: sorted.length,
    unit,
  };
}

/**
 * Summarises every numeric field of a list of per-repetition results.
 * @param {Record<string, number>[]} reps
 * @param {Record<string, string>} units  field name -> unit; fields without a unit are left out
 */
export function summarizeFields(reps, units) {
  const figures = {};
  for (const [field, unit] of Object.entries(units)) {
    const samples = reps.map((r) => r[field]).filter((v) => typeof v === 'number');
    if (samples.length > 0) figures[field] = summarize(samples, unit);
  }
  return figures;
}
