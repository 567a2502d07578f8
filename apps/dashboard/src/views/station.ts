import { aqiBands, WHO_PM25_24H } from '../aqi.js';
import { chart, overWholeDays } from '../chart.js';
import type { ViewContext } from '../context.js';
import { ms, num, type Row, stationNames } from '../data.js';
import { el, fixed, placeText, utc } from '../format.js';
import { chooseMeasurement, label, measurementsOf, unit } from '../measurements.js';
import { failedMarkers, hourOfDayProfile, splitByQc } from '../series.js';
import { daysCovering, defaultRange, rangeMs } from '../state.js';
import { measurementSelect, rangeControls, select, stationOptions } from './controls.js';
import { aqiBadge } from './widgets.js';

const DAY = 86_400_000;
/** Ranges up to this long are drawn from silver (every reading, QC flags visible). */
const SILVER_MAX = 2 * DAY;

const sec = (t: number) => t / 1000;

export async function renderStation(ctx: ViewContext): Promise<void> {
  const { lake, root } = ctx;
  const stations = lake.stations();
  const station = ctx.state.station && stations.includes(ctx.state.station) ? ctx.state.station : stations[0];
  if (!station) {
    root.append(el('p', {}, 'The catalog lists no station yet: run "opensensor lake build".'));
    return;
  }
  const stationsFile = lake.latest('stations', station);
  const hourlyFile = lake.latest('hourly', station);
  const aqiFile = lake.latest('aqi_hourly', station);
  // Every gold file this view needs, fetched at once (each in one request): the first chart waits
  // for one round trip, not a chain of them.
  const healthFile = lake.latest('station_health_daily', station);
  for (const f of [hourlyFile, aqiFile, healthFile]) if (f) void lake.columns(f).catch(() => undefined);
  const info = stationsFile ? (await lake.read(stationsFile))[0] : undefined;
  const lastReading = ms(info?.last_reading);
  const { from, to } =
    ctx.state.from && ctx.state.to
      ? { from: ctx.state.from, to: ctx.state.to }
      : defaultRange(lastReading ?? Date.now(), 7, ms(info?.first_reading));
  const { start, end } = rangeMs(from, to);
  const measurements = hourlyFile ? measurementsOf(await lake.columns(hourlyFile)) : [];
  const m = chooseMeasurement(ctx.state.m, measurements);
  // The state as drawn (defaults filled in), so every link and control starts from it.
  ctx.state = { ...ctx.state, view: 'station', station, m, from, to };

  const name = typeof info?.name === 'string' && info.name ? info.name : null;
  const latitude = num(info?.latitude);
  const longitude = num(info?.longitude);
  root.append(
    el(
      'h1',
      {},
      name ? el('span', { 'data-testid': 'station-name' }, name) : 'Station ',
      ' ',
      el('span', { class: name ? 'mono small muted' : 'mono', 'data-testid': 'station-id' }, station),
    ),
    latitude !== null && longitude !== null
      ? el(
          'p',
          {
            class: 'muted',
            'data-testid': 'station-place',
            'data-latitude': String(latitude),
            'data-longitude': String(longitude),
          },
          `Location ${placeText(latitude, longitude)}`,
        )
      : el(
          'p',
          { class: 'muted', 'data-testid': 'station-place' },
          'No coordinates configured (OPENSENSOR_STATION_LATITUDE, _LONGITUDE).',
        ),
    el(
      'div',
      { class: 'controls' },
      select('station', 'Station', stationOptions(stations), station, (v) =>
        ctx.navigate({ ...ctx.state, station: v }),
      ),
      measurementSelect(ctx, measurements, m),
      rangeControls(ctx, from, to, lastReading),
    ),
  );

  // Now: last reading and AQI (NowCast), whatever the range. The AQI tile is filled after the first
  // chart: decoding the whole AQI file first would delay that chart.
  const aqiTile = el('div', { class: 'tile' }, el('h2', {}, 'AQI now (NowCast)'));
  root.append(
    el(
      'section',
      { class: 'tiles', 'aria-label': 'Now' },
      el(
        'div',
        { class: 'tile' },
        el('h2', {}, 'Last reading'),
        el(
          'p',
          {
            'data-testid': 'last-reading',
            'data-value': lastReading === null ? '' : new Date(lastReading).toISOString(),
          },
          utc(lastReading),
        ),
        el(
          'p',
          { class: 'muted' },
          `${info?.board ?? 'unknown board'}, ${num(info?.readings) ?? 0} readings over ${num(info?.days) ?? 0} days`,
        ),
      ),
      aqiTile,
    ),
  );

  const charts = el('section', { class: 'charts', 'aria-label': 'Charts' });
  root.append(charts);
  const xRange: [number, number] = [sec(start), sec(end)];
  const onZoom = (min: number, max: number) => {
    const range = daysCovering(min * 1000, max * 1000);
    ctx.navigate({ ...ctx.state, ...range });
  };

  const silverMode = end - start <= SILVER_MAX;
  // In hourly mode, this measurement's failed values in the range: the days' counts (whole days).
  const [hourly, failedDays] = await Promise.all([
    lake.rows('hourly', station, 'hour', start, end, [
      'readings',
      'failed',
      `${m}_mean`,
      `${m}_min`,
      `${m}_max`,
      `${m}_failed`,
    ]),
    silverMode
      ? Promise.resolve([])
      : lake.rows('station_health_daily', station, 'day', start, end, [`${m}_failed`]),
  ]);
  const title = `${label(m)} (${unit(m)})`;
  if (silverMode) {
    const silver = await lake.rows('readings', station, 'timestamp', start, end, [m, `${m}_qc`]);
    const values = silver.map((r) => num(r[m]));
    const flags = silver.map((r) => num(r[`${m}_qc`]));
    const { ok, suspect, failed } = splitByQc(values, flags);
    const nFailed = failed.filter((v) => v !== null).length;
    const nSuspect = suspect.filter((v) => v !== null).length;
    performance.mark('os:data');
    const figure = chart(charts, {
      title: `${title}: every reading (silver); ${nFailed} failed QC, ${nSuspect} suspect, drawn as points`,
      data: [silver.map((r) => sec(ms(r.timestamp) as number)), ok, suspect, failed],
      series: [
        { label: label(m) },
        { label: 'suspect (QC 3)', points: true, colour: '#e69f00' },
        { label: 'failed (QC 4)', points: true, colour: '#d55e00' },
      ],
      yLabel: unit(m),
      xRange,
      onZoom,
    });
    qcCounts(figure, nFailed, nSuspect);
  } else {
    const nFailed = failedDays.reduce((a, r) => a + (num(r[`${m}_failed`]) ?? 0), 0);
    const failedPerHour = hourly.map((r) => num(r[`${m}_failed`]));
    const means = hourly.map((r) => num(r[`${m}_mean`]));
    performance.mark('os:data');
    const figure = chart(charts, {
      title: `${title}: hourly mean with min–max band; ${nFailed} values failed QC, left out of the means, their hours marked (zoom to a day or two to see each value)`,
      data: [
        hourly.map((r) => sec(ms(r.hour) as number)),
        means,
        hourly.map((r) => num(r[`${m}_min`])),
        hourly.map((r) => num(r[`${m}_max`])),
        failedMarkers(failedPerHour, means),
      ],
      series: [
        { label: 'mean', width: 2 },
        { label: 'min', colour: 'rgba(0,114,178,0.4)', width: 1 },
        { label: 'max', colour: 'rgba(0,114,178,0.4)', width: 1, bandTo: 1 },
        {
          label: 'values failed QC (4) in the hour',
          points: true,
          colour: '#d55e00',
          legendValues: failedPerHour,
        },
      ],
      yLabel: unit(m),
      xRange,
      onZoom,
    });
    qcCounts(figure, nFailed, null);
  }
  performance.mark('os:first-chart');
  root.dataset.firstChart = String(performance.now());

  const aqiLatest = aqiFile
    ? (await lake.read(aqiFile)).filter((r) => num(r.aqi) !== null).at(-1)
    : undefined;
  aqiTile.append(
    el('p', {}, aqiBadge(num(aqiLatest?.aqi), (aqiLatest?.category as string | undefined) ?? null)),
    el(
      'p',
      { class: 'muted' },
      aqiLatest
        ? `hour of ${utc(ms(aqiLatest.hour))}: PM2.5 NowCast ${fixed(num(aqiLatest.pm25_nowcast))} µg/m³, PM10 NowCast ${fixed(num(aqiLatest.pm10_nowcast))} µg/m³; 24 h: ${(aqiLatest.category_24h as string | null) ?? '—'}`
        : 'needs at least 2 of the last 3 hours of PM',
    ),
  );

  const aqiRows = await lake.rows('aqi_hourly', station, 'hour', start, end);
  if (aqiRows.length) {
    const x = aqiRows.map((r) => sec(ms(r.hour) as number));
    chart(charts, {
      title: 'US AQI (NowCast, EPA 2024 breakpoints) over time, on its categories (named on the right)',
      data: [
        x,
        aqiRows.map((r) => num(r.aqi)),
        aqiRows.map((r) => num(r.aqi_pm25)),
        aqiRows.map((r) => num(r.aqi_pm10)),
      ],
      // Told apart by colour (Okabe–Ito black, blue, vermilion), width and dash alike.
      series: [
        { label: 'AQI (the worse of the two)', colour: '#000000', width: 4 },
        { label: 'AQI of PM2.5', colour: '#0072b2', width: 2, dash: [10, 5] },
        { label: 'AQI of PM10', colour: '#d55e00', width: 2, dash: [2, 4] },
      ],
      yLabel: 'AQI',
      yBands: aqiBands(),
      yAtLeast: 100,
      xRange,
      onZoom,
    });
    chart(charts, {
      title: 'PM2.5, 24-hour rolling mean, with the WHO 2021 24-hour guideline (15 µg/m³) and 45 µg/m³',
      data: [
        x,
        aqiRows.map((r) => num(r.pm25_24h_mean)),
        aqiRows.map((r) => num(r.pm25_mean)),
        x.map(() => WHO_PM25_24H[0]),
        x.map(() => WHO_PM25_24H[1]),
      ],
      series: [
        { label: 'PM2.5 24 h mean', width: 2 },
        { label: 'PM2.5 hourly mean', colour: '#56b4e9', width: 1 },
        { label: 'WHO 15 µg/m³', colour: '#009e73', dash: [6, 4] },
        { label: '45 µg/m³', colour: '#d55e00', dash: [6, 4] },
      ],
      yLabel: 'µg/m³',
      xRange,
      onZoom,
    });
  }

  const profile = hourOfDayProfile(
    hourly.map((r) => ({ t: ms(r.hour) as number, mean: num(r[`${m}_mean`]) })),
  );
  chart(charts, {
    title: `${label(m)} by hour of day (UTC): mean of the hourly means, with their range`,
    data: [profile.hour, profile.mean, profile.min, profile.max],
    series: [
      { label: 'mean', width: 2 },
      { label: 'lowest', colour: 'rgba(0,114,178,0.4)', width: 1 },
      { label: 'highest', colour: 'rgba(0,114,178,0.4)', width: 1, bandTo: 1 },
    ],
    time: false,
    yLabel: unit(m),
  });

  await healthSection(ctx, station, start, end, m, info);
  await nameStationOptions(ctx, stations);
}

