/// <reference lib="dom" />
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeSyntheticBronze } from '@opensensor/lake/testing';
import { type LakeReader, openLakeReader } from '@opensensor/parquet-hive-writer/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliProcess, REPO_ROOT, runCli, type TempDir, tempDir } from './processes.js';

/**
 * `opensensor dashboard` over a simulator lakehouse, driven by Debian's chromium (headless) through
 * playwright-core. Screenshots of every view go to packages/integration-tests/screenshots/ (git-ignored).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(REPO_ROOT, 'packages/integration-tests/screenshots');
/**
 * A fourth station beside the simulated fleet, written with the lake's fault helpers: 2.5 days (so
 * its 7-day uptime is well under half), a spike and a stuck temperature, a dead PMS5003 for an hour,
 * a 2-hour gap; named and placed through its health records.
 */
const FAULTY = 'station-with-faults';
const FAULTY_PLACE = { name: 'School yard, faulty PMS5003', latitude: 52.33, longitude: 4.95 };
const at = (iso: string) => Date.parse(iso);

describe('opensensor dashboard in a browser', () => {
  let dir: TempDir;
  let lakehouse: string;
  let server: CliProcess;
  let url: string;
  let browser: Browser;
  let page: Page;
  let reader: LakeReader;
  /** The simulated stations (the faulty one aside). */
  let stations: string[];
  let silver: string;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `${CHROMIUM} not found: the dashboard's browser tests need Debian's chromium (apt-get install -y chromium), or CHROMIUM_PATH naming another Chromium`,
      );
    dir = tempDir('dashboard');
    const output = join(dir.path, 'output');
    lakehouse = join(dir.path, 'lakehouse');
    const env = { OPENSENSOR_STATE_DIR: join(dir.path, 'state') };
    const sim = await runCli(
      'sim',
      [
        'backfill',
        '--stations',
        '3',
        '--start',
        '2026-11-29T00:00:00Z',
        '--end',
        '2026-12-01T00:00:00Z',
        '--output',
        output,
      ],
      { cwd: dir.path, env, timeoutMs: 180_000 },
    );
    expect(sim.code, sim.stderr).toBe(0);
    await writeSyntheticBronze({
      root: output,
      station: FAULTY,
      from: at('2026-11-28T00:00:00Z'),
      to: at('2026-11-30T12:00:00Z'),
      spike: { at: at('2026-11-30T06:00:00Z'), delta: 15 },
      stuck: { from: at('2026-11-29T10:00:00Z'), to: at('2026-11-29T14:00:00Z'), value: 21.5 },
      deadPms: { from: at('2026-11-30T08:00:00Z'), to: at('2026-11-30T09:00:00Z'), value: 12 },
      gap: { from: at('2026-11-29T02:00:00Z'), to: at('2026-11-29T04:00:00Z') },
      place: FAULTY_PLACE,
    });
    const built = await runCli('agent', ['lake', 'build', '--from', output, '--lakehouse', lakehouse], {
      cwd: dir.path,
      env,
      timeoutMs: 180_000,
    });
    expect(built.code, built.stderr).toBe(0);
    reader = await openLakeReader();
    silver = `read_parquet('${lakehouse}/silver/readings/**/*.parquet', hive_partitioning = true)`;
    const all = (
      await reader.rows(
        `SELECT station FROM read_parquet('${lakehouse}/gold/stations/**/*.parquet') ORDER BY station`,
      )
    ).map((r) => String(r.station));
    expect(all).toHaveLength(4);
    expect(all).toContain(FAULTY);
    stations = all.filter((s) => s !== FAULTY);

    server = new CliProcess('agent', ['dashboard', '--lakehouse', lakehouse, '--port', '0'], {
      cwd: dir.path,
      env,
    });
    await server.waitFor(/Dashboard: http:\/\/127\.0\.0\.1:\d+\//, 30_000);
    url = (/Dashboard: (\S+)/.exec(server.stdout) as RegExpExecArray)[1] as string;

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 420_000);

  afterAll(async () => {
    await browser?.close();
    if (server?.running) {
      server.signal('SIGTERM');
      await server.exited;
    }
    reader?.close();
    dir?.remove();
  });

  /** Opens a URL of the app and waits until its view has drawn (generous bound: a busy machine). */
  async function open(query: string): Promise<void> {
    await page.goto(`${url}${query}`);
    await ready();
  }

  async function ready(): Promise<void> {
    await page.waitForSelector('main[data-ready="true"]', { timeout: 30_000 });
  }

  /** What DuckDB says of a station, from the same gold files the page reads. */
  async function truth(station: string): Promise<{ lastReading: string; aqi: number; category: string }> {
    const [s] = await reader.rows(
      `SELECT last_reading FROM read_parquet('${lakehouse}/gold/stations/**/*.parquet') WHERE station = '${station}'`,
    );
    const [a] = await reader.rows(
      `SELECT aqi, category FROM read_parquet('${lakehouse}/gold/aqi_hourly/**/*.parquet')
       WHERE station = '${station}' AND aqi IS NOT NULL ORDER BY hour DESC LIMIT 1`,
    );
    return {
      lastReading: new Date(String(s?.last_reading)).toISOString(),
      aqi: Number(a?.aqi),
      category: String(a?.category),
    };
  }

  it('the fleet page lists every station with the last reading and AQI DuckDB computes; it sorts', async () => {
    await open('?view=fleet');
    const rows = page.locator('[data-testid="fleet-row"]');
    expect(await rows.count()).toBe(4);
    for (const station of [...stations, FAULTY]) {
      const row = page.locator(`[data-testid="fleet-row"][data-station="${station}"]`);
      const expected = await truth(station);
      expect(await row.locator('[data-testid="last-reading"]').getAttribute('data-value')).toBe(
        expected.lastReading,
      );
      const aqi = row.locator('[data-testid="aqi"]');
      expect(Number(await aqi.getAttribute('data-aqi'))).toBe(expected.aqi);
      expect(await aqi.textContent()).toContain(expected.category);
    }
    await page.screenshot({ path: join(SCREENSHOTS, 'fleet.png'), fullPage: true });
    // Sorting by AQI (keyboard: focus the header button, press Enter), descending on the second press.
    await page.locator('button[data-sort="aqi"]').focus();
    await page.keyboard.press('Enter');
    await ready();
    await page.locator('button[data-sort="aqi"]').press('Enter');
    await ready();
    expect(page.url()).toContain('sort=-aqi');
    const shown = await page
      .locator('[data-testid="fleet-row"] [data-testid="aqi"]')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-aqi'))));
    expect(shown).toEqual([...shown].sort((a, b) => b - a));
    expect(problems).toEqual([]);
  });

  it("the fleet shows each station's configured name and place, and a map of them drawn without tiles", async () => {
    await open('?view=fleet');
    const places = await reader.rows(
      `SELECT station, name, latitude, longitude FROM read_parquet('${lakehouse}/gold/stations/**/*.parquet') ORDER BY station`,
    );
    expect(places.find((p) => p.station === FAULTY)).toMatchObject(FAULTY_PLACE);
    for (const p of places) {
      // The simulator names and places its stations; every one has both.
      expect(typeof p.name).toBe('string');
      expect(typeof p.latitude).toBe('number');
      const cell = page.locator(
        `[data-testid="fleet-row"][data-station="${p.station}"] [data-testid="station-cell"]`,
      );
      expect(await cell.getAttribute('data-name')).toBe(p.name);
      expect(await cell.locator('a').textContent()).toBe(p.name);
    }
    const map = page.locator('[data-testid="fleet-map"] svg');
    expect(await map.locator('circle').count()).toBe(places.length);
    // Each dot is labelled with the station's name and its AQI category in words.
    const label = await map.locator(`a[data-station="${FAULTY}"] text`).textContent();
    expect(label).toContain(FAULTY_PLACE.name);
    expect(label).toMatch(/AQI \d+ (Good|Moderate|Unhealthy)/);
    // Nothing was fetched from anywhere but the dashboard's own host.
    const hosts = await page.evaluate(() =>
      performance.getEntriesByType('resource').map((e) => new URL(e.name).host),
    );
    expect(new Set(hosts)).toEqual(new Set([new URL(url).host]));
    await page.locator('[data-testid="fleet-map"]').screenshot({ path: join(SCREENSHOTS, 'fleet-map.png') });
    // A dot opens its station.
    await map.locator(`a[data-station="${FAULTY}"]`).click();
    await ready();
    expect(await page.locator('[data-testid="station-name"]').textContent()).toBe(FAULTY_PLACE.name);
    expect(Number(await page.locator('[data-testid="station-place"]').getAttribute('data-latitude'))).toBe(
      FAULTY_PLACE.latitude,
    );
    expect(problems).toEqual([]);
  });

  it('fleet uptime is over the whole 7-day window: readings received against expected, as DuckDB counts them in silver', async () => {
    await open('?view=fleet');
    // The window: from the start of the day six days before the fleet's newest reading, to that reading.
    const [w] = await reader.rows(
      `SELECT max(last_reading) AS t_end, date_trunc('day', max(last_reading)) - INTERVAL 6 DAY AS t_start
       FROM read_parquet('${lakehouse}/gold/stations/**/*.parquet')`,
    );
    for (const station of [...stations, FAULTY]) {
      const [truth] = await reader.rows(
        `WITH r AS (SELECT timestamp FROM ${silver} WHERE station = '${station}'
                      AND timestamp >= '${w?.t_start}'::TIMESTAMPTZ AND timestamp <= '${w?.t_end}'::TIMESTAMPTZ),
              g AS (SELECT date_trunc('day', timestamp) AS day,
                      epoch(timestamp) - epoch(lag(timestamp) OVER (PARTITION BY date_trunc('day', timestamp) ORDER BY timestamp)) AS gap FROM r),
              d AS (SELECT day, median(gap) AS interval_s FROM g GROUP BY day)
         SELECT (SELECT count(*) FROM r)::INTEGER AS received,
                (floor((epoch('${w?.t_end}'::TIMESTAMPTZ) - epoch('${w?.t_start}'::TIMESTAMPTZ)) / (SELECT median(interval_s) FROM d)) + 1)::INTEGER AS expected`,
      );
      const cell = page.locator(
        `[data-testid="fleet-row"][data-station="${station}"] [data-testid="uptime"]`,
      );
      expect(Number(await cell.getAttribute('data-received')), station).toBe(truth?.received);
      expect(Number(await cell.getAttribute('data-expected')), station).toBe(truth?.expected);
      const pct = Math.min(100, (100 * Number(truth?.received)) / Number(truth?.expected));
      expect(Number(await cell.getAttribute('data-value'))).toBeCloseTo(pct, 9);
      expect(await cell.textContent()).toContain(`${pct.toFixed(1)} %`);
    }
    // 2.5 days (less a 2-hour gap) of a 7-day window: far from the 100 % an average over its own days gives.
    const faulty = page.locator(`[data-testid="fleet-row"][data-station="${FAULTY}"] [data-testid="uptime"]`);
    expect(Number(await faulty.getAttribute('data-value'))).toBeLessThan(40);
    expect(problems).toEqual([]);
  });

  /** Pixels of the failed-value colour (#d55e00) on a figure's chart. */
  function vermilionPixels(figure: ReturnType<Page['locator']>): Promise<number> {
    return figure.locator('canvas').evaluate((c: HTMLCanvasElement) => {
      const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4)
        if (
          Math.abs((d[i] as number) - 213) < 12 &&
          Math.abs((d[i + 1] as number) - 94) < 12 &&
          (d[i + 2] as number) < 20
        )
          n++;
      return n;
    });
  }

  it('values that failed QC are shown as such on the station page, counted as DuckDB counts them in silver', async () => {
    const failedIn = async (column: string, from: string, to: string) => {
      const [r] = await reader.rows(
        `SELECT count_if(${column}_qc = 4)::INTEGER AS n FROM ${silver}
         WHERE station = '${FAULTY}' AND timestamp >= '${from}T00:00:00Z'::TIMESTAMPTZ AND timestamp < '${to}T00:00:00Z'::TIMESTAMPTZ + INTERVAL 1 DAY`,
      );
      return Number(r?.n);
    };
    // One day: every reading from silver, the dead PMS5003's hour drawn as failed points.
    await open(`?view=station&station=${FAULTY}&m=pm25&from=2026-11-30&to=2026-11-30`);
    const first = page.locator('figure.chart').first();
    const pmFailed = await failedIn('pm25', '2026-11-30', '2026-11-30');
    expect(pmFailed).toBeGreaterThan(0);
    expect(Number(await first.getAttribute('data-qc-failed'))).toBe(pmFailed);
    expect(await first.locator('figcaption').textContent()).toContain(`${pmFailed} failed QC`);
    // They are drawn (vermilion #d55e00 points), not dropped.
    const vermilion = await vermilionPixels(first);
    expect(vermilion).toBeGreaterThan(100);
    await page.screenshot({ path: join(SCREENSHOTS, 'station-qc-day.png'), fullPage: true });
    // Three days, hourly means: the failed temperatures (spike, stuck sensor) counted, left out of the means.
    await open(`?view=station&station=${FAULTY}&m=temperature&from=2026-11-28&to=2026-11-30`);
    const hourly = page.locator('figure.chart').first();
    const tFailed = await failedIn('temperature', '2026-11-28', '2026-11-30');
    expect(tFailed).toBeGreaterThan(0);
    expect(Number(await hourly.getAttribute('data-qc-failed'))).toBe(tFailed);
    expect(await hourly.locator('figcaption').textContent()).toContain(`${tFailed} values failed QC`);
    // The hours that had them are marked on the chart (the stuck afternoon, the spike).
    expect(await vermilionPixels(hourly)).toBeGreaterThan(50);
    await page.screenshot({ path: join(SCREENSHOTS, 'station-qc-hourly.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('a station page draws its charts and shows the AQI and last reading DuckDB computes', async () => {
    const station = stations[1] as string;
    await open(`?view=station&station=${station}`);
    expect(await page.locator('[data-testid="station-id"]').textContent()).toBe(station);
    const expected = await truth(station);
    expect(await page.locator('.tiles [data-testid="last-reading"]').getAttribute('data-value')).toBe(
      expected.lastReading,
    );
    const aqi = page.locator('.tiles [data-testid="aqi"]');
    expect(Number(await aqi.getAttribute('data-aqi'))).toBe(expected.aqi);
    expect(await aqi.textContent()).toContain(expected.category);
    expect(await page.locator('figure.chart canvas').count()).toBeGreaterThanOrEqual(5);
    // The first chart has drawn something: pixels that are not transparent.
    const painted = await page
      .locator('figure.chart canvas')
      .first()
      .evaluate((c: HTMLCanvasElement) => {
        const data = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(
          0,
          0,
          c.width,
          c.height,
        ).data;
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if ((data[i] as number) > 0) n++;
        return n;
      });
    expect(painted).toBeGreaterThan(500);
    await expect.poll(() => page.locator('text=WHO 2021').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'station.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('changes station, measurement and range through the UI and through the URL', async () => {
    const [a, b] = stations as [string, string];
    await open(`?view=station&station=${a}`);
    // Station through the UI.
    await page.selectOption('[data-testid="select-station"]', b);
    await ready();
    expect(new URL(page.url()).searchParams.get('station')).toBe(b);
    expect(await page.locator('[data-testid="station-id"]').textContent()).toBe(b);
    // Measurement through the UI.
    await page.selectOption('[data-testid="select-measurement"]', 'temperature');
    await ready();
    expect(new URL(page.url()).searchParams.get('m')).toBe('temperature');
    expect(await page.locator('figure.chart figcaption').first().textContent()).toContain('Temperature');
    // Range through the UI: one day, drawn from silver (every reading, QC flags).
    await page.fill('[data-testid="range-from"]', '2026-11-30');
    await page.dispatchEvent('[data-testid="range-from"]', 'change');
    await ready();
    await page.fill('[data-testid="range-to"]', '2026-11-30');
    await page.dispatchEvent('[data-testid="range-to"]', 'change');
    await ready();
    const q = new URL(page.url()).searchParams;
    expect([q.get('from'), q.get('to')]).toEqual(['2026-11-30', '2026-11-30']);
    expect(await page.locator('figure.chart figcaption').first().textContent()).toContain(
      'every reading (silver)',
    );
    await page.screenshot({ path: join(SCREENSHOTS, 'station-day.png'), fullPage: true });
    await page.click('[data-testid="range-earlier"]');
    await ready();
    expect(new URL(page.url()).searchParams.get('from')).toBe('2026-11-29');
    // Back restores the previous state.
    await page.goBack();
    await ready();
    expect(new URL(page.url()).searchParams.get('from')).toBe('2026-11-30');
    // Everything through the URL.
    await open(`?view=station&station=${a}&m=humidity&from=2026-11-29&to=2026-11-30`);
    expect(await page.locator('[data-testid="station-id"]').textContent()).toBe(a);
    expect(await page.locator('[data-testid="select-measurement"]').inputValue()).toBe('humidity');
    expect(await page.locator('[data-testid="range-from"]').inputValue()).toBe('2026-11-29');
    expect(await page.locator('figure.chart figcaption').first().textContent()).toContain('Humidity');
    expect(problems).toEqual([]);
  });

  it('compare draws one measurement for the chosen stations on one axis', async () => {
    const [a, b] = stations as [string, string];
    await open(`?view=compare&stations=${a},${b}&m=pm25`);
    const checked = await page
      .locator('[data-testid="compare-station"]')
      .evaluateAll((els) =>
        els.filter((e) => (e as HTMLInputElement).checked).map((e) => (e as HTMLInputElement).value),
      );
    expect(checked.sort()).toEqual([a, b].sort());
    expect(await page.locator('figure.chart canvas').count()).toBe(1);
    await page.screenshot({ path: join(SCREENSHOTS, 'compare.png'), fullPage: true });
    await page.locator(`[data-testid="compare-station"][value="${stations[2]}"]`).check();
    await ready();
    expect(new URL(page.url()).searchParams.get('stations')?.split(',').sort()).toEqual([...stations].sort());
    expect(problems).toEqual([]);
  });
});
