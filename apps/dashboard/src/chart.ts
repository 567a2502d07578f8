import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { PALETTE } from './aqi.js';
import { el } from './format.js';

export interface SeriesSpec {
  label: string;
  colour?: string;
  /** Draw points only (QC-flagged values). */
  points?: boolean;
  dash?: number[];
  width?: number;
  /** Fill this series down to the series at index `bandTo` (a min/max band). */
  bandTo?: number;
  fill?: string;
  hidden?: boolean;
  /** What the legend shows for this series at the cursor, instead of its y (a count, for markers). */
  legendValues?: readonly (number | null)[];
  /** Each value holds from its x to the next x (a day's figure over the whole day, see `overWholeDays`). */
  stepped?: boolean;
}

const DAY_S = 86_400;

/**
 * Daily figures drawn over the days they describe: `x` are the days' starts (seconds), and a last
 * point at the end of the last day repeats its value, so that with `stepped` each day is a level
 * line from its 00:00 to the next, not a point at midnight that reads as the value at that time.
 */
export function overWholeDays(
  x: readonly number[],
  ...series: readonly (readonly (number | null)[])[]
): (number | null)[][] {
  const last = x.length - 1;
  if (last < 0) return [[...x], ...series.map((v) => [...v])];
  return [[...x, (x[last] as number) + DAY_S], ...series.map((v) => [...v, v[last] ?? null])];
}

export interface ChartSpec {
  title: string;
  /** x in seconds (time axis) or plain numbers when `time` is false. */
  data: (number | null)[][];
  series: SeriesSpec[];
  yLabel?: string;
  time?: boolean;
  height?: number;
  /** The x range to show (seconds), whatever the data covers. */
  xRange?: [number, number];
  /** Called with the selected x range (seconds) after a drag-zoom. */
  onZoom?: (min: number, max: number) => void;
  /**
   * Horizontal bands behind the series (the AQI categories), each filled with its colour and
   * labelled with its name in words at the plot's right edge, so colour is never the only cue.
   */
  yBands?: readonly YBand[];
  /** The y axis starts at 0 and reaches at least this value (the data can take it higher). */
  yAtLeast?: number;
  /** A fixed y range (a percentage: 0 to 100, whatever the data). */
  yRange?: [number, number];
}

export interface YBand {
  from: number;
  to: number;
  colour: string;
  label: string;
}

/** Draws `bands` behind the series: a pale fill and the band's name, where the band is in view. */
function drawYBands(u: uPlot, bands: readonly YBand[]): void {
  const { ctx, bbox } = u;
  const yMin = u.scales.y?.min;
  const yMax = u.scales.y?.max;
  if (yMin === undefined || yMax === undefined) return;
  const px = devicePixelRatio || 1;
  ctx.save();
  ctx.font = `${12 * px}px system-ui, sans-serif`;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'top';
  for (const b of bands) {
    const lo = Math.max(b.from, yMin);
    const hi = Math.min(b.to, yMax);
    if (hi <= lo) continue;
    const top = u.valToPos(hi, 'y', true);
    const bottom = u.valToPos(lo, 'y', true);
    ctx.globalAlpha = 0.22;
    ctx.fillStyle = b.colour;
    ctx.fillRect(bbox.left, top, bbox.width, bottom - top);
    if (bottom - top >= 14 * px) {
      ctx.globalAlpha = 1;
      ctx.fillStyle = '#222';
      ctx.fillText(b.label, bbox.left + bbox.width - 4 * px, top + 2 * px);
    }
  }
  ctx.restore();
}

const pad = (n: number) => String(n).padStart(2, '0');

