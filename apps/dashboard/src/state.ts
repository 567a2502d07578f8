/** The view's state lives in the URL's query string, so any view can be shared or bookmarked. */
export type ViewName = 'fleet' | 'station' | 'compare';

export interface ViewState {
  view: ViewName;
  /** Station id (station view). */
  station?: string;
  /** Stations (compare view). */
  stations?: string[];
  /** Measurement column, e.g. `pm25`. */
  m?: string;
  /** First UTC day shown, `YYYY-MM-DD`. */
  from?: string;
  /** Last UTC day shown (inclusive), `YYYY-MM-DD`. */
  to?: string;
  /** Fleet table sort: a column key, `-` in front for descending. */
  sort?: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const VIEWS: readonly ViewName[] = ['fleet', 'station', 'compare'];

export function parseState(search: string): ViewState {
  const q = new URLSearchParams(search);
  const view = q.get('view');
  const state: ViewState = { view: VIEWS.includes(view as ViewName) ? (view as ViewName) : 'fleet' };
  const station = q.get('station');
  if (station) state.station = station;
  const stations = q.get('stations');
  if (stations) state.stations = stations.split(',').filter(Boolean);
  const m = q.get('m');
  if (m && /^[a-z0-9_]+$/.test(m)) state.m = m;
  const from = q.get('from');
  const to = q.get('to');
  if (from && DAY.test(from)) state.from = from;
  if (to && DAY.test(to)) state.to = to;
  const sort = q.get('sort');
  if (sort && /^-?[a-z_]+$/.test(sort)) state.sort = sort;
  return state;
}

export function formatState(state: ViewState): string {
  const q = new URLSearchParams();
  q.set('view', state.view);
  if (state.station) q.set('station', state.station);
  if (state.stations?.length) q.set('stations', state.stations.join(','));
  if (state.m) q.set('m', state.m);
  if (state.from) q.set('from', state.from);
  if (state.to) q.set('to', state.to);
  if (state.sort) q.set('sort', state.sort);
  return `?${q.toString().replaceAll('%2C', ',')}`;
}

const MS_DAY = 86_400_000;

/** `YYYY-MM-DD` of a time (UTC). */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The half-open time range [start, end) in ms of the inclusive day range `from`…`to`. */
export function rangeMs(from: string, to: string): { start: number; end: number } {
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`) + MS_DAY;
  return end > start ? { start, end } : { start, end: start + MS_DAY };
}

/** The range in URL form for [start, end): the days that contain it. */
export function daysCovering(start: number, end: number): { from: string; to: string } {
  return { from: dayOf(start), to: dayOf(Math.max(start, end - 1)) };
}

/** The default range: the `days` days up to and including the day of `lastMs`, not before `firstMs`. */
export function defaultRange(
  lastMs: number,
  days = 7,
  firstMs?: number | null,
): { from: string; to: string } {
  const from = Math.max(lastMs - (days - 1) * MS_DAY, firstMs ?? -Infinity);
  return { from: dayOf(from), to: dayOf(lastMs) };
}

/** Shifts an inclusive day range by its own length (`dir` −1 earlier, +1 later). */
export function shiftRange(from: string, to: string, dir: -1 | 1): { from: string; to: string } {
  const { start, end } = rangeMs(from, to);
  const len = end - start;
  return daysCovering(start + dir * len, end + dir * len);
}
