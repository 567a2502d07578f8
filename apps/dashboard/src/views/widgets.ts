import { categoryByName } from '../aqi.js';
import { el } from '../format.js';

/** An AQI category badge: its colour AND its name in words (colour is never the only cue). */
export function aqiBadge(aqi: number | null, category: string | null): HTMLElement {
  if (aqi === null || !category) return el('span', { class: 'muted', 'data-testid': 'aqi' }, 'no AQI yet');
  const c = categoryByName(category);
  const badge = el(
    'span',
    {
      class: 'aqi-badge',
      'data-testid': 'aqi',
      'data-aqi': String(aqi),
      'data-category': category,
      style: c ? `background:${c.colour};color:${c.ink}` : undefined,
    },
    el('strong', {}, String(aqi)),
    ` ${category}`,
  );
  return badge;
}
