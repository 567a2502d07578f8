import { defineLakeSchema, type LakeColumn } from './schema.js';

const float = (name: string, description: string): LakeColumn => ({ name, type: 'float', description });

/**
 * The Enviro+ station lake (DESIGN §3), column for column the reference collector's files: every
 * measurement FLOAT32, nullable. `station_id` is not a column; it is the `station=` directory.
 */
export const SENSOR_SCHEMA = defineLakeSchema({
  name: 'enviroplus',
  version: 1,
  columns: [
    float('temperature', '°C, compensated for CPU heat'),
    float('raw_temperature', '°C, as read from the BME280'),
    float('pressure', 'hPa'),
    float('humidity', '%RH, compensated'),
    float('raw_humidity', '%RH, as read from the BME280'),
    float('oxidised', 'kΩ, MICS6814 OX'),
    float('reducing', 'kΩ, MICS6814 RED'),
    float('nh3', 'kΩ, MICS6814 NH3'),
    float('lux', 'lux, LTR559'),
    float('proximity', 'raw proximity counts, LTR559'),
    float('pm1', 'µg/m³ (CF=1), PMS5003'),
    float('pm25', 'µg/m³ (CF=1), PMS5003'),
    float('pm10', 'µg/m³ (CF=1), PMS5003'),
    float('particles_03um', 'particles > 0.3 µm per 0.1 L'),
    float('particles_05um', 'particles > 0.5 µm per 0.1 L'),
    float('particles_10um', 'particles > 1.0 µm per 0.1 L'),
    float('particles_25um', 'particles > 2.5 µm per 0.1 L'),
    float('particles_50um', 'particles > 5.0 µm per 0.1 L'),
    float('particles_100um', 'particles > 10 µm per 0.1 L'),
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
