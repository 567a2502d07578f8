import uPlot from 'uplot';
import { describe, expect, it } from 'vitest';
import { overWholeDays, yScale } from './chart.js';

const rangeOf = (scale: ReturnType<typeof yScale>, min: number, max: number) => {
  const range = scale.y.range as (u: uPlot, min: number, max: number) => uPlot.Range.MinMax;
  return range({} as uPlot, min, max);
};

describe('yScale', () => {
  it('keeps a percentage between 0 and 100, even for a constant 100', () => {
    expect(rangeOf(yScale({ yRange: [0, 100] }), 100, 100)).toEqual([0, 100]);
    expect(rangeOf(yScale({ yRange: [0, 100] }), 12.5, 99.9)).toEqual([0, 100]);
  });

  it('starts at 0 and reaches at least yAtLeast, or the data rounded up', () => {
    expect(rangeOf(yScale({ yAtLeast: 100 }), 3, 40)).toEqual([0, 100]);
    expect(rangeOf(yScale({ yAtLeast: 100 }), 3, 140)).toEqual([0, 150]);
  });

  it("keeps uPlot's own fit for data that varies", () => {
    expect(rangeOf(yScale({}), 12, 37)).toEqual(uPlot.rangeNum(12, 37, 0.1, true));
    expect(rangeOf(yScale({}), 1008.2, 1013.9)).toEqual(uPlot.rangeNum(1008.2, 1013.9, 0.1, true));
  });

  it('widens a nearly constant series, so its ticks are not a millionth apart', () => {
    // A daily CPU maximum of 53 °C on three days, one of them a float's last bits lower.
    const [lo, hi] = rangeOf(yScale({}), 52.999996, 53) as [number, number];
    expect(hi - lo).toBeCloseTo(0.265, 6);
    expect((lo + hi) / 2).toBeCloseTo(52.999998, 6);
    // Around zero the range is at least 0.1 wide.
    const [z0, z1] = rangeOf(yScale({}), -0.00001, 0.00001) as [number, number];
    expect(z1 - z0).toBeCloseTo(0.1, 9);
    // An exactly constant series keeps uPlot's range, which starts at 0.
    expect(rangeOf(yScale({}), 53, 53)).toEqual(uPlot.rangeNum(53, 53, 0.1, true));
  });
});

describe('overWholeDays', () => {
  it('ends the last day at its midnight with its own value, so every day is drawn as a whole day', () => {
    const day = 86_400;
    const x = [10 * day, 11 * day, 12 * day];
    expect(overWholeDays(x, [100, 91.7, 50], [53, null, 53.1])).toEqual([
      [10 * day, 11 * day, 12 * day, 13 * day],
      [100, 91.7, 50, 50],
      [53, null, 53.1, 53.1],
    ]);
    // One day is a level line over that day; no day, no points.
    expect(overWholeDays([x[0] as number], [42])).toEqual([
      [10 * day, 11 * day],
      [42, 42],
    ]);
    expect(overWholeDays([], [])).toEqual([[], []]);
  });
});
