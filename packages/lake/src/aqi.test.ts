import { describe, expect, it } from 'vitest';
import {
  AQI_BREAKPOINTS,
  AQI_CATEGORIES,
  AQI_INDEX_MAX,
  type AqiPollutant,
  aqi,
  aqiCategory,
  aqiCategorySql,
  aqiSql,
  isBeyondIndex,
  nowcast,
  nowcastAqi,
  nowcastSql,
  pm25Corrected,
  pm25CorrectedSql,
  truncateConcentration,
} from './aqi.js';

/** The largest double below x (x > 0): what a decimal boundary becomes after a little float noise. */
function nextDown(x: number): number {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  buf.setBigUint64(0, buf.getBigUint64(0) - 1n);
  return buf.getFloat64(0);
}

describe('breakpoint tables', () => {
  it.each(['pm25', 'pm10'] as const)('%s: contiguous, one row per category, 0…500', (p) => {
    const rows = AQI_BREAKPOINTS[p];
    const step = p === 'pm25' ? 0.1 : 1;
    expect(rows.map((r) => r.category)).toEqual(AQI_CATEGORIES.map((c) => c.name));
    expect(rows[0]).toMatchObject({ cLo: 0, iLo: 0 });
    expect(rows.at(-1)?.iHi).toBe(AQI_INDEX_MAX);
    rows.forEach((r, i) => {
      const cat = AQI_CATEGORIES[i];
      expect([r.iLo, r.iHi]).toEqual([cat?.aqiLo, cat?.aqiHi]);
      const next = rows[i + 1];
      if (next) {
        expect(next.cLo).toBeCloseTo(r.cHi + step, 9);
        expect(next.iLo).toBe(r.iHi + 1);
      }
    });
  });

  it('EPA colours', () => {
    expect(AQI_CATEGORIES.map((c) => c.color)).toEqual([
      '#00E400',
      '#FFFF00',
      '#FF7E00',
      '#FF0000',
      '#8F3F97',
      '#7E0023',
    ]);
  });
});

describe('aqi', () => {
  it.each([
    [0, 0],
    [9.0, 50],
    [9.1, 51],
    [35.4, 100],
    [35.5, 101],
    [55.4, 150],
    [55.5, 151],
    [125.4, 200],
    [125.5, 201],
    [225.4, 300],
    [225.5, 301],
    [325.4, 500],
  ])('PM2.5 %s µg/m³ → %s', (c, expected) => {
    expect(aqi('pm25', c)).toBe(expected);
  });

  it.each([
    [0, 0],
    [54, 50],
    [55, 51],
    [154, 100],
    [155, 101],
    [254, 150],
    [255, 151],
    [354, 200],
    [355, 201],
    [424, 300],
    [425, 301],
    [604, 500],
  ])('PM10 %s µg/m³ → %s', (c, expected) => {
    expect(aqi('pm10', c)).toBe(expected);
  });

  it.each(['pm25', 'pm10'] as const)('%s: every row maps cLo → iLo and cHi → iHi', (p: AqiPollutant) => {
    for (const r of AQI_BREAKPOINTS[p]) {
      expect(aqi(p, r.cLo)).toBe(r.iLo);
      expect(aqi(p, r.cHi)).toBe(r.iHi);
    }
  });

  it('interpolates and rounds to the nearest integer', () => {
    // 12.0: 51 + 49·(12.0 − 9.1)/(35.4 − 9.1) = 56.40 → 56; 20.0 → 71.31 → 71; PM10 100 → 73.27 → 73
    expect(aqi('pm25', 12.0)).toBe(56);
    expect(aqi('pm25', 20.0)).toBe(71);
    expect(aqi('pm10', 100)).toBe(73);
    // 4.5: 50·4.5/9 = 25 exactly
    expect(aqi('pm25', 4.5)).toBe(25);
  });

  it('truncates before the equation, never rounds up', () => {
    expect(aqi('pm25', 35.45)).toBe(100); // 35.45 → 35.4
    expect(aqi('pm25', 35.49999)).toBe(100); // → 35.4
    expect(aqi('pm25', 9.09)).toBe(50); // → 9.0
    expect(aqi('pm10', 54.9)).toBe(50); // → 54
    expect(aqi('pm10', 154.99)).toBe(100); // → 154
  });

  it('float noise just below a boundary does not drop a whole step', () => {
    const below = nextDown(35.5); // 35.49999999999999 — 35.5 as arithmetic may leave it
    expect(below).toBeLessThan(35.5);
    expect(Math.floor(below * 10)).toBe(354); // what a naive truncation would use
    expect(aqi('pm25', below)).toBe(101);
    expect(aqi('pm25', nextDown(9.1))).toBe(51);
    expect(aqi('pm10', nextDown(55))).toBe(51);
    expect(truncateConcentration('pm25', 0.1 + 0.7)).toBe(0.8); // 0.7999999999999999
    expect(truncateConcentration('pm25', 35.4)).toBe(35.4);
    expect(truncateConcentration('pm25', 35.45)).toBe(35.4);
    expect(truncateConcentration('pm10', 54.9)).toBe(54);
  });

  it('negative concentrations count as 0', () => {
    expect(aqi('pm25', -0.5)).toBe(0);
    expect(aqi('pm25', -1e-12)).toBe(0);
    expect(aqi('pm10', -3)).toBe(0);
    expect(truncateConcentration('pm25', -0.35)).toBe(0);
  });

  it('null, NaN and infinities give null', () => {
    for (const p of ['pm25', 'pm10'] as const) {
      expect(aqi(p, null)).toBeNull();
      expect(aqi(p, Number.NaN)).toBeNull();
      expect(aqi(p, Number.POSITIVE_INFINITY)).toBeNull();
      expect(truncateConcentration(p, null)).toBeNull();
    }
  });

  it('extends the Hazardous line beyond 500 and flags it', () => {
    // 301 + 199·(500.4 − 225.5)/(325.4 − 225.5) = 848.6
    expect(aqi('pm25', 500.4)).toBe(849);
    // just above the top the line still rounds to 500
    expect(aqi('pm25', 325.5)).toBe(500);
    expect(aqi('pm25', 325.7)).toBe(501);
    expect(aqi('pm10', 605)).toBe(501);
    expect(isBeyondIndex(aqi('pm25', 500.4))).toBe(true);
    expect(isBeyondIndex(500)).toBe(false);
    expect(isBeyondIndex(null)).toBe(false);
    expect(aqiCategory(849)).toBe('Hazardous');
  });
});

