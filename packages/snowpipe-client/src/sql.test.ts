import { describe, expect, it } from 'vitest';
import { snowflakeSetupSql } from './sql.js';

describe('setup SQL', () => {
  it('creates table, v2 streaming pipe with explicit key extraction, role, grants and default role', () => {
    const sql = snowflakeSetupSql({
      database: 'opensensor',
      schema: 'lake',
      table: 'readings',
      pipe: 'readings_pipe',
      role: 'opensensor_streaming',
      user: 'station_1',
      warehouse: 'compute_wh',
      columns: [
        { name: 'temperature', type: 'FLOAT' },
        { name: 'pm25', type: 'FLOAT' },
      ],
    });
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS "OPENSENSOR"."LAKE"."READINGS" (');
    expect(sql).toContain('"STATION_ID" VARCHAR NOT NULL');
    expect(sql).toContain('"TIMESTAMP" TIMESTAMP_TZ(3) NOT NULL');
    expect(sql).toContain('"PM25" FLOAT');
    expect(sql).toContain('CREATE PIPE IF NOT EXISTS "OPENSENSOR"."LAKE"."READINGS_PIPE" AS');
    expect(sql).toContain('$1:"station_id"');
    expect(sql).toContain('$1:"pm25"');
    expect(sql).toContain("FROM TABLE(DATA_SOURCE(TYPE => 'STREAMING'))");
    expect(sql).toContain(
      'GRANT OPERATE, MONITOR ON PIPE "OPENSENSOR"."LAKE"."READINGS_PIPE" TO ROLE "OPENSENSOR_STREAMING";',
    );
    expect(sql).toContain('GRANT INSERT, SELECT ON TABLE');
    expect(sql).toContain('GRANT USAGE ON WAREHOUSE "COMPUTE_WH"');
    expect(sql).toContain('ALTER USER "STATION_1" SET DEFAULT_ROLE = "OPENSENSOR_STREAMING";');
    expect(sql).not.toContain('OR REPLACE');
  });

  it('adds more tables with their own pipes for the same role, and an INGESTED_AT column the pipe leaves to its default', () => {
    const sql = snowflakeSetupSql({
      database: 'opensensor',
      schema: 'lake',
      table: 'readings',
      pipe: 'readings_pipe',
      role: 'opensensor_streaming',
      user: 'station_1',
      columns: [{ name: 'temperature', type: 'FLOAT' }],
      moreTables: [
        {
          table: 'health',
          pipe: 'health_pipe',
          columns: [
            { name: 'hostname', type: 'VARCHAR' },
            { name: 'uptime_seconds', type: 'NUMBER(38,0)' },
          ],
        },
      ],
    });
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS "OPENSENSOR"."LAKE"."HEALTH" (');
    expect(sql).toContain('"UPTIME_SECONDS" NUMBER(38,0)');
    expect(sql.match(/"INGESTED_AT" TIMESTAMP_TZ\(3\) DEFAULT CURRENT_TIMESTAMP\(\)/g)).toHaveLength(2);
    expect(sql).toContain(
      'COPY INTO "OPENSENSOR"."LAKE"."HEALTH" ("STATION_ID", "TIMESTAMP", "HOSTNAME", "UPTIME_SECONDS")',
    );
    expect(sql).toContain(
      'COPY INTO "OPENSENSOR"."LAKE"."READINGS" ("STATION_ID", "TIMESTAMP", "TEMPERATURE")',
    );
    expect(sql).toContain('GRANT OPERATE, MONITOR ON PIPE "OPENSENSOR"."LAKE"."HEALTH_PIPE"');
    expect(sql).toContain('GRANT INSERT, SELECT ON TABLE "OPENSENSOR"."LAKE"."HEALTH"');
    expect(sql.match(/CREATE ROLE/g)).toHaveLength(1);
    const ntz = snowflakeSetupSql({
      database: 'd',
      schema: 's',
      table: 't',
      pipe: 'p',
      role: 'r',
      user: 'u',
      columns: [],
      timestampType: 'TIMESTAMP_NTZ',
    });
    expect(ntz).toContain('"INGESTED_AT" TIMESTAMP_NTZ(3) DEFAULT SYSDATE()');
    expect(
      snowflakeSetupSql({
        database: 'd',
        schema: 's',
        table: 't',
        pipe: 'p',
        role: 'r',
        user: 'u',
        columns: [],
        ingestedAtColumn: null,
      }),
    ).not.toContain('INGESTED_AT');
    expect(() =>
      snowflakeSetupSql({
        database: 'd',
        schema: 's',
        table: 't',
        pipe: 'p',
        role: 'r',
        user: 'u',
        columns: [],
        moreTables: [{ table: 'h', pipe: 'hp', columns: [{ name: 'ingested_at', type: 'FLOAT' }] }],
      }),
    ).toThrow(/moreTables\[0\]\.columns\[0\]\.name/);
  });

  it('refuses identifiers and types that could inject SQL', () => {
    const base = { database: 'd', schema: 's', table: 't', pipe: 'p', role: 'r', user: 'u', columns: [] };
    expect(() => snowflakeSetupSql({ ...base, table: 't; DROP TABLE x' })).toThrow(/"table"/);
    expect(() => snowflakeSetupSql({ ...base, columns: [{ name: 'x', type: 'FLOAT); DROP' }] })).toThrow(
      /columns\[0\]\.type/,
    );
    expect(() => snowflakeSetupSql({ ...base, columns: [{ name: 'Timestamp', type: 'FLOAT' }] })).toThrow(
      /duplicate/,
    );
  });
});