/** 24-hour UTC tick labels: the date at midnight (or when ticks are days apart), else the time. */
function utcTicks(_u: uPlot, splits: number[], _axis: number, _space: number, incr: number): string[] {
  return splits.map((v) => {
    const d = new Date(v * 1000);
    const day = `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
    const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
    if (incr >= 86_400) return day;
    return d.getUTCHours() === 0 && d.getUTCMinutes() === 0 ? `${day}\n${time}` : time;
  });
}

/**
 * The narrowest y range a chart fits to its data: 0.5 % of the values' size, at least 0.1. A series
 * that is nearly constant (a daily CPU maximum of 53.0 °C, give or take a float's last bits) otherwise
 * got ticks a millionth apart, all labelled "53".
 */
function minimumSpan(min: number, max: number): number {
  return Math.max(0.1, 0.005 * Math.max(Math.abs(min), Math.abs(max)));
}

/**
 * The y scale of a chart: fixed (`yRange`; uPlot puts a constant series in the middle of its range, so
 * a steady 100 % uptime drew an axis up to 200 %), from 0 (`yAtLeast`), or uPlot's own fit to the data,
 * widened to at least {@link minimumSpan} around a series that is nearly but not exactly constant.
 */
export function yScale(spec: Pick<ChartSpec, 'yAtLeast' | 'yRange'>): { y: uPlot.Scale } {
  const fixed = spec.yRange;
  if (fixed) return { y: { range: (): uPlot.Range.MinMax => [fixed[0], fixed[1]] } };
  const atLeast = spec.yAtLeast;
  if (atLeast === undefined)
    return {
      y: {
        range: (_u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax => {
          if (min === null || max === null) return [null, null];
          const span = minimumSpan(min, max);
          // A truly constant series keeps uPlot's range (from 0: a steady 53 °C on 0-106).
          if (max === min || max - min >= span) return uPlot.rangeNum(min, max, 0.1, true);
          const mid = (min + max) / 2;
          return [mid - span / 2, mid + span / 2];
        },
      },
    };
  return {
    y: {
      range: (_u: uPlot, _min: number, max: number): uPlot.Range.MinMax => [
        0,
        Math.max(atLeast, Math.ceil((max * 1.05) / 10) * 10),
      ],
    },
  };
}

/** A uPlot chart in a titled figure; returns the figure. Charts are sized to their container. */
export function chart(parent: HTMLElement, spec: ChartSpec): HTMLElement {
  const figure = el('figure', { class: 'chart', 'data-chart': spec.title });
  figure.append(el('figcaption', {}, spec.title));
  parent.append(figure);
  const width = Math.max(320, figure.clientWidth || parent.clientWidth || 800);
  const series: uPlot.Series[] = [
    spec.time === false ? { label: 'x' } : { label: 'time (UTC)' },
    ...spec.series.map((s, i) => {
      const colour = s.colour ?? (PALETTE[i % PALETTE.length] as string);
      const out: uPlot.Series = { label: s.label, stroke: colour, width: s.width ?? 1.5, spanGaps: false };
      if (s.dash) out.dash = s.dash;
      if (s.hidden) out.show = false;
      const shown = s.legendValues;
      if (shown)
        out.value = (_u, _v, _si, i) => (i === null || i === undefined ? '--' : String(shown[i] ?? 0));
      if (s.points) {
        out.paths = () => null;
        out.points = { show: true, size: 7, stroke: colour, fill: colour };
      } else if (s.stepped) {
        out.paths = uPlot.paths.stepped?.({ align: 1 });
        out.points = { show: false };
      } else {
        // Sparse series show their points, so a single day or hour is still visible.
        out.points = { show: (spec.data[0]?.length ?? 0) <= 40 };
      }
      return out;
    }),
  ];
  const bands: uPlot.Band[] = [];
  spec.series.forEach((s, i) => {
    if (s.bandTo !== undefined)
      bands.push({ series: [i + 1, s.bandTo + 1], fill: s.fill ?? 'rgba(0,114,178,0.15)' });
  });
  let zooming = false;
  const opts: uPlot.Options = {
    width,
    height: spec.height ?? 260,
    series,
    bands,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    scales: {
      x: { time: spec.time !== false, ...(spec.xRange ? { range: spec.xRange } : {}) },
      ...yScale(spec),
    },
    axes: [
      spec.time === false ? {} : { values: utcTicks, space: 60 },
      { label: spec.yLabel ?? '', size: 60 },
    ],
    cursor: { drag: { x: true, y: false, setScale: true } },
    // The legend shows a dashed series as dashed: with colour, a second cue to tell lines apart.
    legend: { markers: { dash: (u, i) => (u.series[i]?.dash ? 'dashed' : 'solid') } },
    hooks: {
      ...(spec.yBands ? { drawClear: [(u: uPlot) => drawYBands(u, spec.yBands ?? [])] } : {}),
      setSelect: [() => (zooming = true)],
      setScale: [
        (u, key) => {
          if (key !== 'x' || !zooming || !spec.onZoom) return;
          zooming = false;
          const { min, max } = u.scales.x ?? {};
          if (min !== undefined && max !== undefined) spec.onZoom(min, max);
        },
      ],
    },
  };
  new uPlot(opts, spec.data as uPlot.AlignedData, figure);
  return figure;
}