describe('aqiCategory', () => {
  it.each([
    [0, 'Good'],
    [50, 'Good'],
    [51, 'Moderate'],
    [100, 'Moderate'],
    [101, 'Unhealthy for Sensitive Groups'],
    [150, 'Unhealthy for Sensitive Groups'],
    [151, 'Unhealthy'],
    [200, 'Unhealthy'],
    [201, 'Very Unhealthy'],
    [300, 'Very Unhealthy'],
    [301, 'Hazardous'],
    [500, 'Hazardous'],
    [501, 'Hazardous'],
  ])('%s → %s', (a, name) => {
    expect(aqiCategory(a)).toBe(name);
  });

  it('null, NaN and negatives give null', () => {
    expect(aqiCategory(null)).toBeNull();
    expect(aqiCategory(Number.NaN)).toBeNull();
    expect(aqiCategory(-1)).toBeNull();
  });

  it('agrees with the breakpoint rows', () => {
    for (const p of ['pm25', 'pm10'] as const) {
      for (const r of AQI_BREAKPOINTS[p]) {
        expect(aqiCategory(aqi(p, r.cLo))).toBe(r.category);
        expect(aqiCategory(aqi(p, r.cHi))).toBe(r.category);
      }
    }
  });
});

describe('nowcast', () => {
  /** Definition, written out independently: weights w^(hours ago) over the valid hours. */
  function weighted(values: readonly (number | null)[], w: number): number {
    let num = 0;
    let den = 0;
    values.forEach((c, i) => {
      if (c === null) return;
      num += w ** i * c;
      den += w ** i;
    });
    return num / den;
  }

  it('published example: "Computing the NowCast" slide → 17.4 µg/m³', () => {
    // https://cdn.slideserve.com/brina/computing-the-nowcast — a NowCast training slide whose steps are
    // AirNow's NowCast method. It lists the 12 hours oldest first: 50 80 75 90 82 53 64 74 21 10 16 13
    // (13 = current hour).
    // Range 90 − 10 = 80, scaled 80/90, weight 1 − 80/90 = 0.11 < 0.5 → 0.5; NowCast = 17.4 µg/m³.
    const oldestFirst = [50, 80, 75, 90, 82, 53, 64, 74, 21, 10, 16, 13];
    const mostRecentFirst = [...oldestFirst].reverse();
    const nc = nowcast(mostRecentFirst);
    expect(nc).toBeCloseTo(weighted(mostRecentFirst, 0.5), 12);
    expect(truncateConcentration('pm25', nc)).toBe(17.4);
    // With the 2024 breakpoints: 51 + 49·(17.4 − 9.1)/26.3 = 66.46 → 66 (our arithmetic, not the slide's)
    expect(nowcastAqi('pm25', mostRecentFirst)).toBe(66);
  });

  it('a constant series is its 12-hour average', () => {
    expect(nowcast(Array(12).fill(20))).toBe(20);
    expect(nowcast([7, 7, 7])).toBe(7);
  });

  it('uses w = min/max when it is above 0.5', () => {
    const v = [10, 9, 8, 10, 10, 10, 9, 8, 9, 10, 10, 10];
    expect(nowcast(v)).toBeCloseTo(weighted(v, 0.8), 12);
  });

  it('floors the weight factor at 0.5', () => {
    const v = [40, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10];
    expect(nowcast(v)).toBeCloseTo(weighted(v, 0.5), 12); // min/max = 0.25
  });

  it('a single-hour pulse: 71 then 11 zero hours → 35.5 µg/m³, AQI 101', () => {
    const v = [71, ...Array(11).fill(0)];
    expect(nowcast(v)).toBeCloseTo(71 / (2 - 2 ** -11), 12);
    expect(nowcastAqi('pm25', v)).toBe(101);
  });

  it('a window of zeros is 0 (w = 1, no division by zero)', () => {
    expect(nowcast(Array(12).fill(0))).toBe(0);
  });

  it('needs 2 of the 3 most recent hours', () => {
    expect(nowcast([null, null, 10, 10, 10])).toBeNull(); // c1 and c2 missing
    expect(nowcast([10, null, null, 10, 10])).toBeNull(); // c2 and c3 missing
    expect(nowcast([null, 10, null, 10, 10])).toBeNull();
    expect(nowcast([10])).toBeNull();
    expect(nowcast([])).toBeNull();
    expect(nowcast([10, 12])).not.toBeNull();
    expect(nowcast([null, 10, 20])).not.toBeNull();
    expect(nowcast([10, null, 20])).not.toBeNull();
  });

  it('a missing hour keeps its exponent', () => {
    const v = [10, null, 20, 40]; // w = 10/40 → 0.5
    // (10 + 0.25·20 + 0.125·40) / (1 + 0.25 + 0.125) = 14.545…, not (10 + 0.5·20 + 0.25·40)/1.75 = 17.14
    expect(nowcast(v)).toBeCloseTo(20 / 1.375, 12);
    expect(nowcast([null, 10, 20])).toBeCloseTo((0.5 * 10 + 0.25 * 20) / 0.75, 12);
  });

  it('NaN is a missing hour; hours past the twelfth are ignored', () => {
    expect(nowcast([10, Number.NaN, 20, 40])).toBe(nowcast([10, null, 20, 40]));
    const twelve = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21];
    expect(nowcast([...twelve, 1000])).toBe(nowcast(twelve));
  });

  it('min and max come from the valid hours only', () => {
    const v = [20, 18, null, 16, null, 20, 18, 16, 20, 18, 16, 20]; // min/max = 0.8
    expect(nowcast(v)).toBeCloseTo(weighted(v, 0.8), 12);
  });

  it('returns the raw concentration; the AQI truncates it', () => {
    const v = [35.48, 35.48, 35.48];
    expect(nowcast(v)).toBeCloseTo(35.48, 12);
    expect(nowcastAqi('pm25', v)).toBe(100);
    expect(nowcastAqi('pm25', [null, null])).toBeNull();
  });
});

