import type { ViewContext } from '../context.js';
import { fleetRows, sortFleet } from '../fleet-data.js';
import { el, fixed, utc } from '../format.js';
import { formatState } from '../state.js';
import { aqiBadge } from './widgets.js';

const COLUMNS: { key: string; label: string }[] = [
  { key: 'station', label: 'Station' },
  { key: 'last_reading', label: 'Last reading' },
  { key: 'aqi', label: 'AQI now (NowCast)' },
  { key: 'uptime', label: 'Uptime, 7 days' },
  { key: 'warnings', label: 'Data-quality warnings' },
];

export async function renderFleet(ctx: ViewContext): Promise<void> {
  const { lake, state, root, navigate } = ctx;
  const rows = sortFleet(await fleetRows(lake), state.sort);
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
      r.station,
    );
    link.addEventListener('click', (e) => {
      e.preventDefault();
      navigate({ view: 'station', station: r.station });
    });
    body.append(
      el(
        'tr',
        { 'data-testid': 'fleet-row', 'data-station': r.station },
        el('td', {}, link, r.board ? el('span', { class: 'muted' }, ` ${r.board}`) : null),
        el(
          'td',
          {
            'data-testid': 'last-reading',
            'data-value': r.lastReading === null ? '' : new Date(r.lastReading).toISOString(),
          },
          utc(r.lastReading),
        ),
        el('td', {}, aqiBadge(r.aqi, r.category)),
        el('td', {}, r.uptime7d === null ? '—' : `${fixed(r.uptime7d)} %`),
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
  root.append(
    el('h1', {}, 'Fleet'),
    el('p', { class: 'muted' }, `${rows.length} stations. Click a column to sort, a station to open it.`),
    el('div', { class: 'table-wrap' }, table),
  );
}
