import type { ViewContext } from '../context.js';
import { displayName, fleetRows, sortFleet, type Uptime } from '../fleet-data.js';
import { el, fixed, placeText, shortId, utc } from '../format.js';
import { formatState } from '../state.js';
import { stationMap } from './map.js';
import { aqiBadge } from './widgets.js';

const COLUMNS: { key: string; label: string }[] = [
  { key: 'station', label: 'Station' },
  { key: 'last_reading', label: 'Last reading' },
  { key: 'aqi', label: 'AQI now (NowCast)' },
  { key: 'uptime', label: 'Uptime, last 7 days' },
  { key: 'warnings', label: 'Data-quality warnings' },
];

const count = (n: number) => n.toLocaleString('en-GB');

/** The uptime cell: the percentage and, always, what it is a share of. */
function uptimeCell(u: Uptime | null): HTMLElement {
  if (u === null) return el('td', { 'data-testid': 'uptime' }, '—');
  return el(
    'td',
    {
      'data-testid': 'uptime',
      'data-value': String(u.pct),
      'data-received': String(u.received),
      'data-expected': u.expected === null ? '' : String(u.expected),
    },
    `${fixed(u.pct)} %`,
    el(
      'span',
      { class: 'muted small' },
      u.expected === null
        ? ' no reading in the window'
        : ` ${count(u.received)} of ${count(u.expected)} readings`,
    ),
  );
}

export async function renderFleet(ctx: ViewContext): Promise<void> {
  const { lake, state, root, navigate } = ctx;
  const fleet = await fleetRows(lake);
  const rows = sortFleet(fleet.rows, state.sort);
  const current = state.sort ?? 'station';
  const table = el('table', { class: 'fleet', 'data-testid': 'fleet-table' });
  const head = el('tr');
  for (const c of COLUMNS) {
    const active = current.replace(/^-/, '') === c.key;
    const desc = active && current.startsWith('-');
    const button = el(
      'button',
      { type: 'button', class: 'sort', 'data-sort': c.key },
      c.label,
      active ? (desc ? ' ▼' : ' ▲') : '',
    );
    button.addEventListener('click', () =>
      navigate({ ...state, sort: active && !desc ? `-${c.key}` : c.key }),
    );
    head.append(
      el('th', { scope: 'col', 'aria-sort': active ? (desc ? 'descending' : 'ascending') : 'none' }, button),
    );
  }
  table.append(el('thead', {}, head));
  const body = el('tbody');
  for (const r of rows) {
    const link = el(
      'a',
      { href: formatState({ view: 'station', station: r.station }), 'data-station': r.station },
      displayName(r),
    );
    link.addEventListener('click', (e) => {
      e.preventDefault();
      navigate({ view: 'station', station: r.station });
    });
    body.append(
      el(
        'tr',
        { 'data-testid': 'fleet-row', 'data-station': r.station },
        el(
          'td',
          { 'data-testid': 'station-cell', 'data-name': r.name ?? '' },
          link,
          el(
            'div',
            { class: 'muted small' },
            r.name ? el('span', { class: 'mono', title: r.station }, shortId(r.station)) : null,
            r.board ? ` ${r.board}` : null,
            r.place ? ` · ${placeText(r.place.latitude, r.place.longitude)}` : null,
          ),
        ),
        el(
          'td',
          {
            'data-testid': 'last-reading',
            'data-value': r.lastReading === null ? '' : new Date(r.lastReading).toISOString(),
          },
          utc(r.lastReading),
        ),
        el('td', {}, aqiBadge(r.aqi, r.category)),
        uptimeCell(r.uptime),
        el(
          'td',
          {},
          r.warnings.length
            ? el('ul', { class: 'warnings' }, ...r.warnings.map((w) => el('li', {}, `⚠ ${w}`)))
            : el('span', { class: 'ok' }, '✓ none'),
        ),
      ),
    );
  }
  table.append(body);
  const span = fleet.window;
  root.append(
    el('h1', {}, 'Fleet'),
    el(
      'p',
      { class: 'muted', 'data-testid': 'uptime-window' },
      `${rows.length} stations. Click a column to sort, a station to open it. Uptime: readings received from ${
        span ? utc(span.start) : '—'
      } to the fleet's newest reading (${span ? utc(span.end) : '—'}), against one every usual interval of the station over that whole window, days without data included.`,
    ),
    el('div', { class: 'table-wrap' }, table),
    stationMap(rows, (station) => navigate({ view: 'station', station })),
  );
}
