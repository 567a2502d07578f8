/** Shared formatting and DOM helpers for the views. */
export function utc(msValue: number | null | undefined): string {
  if (msValue === null || msValue === undefined) return '—';
  return `${new Date(msValue).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function fixed(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}

/** Creates an element with attributes and children (strings become text nodes: never HTML). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | undefined> = {},
  ...children: (Node | string | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) e.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

export function shortId(station: string): string {
  return station.length > 13 ? `${station.slice(0, 8)}…${station.slice(-4)}` : station;
}

/** `52.37310° N, 4.89220° E`: a place in words a person reads without a map. */
export function placeText(latitude: number, longitude: number): string {
  const lat = `${Math.abs(latitude).toFixed(5)}° ${latitude < 0 ? 'S' : 'N'}`;
  const lon = `${Math.abs(longitude).toFixed(5)}° ${longitude < 0 ? 'W' : 'E'}`;
  return `${lat}, ${lon}`;
}
