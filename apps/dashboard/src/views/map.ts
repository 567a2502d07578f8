import { categoryByName } from '../aqi.js';
import { displayName, type FleetRow } from '../fleet-data.js';
import { el } from '../format.js';

const NS = 'http://www.w3.org/2000/svg';
const KM_PER_DEGREE = 111.32;

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  ...children: (Node | string)[]
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  for (const c of children) e.append(c);
  return e;
}

/** A round length for the scale bar: 1, 2 or 5 times a power of ten, at most `max` km. */
export function niceKm(max: number): number {
  const p = 10 ** Math.floor(Math.log10(max));
  return [5, 2, 1].map((m) => m * p).find((v) => v <= max) ?? p;
}

/**
 * Where each placed station goes in a `width` × `height` box: longitude scaled by the cosine of the
 * middle latitude (an equirectangular view, true to scale near the fleet), fitted with a margin,
 * north up. `kmPerPx` is for the scale bar.
 */
export function project(
  places: readonly { latitude: number; longitude: number }[],
  width: number,
  height: number,
  margin: number,
): { points: { x: number; y: number }[]; kmPerPx: number } {
  const lats = places.map((p) => p.latitude);
  const lons = places.map((p) => p.longitude);
  const midLat = (Math.min(...lats) + Math.max(...lats)) / 2;
  const k = Math.cos((midLat * Math.PI) / 180);
  const xs = lons.map((l) => l * k);
  const ys = lats;
  // A lone station (or stations on one spot) gets a view about 2 km across.
  const spanX = Math.max(Math.max(...xs) - Math.min(...xs), 0.02);
  const spanY = Math.max(Math.max(...ys) - Math.min(...ys), 0.02);
  const scale = Math.min((width - 2 * margin) / spanX, (height - 2 * margin) / spanY);
  const cx = (Math.min(...xs) + Math.max(...xs)) / 2;
  const cy = (Math.min(...ys) + Math.max(...ys)) / 2;
  return {
    points: xs.map((x, i) => ({
      x: width / 2 + (x - cx) * scale,
      y: height / 2 - ((ys[i] as number) - cy) * scale,
    })),
    kmPerPx: KM_PER_DEGREE / scale,
  };
}

/**
 * The fleet on a map drawn from the stations' coordinates alone (no tiles, nothing fetched): a dot
 * per station in its AQI category's colour, labelled with its name and the category in words, a
 * link to its page; a scale bar. Stations without coordinates are listed under it.
 */
export function stationMap(rows: readonly FleetRow[], open: (station: string) => void): HTMLElement {
  const placed = rows.filter((r) => r.place !== null);
  const figure = el('figure', { class: 'map', 'data-testid': 'fleet-map' });
  figure.append(
    el('figcaption', {}, 'Where the stations are (coordinates from their configuration; no map tiles)'),
  );
  if (!placed.length) {
    figure.append(
      el(
        'p',
        { class: 'muted' },
        'No station has coordinates yet: set OPENSENSOR_STATION_LATITUDE and OPENSENSOR_STATION_LONGITUDE on a station; its next health record brings them here after the next lake build.',
      ),
    );
    return figure;
  }
  const width = 720;
  const height = 360;
  const { points, kmPerPx } = project(
    placed.map((r) => r.place as { latitude: number; longitude: number }),
    width,
    height,
    48,
  );
  const map = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'group',
    'aria-label': `Map of ${placed.length} stations`,
  });
  map.append(svg('rect', { x: 0, y: 0, width, height, class: 'map-bg' }));
  placed.forEach((r, i) => {
    const p = points[i] as { x: number; y: number };
    const c = categoryByName(r.category);
    const words = r.aqi === null || !r.category ? 'no AQI yet' : `AQI ${r.aqi} ${r.category}`;
    const name = displayName(r);
    const link = svg(
      'a',
      { href: `?view=station&station=${encodeURIComponent(r.station)}`, 'data-station': r.station },
      svg('title', {}, `${name}: ${words}`),
      svg('circle', {
        cx: p.x.toFixed(1),
        cy: p.y.toFixed(1),
        r: 8,
        fill: c?.colour ?? '#bbb',
        class: 'map-dot',
      }),
      // Labels of dots in the right half go to their left, so they stay inside the map.
      svg(
        'text',
        {
          x: (p.x > width / 2 ? p.x - 12 : p.x + 12).toFixed(1),
          y: (p.y + 4).toFixed(1),
          class: 'map-label',
          'text-anchor': p.x > width / 2 ? 'end' : 'start',
        },
        `${name} · ${words}`,
      ),
    );
    link.addEventListener('click', (e) => {
      e.preventDefault();
      open(r.station);
    });
    map.append(link);
  });
  const km = niceKm(kmPerPx * 150);
  const bar = km / kmPerPx;
  map.append(
    svg('path', {
      d: `M16 ${height - 24} v6 h${bar.toFixed(1)} v-6`,
      class: 'map-scale',
    }),
    svg('text', { x: 16, y: height - 30, class: 'map-label' }, `${km} km`),
    svg('text', { x: width - 16, y: 22, class: 'map-label', 'text-anchor': 'end' }, 'N ↑'),
  );
  figure.append(map);
  const unplaced = rows.filter((r) => r.place === null);
  if (unplaced.length)
    figure.append(
      el(
        'p',
        { class: 'muted' },
        `Not on the map (no coordinates): ${unplaced.map((r) => displayName(r)).join(', ')}.`,
      ),
    );
  return figure;
}
