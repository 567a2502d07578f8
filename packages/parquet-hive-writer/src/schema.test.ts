import { describe, expect, it } from 'vitest';
import { LakeSchemaError } from './errors.js';
import { defineLakeSchema } from './schema.js';
import { HEALTH_SCHEMA, SENSOR_SCHEMA } from './schemas.js';

describe('defineLakeSchema', () => {
  it('puts the implicit timestamp first and indexes the other columns', () => {
    const s = defineLakeSchema({
      name: 'board-x',
      version: 2,
      columns: [{ name: 'co2_ppm', type: 'float' }],
    });
    expect(s.allColumns.map((c) => [c.name, c.type])).toEqual([
      ['timestamp', 'timestamp-ms'],
      ['co2_ppm', 'float'],
    ]);
    expect(s.columnIndex.get('co2_ppm')).toBe(0);
    expect(Object.isFrozen(s.columns)).toBe(true);
  });

  it.each([
    [{ name: 'x', version: 1, columns: [{ name: 'timestamp', type: 'timestamp-ms' }] }, /implicit/],
    [{ name: 'x', version: 1, columns: [{ name: 'Temp', type: 'float' }] }, /snake case/],
    [{ name: 'x', version: 1, columns: [{ name: 'day', type: 'float' }] }, /Hive partition/],
    [
      {
        name: 'x',
        version: 1,
        columns: [
          { name: 'a', type: 'float' },
          { name: 'a', type: 'double' },
        ],
      },
      /duplicate/,
    ],
    [{ name: 'x', version: 1, columns: [{ name: 'a', type: 'decimal' }] }, /not one of/],
    [{ name: 'x', version: 0, columns: [{ name: 'a', type: 'float' }] }, /version/],
    [{ name: '../x', version: 1, columns: [{ name: 'a', type: 'float' }] }, /schema name/],
    [{ name: 'x', version: 1, columns: [] }, /at least one column/],
  ])('rejects %j', (definition, message) => {
    expect(() => defineLakeSchema(definition as Parameters<typeof defineLakeSchema>[0])).toThrow(
      LakeSchemaError,
    );
    expect(() => defineLakeSchema(definition as Parameters<typeof defineLakeSchema>[0])).toThrow(message);
  });
});

describe('built-in schemas', () => {
  it('SENSOR_SCHEMA is the lake contract of DESIGN §3: 19 nullable FLOAT32 measurements', () => {
    expect(SENSOR_SCHEMA.columns.map((c) => c.name)).toEqual([
      'temperature',
      'raw_temperature',
      'pressure',
      'humidity',
      'raw_humidity',
      'oxidised',
      'reducing',
      'nh3',
      'lux',
      'proximity',
      'pm1',
      'pm25',
      'pm10',
      'particles_03um',
      'particles_05um',
      'particles_10um',
      'particles_25um',
      'particles_50um',
      'particles_100um',
    ]);
    expect(new Set(SENSOR_SCHEMA.columns.map((c) => c.type))).toEqual(new Set(['float']));
  });

  it('HEALTH_SCHEMA has the reference health columns with explicit types', () => {
    expect(HEALTH_SCHEMA.columns).toHaveLength(24);
    expect(HEALTH_SCHEMA.version).toBe(2);
    const types = Object.fromEntries(HEALTH_SCHEMA.columns.map((c) => [c.name, c.type]));
    expect(types).toMatchObject({
      cpu_temp_c: 'float',
      uptime_seconds: 'int64',
      clock_synced: 'boolean',
      wifi_ssid: 'string',
      ip_address: 'string',
      power_source: 'string',
      throttled_hex: 'string',
      station_name: 'string',
      latitude: 'double',
      longitude: 'double',
    });
  });
});