describe('pm25Corrected', () => {
  it.each([
    // x < 30: 0.524·10 − 0.0862·50 + 5.75
    [10, 50, 6.68],
    // 30 ≤ x < 50, f = 0.5: (0.786·0.5 + 0.524·0.5)·40 − 4.31 + 5.75
    [40, 50, 27.64],
    // 50 ≤ x < 210: 0.786·100 − 4.31 + 5.75
    [100, 50, 80.04],
    // 210 ≤ x < 260, g = 0.5: 0.738·235 − 0.0862·50·0.5 + 2.966·0.5 + 5.75·0.5 + 8.84e-4·235²·0.5
    [235, 50, 200.04245],
    // x ≥ 260 (RH drops out): 2.966 + 0.69·300 + 8.84e-4·300²
    [300, 50, 289.526],
    [300, 90, 289.526],
  ])('x = %s, RH = %s → %s', (x, rh, expected) => {
    expect(pm25Corrected(x, rh)).toBeCloseTo(expected, 9);
  });

  it('is the US-wide fit below 30', () => {
    for (const [x, rh] of [
      [0, 0],
      [5, 30],
      [29.9, 95],
    ] as const) {
      expect(pm25Corrected(x, rh)).toBeCloseTo(Math.max(0.524 * x - 0.0862 * rh + 5.75, 0), 12);
    }
  });

  it.each([30, 50, 210, 260])('is continuous at %s', (b) => {
    for (const rh of [0, 35, 70, 100]) {
      const at = pm25Corrected(b, rh) as number;
      const before = pm25Corrected(b - 1e-9, rh) as number;
      expect(Math.abs(at - before)).toBeLessThan(1e-6);
    }
  });

  it('clamps at 0', () => {
    expect(pm25Corrected(0, 100)).toBe(0); // 5.75 − 8.62 < 0
    expect(pm25Corrected(-5, 50)).toBe(0);
  });

  it('null when either input is null', () => {
    expect(pm25Corrected(null, 50)).toBeNull();
    expect(pm25Corrected(10, null)).toBeNull();
    expect(pm25Corrected(300, null)).toBeNull();
    expect(pm25Corrected(Number.NaN, 50)).toBeNull();
  });
});

