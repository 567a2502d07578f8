import { defineLakeSchema, type LakeColumn } from './schema.js';

const float = (name: string, description: string): LakeColumn => ({ name, type: 'float', description });

/**
 * The Enviro+ station lake (DESIGN §3), column for column the reference collector's files: every
 * measurement FLOAT32, nullable. `station_id` is not a column; it is the `station=` directory.
 *
 * The columns, their units and meanings are those of `ENVIROPLUS_COLUMN_INFO` in
 * `@opensensor/sensors-enviroplus`, from which `@opensensor/pipeline` derives the schema a station
 * writes (as for every board). This copy serves users of the writer alone, which depends on no board
 * package; a test in `@opensensor/pipeline` fails when the two differ in anything.
 */
export const SENSOR_SCHEMA = defineLakeSchema({
  name: 'enviroplus',
  version: 1,
  columns: [
    float('temperature', 'Air temperature, the BME280 value compensated for CPU heat (°C)'),
    float('raw_temperature', 'Temperature as read from the BME280 (°C)'),
    float('pressure', 'Barometric pressure from the BME280 (hPa)'),
    float('humidity', 'Relative humidity, compensated for CPU heat (%RH)'),
    float('raw_humidity', 'Relative humidity as read from the BME280 (%RH)'),
    float('oxidised', 'MICS6814 oxidising-gas (NO₂) element resistance (kΩ)'),
    float('reducing', 'MICS6814 reducing-gas (CO) element resistance (kΩ)'),
    float('nh3', 'MICS6814 NH₃ element resistance (kΩ)'),
    float('lux', 'Illuminance from the LTR559 (lux)'),
    float('proximity', 'Raw proximity counts from the LTR559 (counts)'),
    float('pm1', 'PM1.0 mass concentration (CF=1) from the PMS5003 (µg/m³)'),
    float('pm25', 'PM2.5 mass concentration (CF=1) from the PMS5003 (µg/m³)'),
    float('pm10', 'PM10 mass concentration (CF=1) from the PMS5003 (µg/m³)'),
    float(
      'particles_03um',
      'Particles larger than 0.3 µm per 0.1 L of air, from the PMS5003 (particles/0.1 L)',
    ),
    float(
      'particles_05um',
      'Particles larger than 0.5 µm per 0.1 L of air, from the PMS5003 (particles/0.1 L)',
    ),
    float(
      'particles_10um',
      'Particles larger than 1.0 µm per 0.1 L of air, from the PMS5003 (particles/0.1 L)',
    ),
    float(
      'particles_25um',
      'Particles larger than 2.5 µm per 0.1 L of air, from the PMS5003 (particles/0.1 L)',
    ),
    float(
      'particles_50um',
      'Particles larger than 5.0 µm per 0.1 L of air, from the PMS5003 (particles/0.1 L)',
    ),
    float(
      'particles_100um',
      'Particles larger than 10 µm per 0.1 L of air, from the PMS5003 (particles/0.1 L)',
    ),
  ],
});

/**
 * The station health stream (`<output>-health/…/health_HHMM.parquet`), the reference collector's
 * columns with explicit types so that every file has the same schema. Version 2 added the station's
 * configured name and place, so the lake jobs can carry them to the `stations` table.
 */
export const HEALTH_SCHEMA = defineLakeSchema({
  name: 'health',
  version: 2,
  columns: [
    float('cpu_temp_c', '°C'),
    float('cpu_load_1min', 'load average'),
    float('cpu_load_5min', 'load average'),
    float('cpu_load_15min', 'load average'),
    float('memory_total_mb', 'MB'),
    float('memory_available_mb', 'MB'),
    float('memory_percent_used', '%'),
    float('disk_total_gb', 'GB'),
    float('disk_free_gb', 'GB'),
    float('disk_percent_used', '%'),
    { name: 'wifi_ssid', type: 'string', description: 'SSID of the connected network' },
    float('wifi_signal_dbm', 'dBm'),
    float('wifi_quality_percent', '%'),
    { name: 'ip_address', type: 'string', description: 'primary IPv4/IPv6 address' },
    { name: 'clock_synced', type: 'boolean', description: 'system clock synchronised (NTP)' },
    float('ntp_offset_ms', 'ms'),
    { name: 'uptime_seconds', type: 'int64', description: 's since boot' },
    { name: 'power_source', type: 'string', description: 'e.g. "mains", "battery", "under-voltage"' },
    float('battery_percent', '%'),
    float('cpu_voltage_v', 'V'),
    { name: 'throttled_hex', type: 'string', description: 'vcgencmd get_throttled, e.g. "0x0"' },
    { name: 'station_name', type: 'string', description: 'OPENSENSOR_STATION_NAME, null when unset' },
    { name: 'latitude', type: 'double', description: 'OPENSENSOR_STATION_LATITUDE, degrees north (WGS 84)' },
    { name: 'longitude', type: 'double', description: 'OPENSENSOR_STATION_LONGITUDE, degrees east (WGS 84)' },
  ],
});
