import type { ViewContext } from '../context.js';
import { el, shortId } from '../format.js';
import { label } from '../measurements.js';
import { defaultRange, shiftRange } from '../state.js';

/** A labelled <select> that navigates on change. */
export function select(
  name: string,
  text: string,
  options: { value: string; label: string }[],
  value: string | undefined,
  onChange: (v: string) => void,
): HTMLElement {
  const id = `ctl-${name}`;
  const s = el('select', { id, name, 'data-testid': `select-${name}` });
  for (const o of options) {
    const opt = el('option', { value: o.value }, o.label);
    if (o.value === value) opt.selected = true;
    s.append(opt);
  }
  s.addEventListener('change', () => onChange(s.value));
  return el('label', { for: id }, `${text} `, s);
}

export function measurementSelect(ctx: ViewContext, measurements: string[], m: string): HTMLElement {
  return select(
    'measurement',
    'Measurement',
    measurements.map((x) => ({ value: x, label: label(x) })),
    m,
    (v) => ctx.navigate({ ...ctx.state, m: v }),
  );
}

export function stationOptions(stations: string[]): { value: string; label: string }[] {
  return stations.map((s) => ({ value: s, label: shortId(s) }));
}

/** From/to day inputs, earlier/later buttons and "last 7 days". */
export function rangeControls(
  ctx: ViewContext,
  from: string,
  to: string,
  lastReading: number | null,
): HTMLElement {
  const fromInput = el('input', { type: 'date', id: 'ctl-from', value: from, 'data-testid': 'range-from' });
  const toInput = el('input', { type: 'date', id: 'ctl-to', value: to, 'data-testid': 'range-to' });
  const apply = () => {
    if (fromInput.value && toInput.value)
      ctx.navigate({ ...ctx.state, from: fromInput.value, to: toInput.value });
  };
  fromInput.addEventListener('change', apply);
  toInput.addEventListener('change', apply);
  const button = (text: string, testid: string, go: () => void) => {
    const b = el('button', { type: 'button', 'data-testid': testid }, text);
    b.addEventListener('click', go);
    return b;
  };
  return el(
    'fieldset',
    { class: 'range' },
    el('legend', {}, 'Range (UTC days)'),
    el('label', { for: 'ctl-from' }, 'From ', fromInput),
    el('label', { for: 'ctl-to' }, ' to ', toInput),
    button('← Earlier', 'range-earlier', () => ctx.navigate({ ...ctx.state, ...shiftRange(from, to, -1) })),
    button('Later →', 'range-later', () => ctx.navigate({ ...ctx.state, ...shiftRange(from, to, 1) })),
    button('Last 7 days', 'range-week', () =>
      ctx.navigate({ ...ctx.state, ...defaultRange(lastReading ?? Date.now(), 7) }),
    ),
  );
}
