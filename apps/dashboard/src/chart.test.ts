import type uPlot from 'uplot';
import { describe, expect, it } from 'vitest';
import { yScale } from './chart.js';

const rangeOf = (scale: ReturnType<typeof yScale>, min: number, max: number) => {
  const range = scale.y?.range as (u: uPlot, min: number, max: number) => uPlot.Range.MinMax;
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

  it("leaves the scale to uPlot's fit otherwise", () => {
    expect(yScale({})).toEqual({});
  });
});
