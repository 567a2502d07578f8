import './style.css';
import type { ViewContext } from './context.js';
import { Lakehouse } from './data.js';
import { el, utc } from './format.js';
import { formatState, parseState, type ViewState } from './state.js';
import { renderCompare } from './views/compare.js';
import { renderFleet } from './views/fleet.js';
import { renderStation } from './views/station.js';

declare global {
  interface Window {
    /** Set by boot.js: where the data is, and the catalog's fetch, started before this script ran. */
    opensensorBoot?: Promise<{ base: string; catalog: Promise<Response> }>;
  }
}

// The app's JavaScript has loaded and is running (`pnpm bench --only dashboard` splits the time with it).
performance.mark('os:app-start');

const VIEWS = { fleet: renderFleet, station: renderStation, compare: renderCompare } as const;

async function start(): Promise<void> {
  const main = document.getElementById('main') as HTMLElement;
  let lake: Lakehouse;
  try {
    if (!window.opensensorBoot) throw new Error('boot.js did not run: index.html loads it before the app');
    const boot = await window.opensensorBoot;
    lake = await Lakehouse.open(boot.base, boot.catalog);
    // Marks for `pnpm bench --only dashboard`, which splits the time to the first chart with them.
    performance.mark('os:catalog');
  } catch (e) {
    main.replaceChildren(
      el('p', { class: 'error', role: 'alert' }, `Cannot read the lakehouse: ${(e as Error).message}`),
    );
    return;
  }
  const updated = document.getElementById('updated');
  if (updated) updated.textContent = `lake built ${utc(Date.parse(lake.catalog.updated))}`;
  let generation = 0;

  const render = async (state: ViewState) => {
    const mine = ++generation;
    for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a'))
      a.toggleAttribute('aria-current', a.dataset.view === state.view);
    const root = el('div', { class: `view view-${state.view}`, 'data-view': state.view });
    main.replaceChildren(root);
    main.dataset.ready = 'false';
    const ctx: ViewContext = { lake, state, root, navigate };
    try {
      await VIEWS[state.view](ctx);
      // Defaults filled in by the view go into the URL without a new history entry.
      if (mine === generation) history.replaceState(null, '', formatState(ctx.state));
    } catch (e) {
      console.warn(e);
      root.append(
        el('p', { class: 'error', role: 'alert' }, `Could not draw this view: ${(e as Error).message}`),
      );
    }
    if (mine === generation) main.dataset.ready = 'true';
  };

  function navigate(next: ViewState): void {
    history.pushState(null, '', formatState(next));
    void render(next);
  }

  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a'))
    a.addEventListener('click', (e) => {
      e.preventDefault();
      const current = parseState(location.search);
      navigate({ ...current, view: a.dataset.view as ViewState['view'], sort: undefined });
    });
  window.addEventListener('popstate', () => void render(parseState(location.search)));
  await render(parseState(location.search));
}

void start();
