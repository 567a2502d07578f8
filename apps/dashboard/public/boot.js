// Starts reading the lakehouse's catalog while the app's JavaScript loads and evaluates, so the first
// chart does not wait for two more round trips after it. A classic script (no module, no bundler):
// index.html loads it before the app, which awaits window.opensensorBoot.
// config.json beside index.html (written by `opensensor dashboard` or `… build`) says where the data
// is; without one, the data sits under ./data/.
window.opensensorBoot = fetch(new URL('config.json', document.baseURI), { cache: 'no-cache' })
  .then((res) => (res.ok ? res.json() : {}))
  .catch(() => ({}))
  .then((config) => {
    const base = new URL(config?.data || 'data/', document.baseURI).href;
    return { base, catalog: fetch(new URL('catalog.json', base), { cache: 'no-cache' }) };
  });