describe('SQL builders (text)', () => {
  /** Functions the portable builders may call: the same in DuckDB and Snowflake. */
  const PORTABLE = new Set([
    'CAST',
    'FLOOR',
    'ROUND',
    'GREATEST',
    'LEAST',
    'POWER',
    'COUNT',
    'SUM',
    'MIN',
    'MAX',
  ]);
  function functionsIn(sql: string): string[] {
    return [...sql.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)].map((m) => (m[1] as string).toUpperCase());
  }
  const keywords = new Set([
    'IN',
    'AS',
    'AND',
    'OR',
    'THEN',
    'ELSE',
    'WHEN',
    'FROM',
    'JOIN',
    'OVER',
    'BY',
    'ON',
  ]);

  it('aqiSql, aqiCategorySql and pm25CorrectedSql call portable functions only', () => {
    const sql = [
      aqiSql('pm25', 'pm25'),
      aqiSql('pm10', 'pm10'),
      aqiCategorySql('a'),
      pm25CorrectedSql('pm', 'rh'),
    ];
    for (const s of sql) {
      for (const f of functionsIn(s)) if (!keywords.has(f)) expect(PORTABLE.has(f), f).toBe(true);
    }
  });

  it('nowcastSql: only the hour subtraction differs between dialects', () => {
    const opts = { source: 'hourly', keys: ['station_id'], hourColumn: 'hour', valueColumn: 'pm25' };
    const duck = nowcastSql(opts);
    const snow = nowcastSql({ ...opts, dialect: 'snowflake' });
    expect(duck).toContain('to_hours(o.nc_n)');
    expect(snow).toContain('DATEADD(hour, -(o.nc_n), t.hour)');
    expect(snow).not.toContain('to_hours');
    expect(snow.replace('DATEADD(hour, -(o.nc_n), t.hour)', 'X')).toBe(
      duck.replace('(t.hour - to_hours(o.nc_n))', 'X'),
    );
    for (const f of functionsIn(snow)) {
      if (!keywords.has(f) && f !== 'DATEADD' && f !== 'SELECT') expect(PORTABLE.has(f), f).toBe(true);
    }
  });

  it('nowcastSql refuses names that are not identifiers', () => {
    const base = { source: 'hourly', keys: ['station_id'], hourColumn: 'hour', valueColumn: 'pm25' };
    expect(() => nowcastSql({ ...base, valueColumn: 'pm25; DROP TABLE x' })).toThrow(/not an identifier/);
    expect(() => nowcastSql({ ...base, keys: ['nc_n'] })).toThrow(/reserved/);
    expect(() => nowcastSql({ ...base, alias: '"NowCast µg"' })).not.toThrow();
  });
});