/** Gives the station select the stations' names, once the page has drawn (one small file each). */
async function nameStationOptions(ctx: ViewContext, stations: string[]): Promise<void> {
  const files = stations.map((s) => ctx.lake.latest('stations', s)).filter((f) => f !== undefined);
  const names = stationNames((await Promise.all(files.map((f) => ctx.lake.read(f)))).map((rows) => rows[0]));
  for (const option of ctx.root.querySelectorAll<HTMLOptionElement>(
    '[data-testid="select-station"] option',
  )) {
    const name = names.get(option.value);
    if (name) option.textContent = name;
  }
}

/** The QC counts a chart shows, on its figure for tests and tools. */
function qcCounts(figure: HTMLElement, failed: number, suspect: number | null): void {
  figure.dataset.qcFailed = String(failed);
  if (suspect !== null) figure.dataset.qcSuspect = String(suspect);
}

async function healthSection(
  ctx: ViewContext,
  station: string,
  start: number,
  end: number,
  m: string,
  info: Row | undefined,
): Promise<void> {
  const rows = await ctx.lake.rows('station_health_daily', station, 'day', start, end);
  const section = el(
    'section',
    { class: 'health', 'aria-label': 'Device health' },
    el('h2', {}, 'Device health'),
  );
  // Attached first, so the charts below take the page's width.
  ctx.root.append(section);
  section.append(
    el(
      'p',
      {},
      `Last health record ${utc(ms(info?.last_health))}: CPU ${fixed(num(info?.last_cpu_temp_c))} °C, disk free ${fixed(num(info?.last_disk_free_gb))} GB, clock ${
        info?.last_clock_synced === true
          ? 'synchronised'
          : info?.last_clock_synced === false
            ? 'NOT synchronised'
            : 'unknown'
      }.`,
    ),
  );
  if (!rows.length) {
    section.append(el('p', { class: 'muted' }, 'No health rows in this range.'));
    return;
  }
  const head = [
    'day',
    'uptime',
    'longest gap',
    'readings failed QC',
    `${label(m)} failed / missing`,
    'clock unsynced',
    'NTP offset max',
    'CPU max',
    'disk free min',
  ];
  const table = el(
    'table',
    { class: 'health-table' },
    el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, h)))),
  );
  const body = el('tbody');
  for (const r of rows) {
    body.append(
      el(
        'tr',
        {},
        el('td', {}, new Date(ms(r.day) as number).toISOString().slice(0, 10)),
        el('td', {}, `${fixed(num(r.uptime_pct))} %`),
        el('td', {}, `${fixed(num(r.longest_gap_s), 0)} s`),
        el('td', {}, String(num(r.failed) ?? 0)),
        el('td', {}, `${num(r[`${m}_failed`]) ?? '—'} / ${num(r[`${m}_missing`]) ?? '—'}`),
        el(
          'td',
          {},
          `${num(r.unsynced_readings) ?? 0} readings, ${num(r.clock_unsynced_records) ?? 0} records`,
        ),
        el('td', {}, `${fixed(num(r.ntp_offset_ms_max), 0)} ms`),
        el('td', {}, `${fixed(num(r.cpu_temp_c_max))} °C`),
        el('td', {}, `${fixed(num(r.disk_free_gb_min))} GB`),
      ),
    );
  }
  table.append(body);
  section.append(el('div', { class: 'table-wrap' }, table));
  const x = rows.map((r) => sec(ms(r.day) as number));
  const xRange: [number, number] = [sec(start), sec(end)];
  chart(section, {
    title: 'Uptime per day (%)',
    data: overWholeDays(
      x,
      rows.map((r) => num(r.uptime_pct)),
    ),
    series: [{ label: 'uptime %', width: 2, stepped: true }],
    yLabel: '%',
    yRange: [0, 100],
    height: 160,
    xRange,
  });
  chart(section, {
    title: 'CPU temperature, daily maximum (°C)',
    data: overWholeDays(
      x,
      rows.map((r) => num(r.cpu_temp_c_max)),
    ),
    series: [{ label: 'CPU max °C', colour: '#d55e00', width: 2, stepped: true }],
    yLabel: '°C',
    height: 160,
    xRange,
  });
}
