/// <reference lib="dom" />
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
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

describe('opensensor dashboard in a browser', () => {
  let dir: TempDir;
  let lakehouse: string;
  let server: CliProcess;
  let url: string;
  let browser: Browser;
  let page: Page;
  let reader: LakeReader;
  let stations: string[];
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
    const built = await runCli('agent', ['lake', 'build', '--from', output, '--lakehouse', lakehouse], {
      cwd: dir.path,
      env,
      timeoutMs: 180_000,
    });
    expect(built.code, built.stderr).toBe(0);
    reader = await openLakeReader();
    stations = (
      await reader.rows(
        `SELECT station FROM read_parquet('${lakehouse}/gold/stations/**/*.parquet') ORDER BY station`,
      )
    ).map((r) => String(r.station));
    expect(stations).toHaveLength(3);

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
    expect(await rows.count()).toBe(3);
    for (const station of stations) {
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
