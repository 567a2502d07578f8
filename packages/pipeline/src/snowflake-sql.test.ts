import { HEALTH_SCHEMA } from '@opensensor/parquet-hive-writer';
import { describe, expect, it } from 'vitest';
import { healthRowConstants } from './from-config.js';
import { schemaForBoard } from './schemas.js';
import {
  COMPAT_APPS,
  COMPAT_VIEWS,
  CompatViewError,
  compatViewColumns,
  compatViewSql,
  healthTableColumns,
  stationSnowflakeSql,
} from './snowflake-sql.js';

const NAMES = {
  database: 'OPENSENSOR',
  schema: 'LAKE',
  table: 'READINGS',
  pipe: 'READINGS_PIPE',
  role: 'OPENSENSOR_STREAMING',
  user: 'OPENSENSOR_STATION',
};
const HEALTH = { table: 'HEALTH', pipe: 'HEALTH_PIPE' };

/**
 * The columns the old apps' documented queries name (their READMEs and setup_snowflake.sql, and the
 * system columns the issue lists): tspannhw/sensehat-snowflake-streaming and
 * tspannhw/RPIThermalStreaming. Their queries must run unchanged on the compatibility views.
 */
const OLD_QUERY_COLUMNS: Record<(typeof COMPAT_APPS)[number], string[]> = {
  sensehat: [
    'hostname',
    'datetimestamp',
    'ingestion_timestamp',
    'temperature',
    'humidity',
    'pressure',
    'pitch',
    'roll',
    'yaw',
    'compass',
    'cputempc',
    'cputempf',
    'cpu_percent',
    'memory_percent',
    'disk_usage_mb',
  ],
  thermal: [
    'hostname',
    'datetimestamp',
    'ingestion_timestamp',
    'temperature',
    'humidity',
    'co2',
    'pressure',
    'cputempc',
    'cputempf',
    'cpu',
    'memory',
    'cpu_percent',
    'memory_percent',
    'disk_usage_mb',
  ],
};

describe('Snowflake SQL from the lake column definitions', () => {
  it('the health table has every health lake column, typed, plus the host the rows carry; the station name stays second', async () => {
    const sql = await stationSnowflakeSql({ ...NAMES, board: 'breakout', health: HEALTH });
    const table = /CREATE TABLE IF NOT EXISTS "OPENSENSOR"\."LAKE"\."HEALTH" \(\n([\s\S]*?)\n\);/.exec(
      sql,
    )?.[1];
    const columns = (table ?? '').split(',\n').map((l) => l.trim());
    expect(columns).toEqual([
      '"STATION_ID" VARCHAR NOT NULL',
      '"TIMESTAMP" TIMESTAMP_TZ(3) NOT NULL',
      '"HOSTNAME" VARCHAR',
      '"STATION_NAME" VARCHAR',
      ...HEALTH_SCHEMA.columns
        .filter((c) => c.name !== 'station_name')
        .map(
          (c) =>
            `"${c.name.toUpperCase()}" ${{ float: 'FLOAT', double: 'FLOAT', string: 'VARCHAR', boolean: 'BOOLEAN', int64: 'NUMBER(38,0)' }[c.type as string]}`,
        ),
      '"INGESTED_AT" TIMESTAMP_TZ(3) DEFAULT CURRENT_TIMESTAMP()',
    ]);
    // What the agent sends besides the lake columns is exactly what the table adds.
    expect(Object.keys(healthRowConstants())).toEqual(
      healthTableColumns()
        .slice(0, 1)
        .map((c) => c.name),
    );
    expect(sql).toContain('CREATE PIPE IF NOT EXISTS "OPENSENSOR"."LAKE"."HEALTH_PIPE" AS');
    expect(sql).toContain('$1:"throttled_hex"');
    expect(sql).not.toMatch(/\$1:"ingested_at"/);
    expect(sql).toContain('"CO2" FLOAT');
    expect(sql).toContain('GRANT OPERATE, MONITOR ON PIPE "OPENSENSOR"."LAKE"."HEALTH_PIPE"');
  });

  it.each(COMPAT_APPS)('the %s view has every column the old queries use', (app) => {
    expect(compatViewColumns(app)).toEqual(expect.arrayContaining(OLD_QUERY_COLUMNS[app]));
    expect(new Set(compatViewColumns(app)).size).toBe(compatViewColumns(app).length);
  });

  it('each view reads only columns the lake defines, under the old names and units', async () => {
    const sense = await compatViewSql('sensehat', {
      ...NAMES,
      readingsTable: 'READINGS',
      healthTable: 'HEALTH',
    });
    expect(sense).toContain('CREATE OR REPLACE VIEW "OPENSENSOR"."LAKE"."SENSEHAT_SENSOR_DATA" AS');
    expect(sense).toContain('MOD(r."PITCH" + 360, 360) AS pitch');
    expect(sense).toContain('r."COMPASS_HEADING" AS compass');
    expect(sense).toContain('h."CPU_TEMP_C" * 9 / 5 + 32 AS cputempf');
    expect(sense).toContain(`CONVERT_TIMEZONE('UTC', r."INGESTED_AT")::TIMESTAMP_NTZ AS ingestion_timestamp`);
    expect(sense).toContain('ASOF JOIN "OPENSENSOR"."LAKE"."HEALTH" h');
    const thermal = await compatViewSql('thermal', {
      ...NAMES,
      readingsTable: 'READINGS',
      healthTable: 'HEALTH',
    });
    expect(thermal).toContain('"THERMAL_SENSOR_DATA"');
    expect(thermal).toContain('r."PRESSURE" * 100 AS pressure');
    expect(thermal).toContain('r."ECO2" AS equivalentco2ppm');
    // Every {r.x} / {h.x} names a lake column of the view's board, or of the health table.
    for (const app of COMPAT_APPS) {
      const board = new Set(schemaForBoard(COMPAT_VIEWS[app].board).columns.map((c) => c.name));
      const health = new Set(healthTableColumns().map((c) => c.name));
      for (const col of COMPAT_VIEWS[app].columns) {
        for (const [, side, name] of col.sql.matchAll(/\{([rh])\.([a-z0-9_]+)\}/g)) {
          const base = ['station_id', 'timestamp', ...(side === 'r' ? ['ingested_at'] : [])];
          expect(base.includes(name as string) || (side === 'r' ? board : health).has(name as string)).toBe(
            true,
          );
        }
      }
    }
  });

  it('prints a view only over the tables it fits', async () => {
    const sql = await stationSnowflakeSql({
      ...NAMES,
      board: 'sensehat',
      health: HEALTH,
      compat: 'sensehat',
    });
    expect(sql).toContain('"SENSEHAT_SENSOR_DATA"');
    await expect(
      stationSnowflakeSql({ ...NAMES, board: 'enviroplus', health: HEALTH, compat: 'thermal' }),
    ).rejects.toBeInstanceOf(CompatViewError);
    await expect(
      stationSnowflakeSql({ ...NAMES, board: 'breakout', health: null, compat: 'thermal' }),
    ).rejects.toThrow(/needs the health table/);
  });
});
