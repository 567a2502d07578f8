import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StaticSiteOptions {
  appDir: string;
  /** Where the lakehouse is published: catalog.json is read from `<baseUrl>catalog.json`. */
  baseUrl: string;
  out: string;
}

/**
 * The dashboard as static files for any static host or public bucket: the app plus a config.json
 * naming where the lakehouse is. The app reads catalog.json and the Parquet files from there at run
 * time, so the site never needs rebuilding for new data.
 */
export function buildStaticSite(options: StaticSiteOptions): { files: number; dataUrl: string } {
  if (!existsSync(join(options.appDir, 'index.html')))
    throw new Error(`${options.appDir} has no index.html: build the dashboard app first (pnpm build)`);
  let url: URL;
  try {
    url = new URL(
      options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`,
      'http://relative.invalid/',
    );
  } catch {
    throw new Error(`--base-url ${options.baseUrl}: not a URL`);
  }
  // Absolute URLs stay absolute; a relative one (e.g. "../lakehouse/") is kept relative to the site.
  const dataUrl = /^[a-z]+:\/\//i.test(options.baseUrl)
    ? url.href
    : options.baseUrl.endsWith('/')
      ? options.baseUrl
      : `${options.baseUrl}/`;
  mkdirSync(options.out, { recursive: true });
  cpSync(options.appDir, options.out, { recursive: true });
  writeFileSync(join(options.out, 'config.json'), `${JSON.stringify({ data: dataUrl }, null, 2)}\n`);
  const files = readdirSync(options.out, { recursive: true, withFileTypes: true }).filter((e) =>
    e.isFile(),
  ).length;
  return { files, dataUrl };
}
