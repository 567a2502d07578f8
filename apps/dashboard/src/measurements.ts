/** Labels and units for the lake's measurement columns; a column not listed here shows as its name. */
const KNOWN: Record<string, { label: string; unit: string }> = {
  temperature: { label: 'Temperature', unit: '°C' },
  raw_temperature: { label: 'Temperature (raw)', unit: '°C' },
  humidity: { label: 'Humidity', unit: '%RH' },
  raw_humidity: { label: 'Humidity (raw)', unit: '%RH' },
  pressure: { label: 'Pressure', unit: 'hPa' },
  oxidised: { label: 'Oxidising gas', unit: 'kΩ' },
  reducing: { label: 'Reducing gas', unit: 'kΩ' },
  nh3: { label: 'NH₃', unit: 'kΩ' },
  lux: { label: 'Light', unit: 'lux' },
  proximity: { label: 'Proximity', unit: 'counts' },
  pm1: { label: 'PM1', unit: 'µg/m³' },
  pm25: { label: 'PM2.5', unit: 'µg/m³' },
  pm10: { label: 'PM10', unit: 'µg/m³' },
  pm25_corrected: { label: 'PM2.5 (EPA-corrected estimate)', unit: 'µg/m³' },
  co2: { label: 'CO₂', unit: 'ppm' },
  eco2: { label: 'eCO₂', unit: 'ppm' },
  tvoc: { label: 'TVOC', unit: 'ppb' },
};

export function label(m: string): string {
  return KNOWN[m]?.label ?? m;
}

export function unit(m: string): string {
  return KNOWN[m]?.unit ?? (m.startsWith('particles_') ? 'per 0.1 L' : '');
}

/** The measurements of a gold hourly file, from its `<col>_mean` columns, in file order. */
export function measurementsOf(columns: readonly string[]): string[] {
  return columns.filter((c) => c.endsWith('_mean')).map((c) => c.slice(0, -'_mean'.length));
}

/** The measurement a view shows: the one asked for when the station has it, else PM2.5, else the first. */
export function chooseMeasurement(requested: string | undefined, measurements: readonly string[]): string {
  if (requested && measurements.includes(requested)) return requested;
  return measurements.includes('pm25') ? 'pm25' : (measurements[0] ?? 'pm25');
}
