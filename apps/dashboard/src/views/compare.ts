import { PALETTE } from '../aqi.js';
import { chart } from '../chart.js';
import type { ViewContext } from '../context.js';
import { ms, num, stationNames } from '../data.js';
import { el, shortId } from '../format.js';
import { chooseMeasurement, label, measurementsOf, unit } from '../measurements.js';
import { daysCovering, defaultRange, rangeMs } from '../state.js';
import { measurementSelect, rangeControls } from './controls.js';

/** One measurement for several stations on one time axis (hourly means). */
export async function renderCompare(ctx: ViewContext): Promise<void> {
  const { lake, root } = ctx;
  const all = lake.stations();
  const chosen = (ctx.state.stations ?? []).filter((s) => all.includes(s));
  const stations = chosen.length ? chosen : all.slice(0, 4);
  const lastFiles = all.map((s) => lake.latest('stations', s)).filter((f) => f !== undefined);
  const infos = (await Promise.all(lastFiles.map((f) => lake.read(f)))).map((rows) => rows[0]);
  const lasts = infos.map((r) => ms(r?.last_reading)).filter((v): v is number => v !== null);
  const names = stationNames(infos);
  const nameOf = (s: string) => names.get(s) ?? shortId(s);
  const lastReading = lasts.length ? Math.max(...lasts) : null;
  const { from, to } =
    ctx.state.from && ctx.state.to
      ? { from: ctx.state.from, to: ctx.state.to }
      : defaultRange(lastReading ?? Date.now());
  const { start, end } = rangeMs(from, to);
  const firstHourly = stations.map((s) => lake.latest('hourly', s)).find((f) => f !== undefined);
  const measurements = firstHourly ? measurementsOf(await lake.columns(firstHourly)) : [];
  const m = chooseMeasurement(ctx.state.m, measurements);
  ctx.state = { ...ctx.state, view: 'compare', stations, m, from, to };

  const boxes = el('fieldset', { class: 'stations' }, el('legend', {}, 'Stations'));
  all.forEach((s) => {
    const id = `cmp-${s}`;
    const box = el('input', { type: 'checkbox', id, value: s, 'data-testid': 'compare-station' });
    box.checked = stations.includes(s);
    box.addEventListener('change', () => {
      const next = all.filter((x) => (x === s ? box.checked : stations.includes(x)));
      ctx.navigate({ ...ctx.state, stations: next.length ? next : [s] });
    });
    boxes.append(el('label', { for: id, title: s }, box, ` ${nameOf(s)}`));
  });
  root.append(
    el('h1', {}, 'Compare'),
    el(
      'div',
      { class: 'controls' },
      measurementSelect(ctx, measurements, m),
      rangeControls(ctx, from, to, lastReading),
      boxes,
    ),
  );

  const perStation = await Promise.all(
    stations.map((s) => lake.rows('hourly', s, 'hour', start, end, [`${m}_mean`])),
  );
  // One x axis: the union of hours; a station without that hour gets a gap.
  const hours = [...new Set(perStation.flatMap((rows) => rows.map((r) => ms(r.hour) as number)))].sort(
    (a, b) => a - b,
  );
  const index = new Map(hours.map((h, i) => [h, i]));
  const columns = perStation.map((rows) => {
    const col = new Array<number | null>(hours.length).fill(null);
    for (const r of rows) col[index.get(ms(r.hour) as number) as number] = num(r[`${m}_mean`]);
    return col;
  });
  const charts = el('section', { class: 'charts' });
  root.append(charts);
  chart(charts, {
    title: `${label(m)} (${unit(m)}), hourly means`,
    data: [hours.map((h) => h / 1000), ...columns],
    series: stations.map((s, i) => ({
      label: nameOf(s),
      colour: PALETTE[i % PALETTE.length] as string,
      width: 2,
    })),
    yLabel: unit(m),
    xRange: [start / 1000, end / 1000],
    onZoom: (min, max) => ctx.navigate({ ...ctx.state, ...daysCovering(min * 1000, max * 1000) }),
  });
}
