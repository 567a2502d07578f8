/**
 * US EPA AQI categories as the lake's `aqi_hourly.category` names them, with the EPA's own colours.
 * The colours are never the only cue: the view always writes the category's name next to them.
 */
export interface AqiCategory {
  name: string;
  /** Upper end of the category's AQI range. */
  max: number;
  colour: string;
  /** Text colour readable on `colour`. */
  ink: string;
}

export const AQI_CATEGORIES: readonly AqiCategory[] = [
  { name: 'Good', max: 50, colour: '#00e400', ink: '#000' },
  { name: 'Moderate', max: 100, colour: '#ffff00', ink: '#000' },
  { name: 'Unhealthy for Sensitive Groups', max: 150, colour: '#ff7e00', ink: '#000' },
  { name: 'Unhealthy', max: 200, colour: '#ff0000', ink: '#fff' },
  { name: 'Very Unhealthy', max: 300, colour: '#8f3f97', ink: '#fff' },
  { name: 'Hazardous', max: Number.POSITIVE_INFINITY, colour: '#7e0023', ink: '#fff' },
];

export function categoryByName(name: string | null | undefined): AqiCategory | undefined {
  return AQI_CATEGORIES.find((c) => c.name === name);
}

export function categoryOfAqi(aqi: number): AqiCategory {
  return AQI_CATEGORIES.find((c) => aqi <= c.max) ?? (AQI_CATEGORIES.at(-1) as AqiCategory);
}

/** The categories as bands of the AQI axis, named in words (with their range) for the AQI chart. */
export function aqiBands(): { from: number; to: number; colour: string; label: string }[] {
  return AQI_CATEGORIES.map((c, i) => {
    const from = i === 0 ? 0 : (AQI_CATEGORIES[i - 1] as AqiCategory).max;
    const to = Number.isFinite(c.max) ? c.max : 1000;
    return {
      from,
      to,
      colour: c.colour,
      label: `${c.name} (${from === 0 ? 0 : from + 1}–${Number.isFinite(c.max) ? c.max : '…'})`,
    };
  });
}

/** Okabe–Ito: distinguishable with the common colour-vision deficiencies. */
export const PALETTE = [
  '#0072b2',
  '#e69f00',
  '#009e73',
  '#cc79a7',
  '#56b4e9',
  '#d55e00',
  '#f0e442',
  '#000000',
];

/** WHO 2021 PM2.5 24-hour guideline (15 µg/m³) and the line the network's dashboard draws at 45. */
export const WHO_PM25_24H = [15, 45] as const;
