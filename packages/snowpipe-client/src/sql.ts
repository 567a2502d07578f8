import { SnowpipeConfigError } from './errors.js';
import { quoteIdentifier } from './keys.js';

/** A measurement column of the table, as the lake defines it. */
export interface SnowflakeColumn {
  name: string;
  /** Snowflake type; measurement columns are `FLOAT`. */
  type: string;
}

export interface SnowflakeSetupOptions {
  database: string;
  schema: string;
  table: string;
  pipe: string;
  role: string;
  user: string;
  /** Granted for querying the table and for `opensensor snowflake check`; streaming itself needs none. */
  warehouse?: string;
  /** The lake's measurement columns; `station_id` and `timestamp` are added in front. */
  columns: readonly SnowflakeColumn[];
  /** `TIMESTAMP_TZ` (default) keeps the UTC offset the rows carry; `TIMESTAMP_NTZ` drops it. */
  timestampType?: 'TIMESTAMP_TZ' | 'TIMESTAMP_NTZ';
}

const TYPE = /^[A-Za-z_][A-Za-z0-9_]*(\([0-9, ]+\))?$/;

/**
 * The statements that prepare Snowflake for one pipe: database, schema, table, streaming pipe, a
 * least-privilege role and its grants, and the user's default role. Idempotent (`IF NOT EXISTS`) —
 * never `CREATE OR REPLACE PIPE`, which breaks live channels.
 */
export function snowflakeSetupSql(options: SnowflakeSetupOptions): string {
  const db = quoteIdentifier(options.database, 'database');
  const schema = `${db}.${quoteIdentifier(options.schema, 'schema')}`;
  const table = `${schema}.${quoteIdentifier(options.table, 'table')}`;
  const pipe = `${schema}.${quoteIdentifier(options.pipe, 'pipe')}`;
  const role = quoteIdentifier(options.role, 'role');
  const user = quoteIdentifier(options.user, 'user');
  const timestampType = options.timestampType ?? 'TIMESTAMP_TZ';
  if (timestampType !== 'TIMESTAMP_TZ' && timestampType !== 'TIMESTAMP_NTZ') {
    throw new SnowpipeConfigError(
      'timestampType',
      `expected TIMESTAMP_TZ or TIMESTAMP_NTZ, received ${timestampType}`,
    );
  }
  const seen = new Set(['STATION_ID', 'TIMESTAMP']);
  const columns = [
    { key: 'station_id', ident: quoteIdentifier('station_id', 'columns'), type: 'VARCHAR NOT NULL' },
    {
      key: 'timestamp',
      ident: quoteIdentifier('timestamp', 'columns'),
      type: `${timestampType}(3) NOT NULL`,
    },
  ];
  for (const [i, column] of options.columns.entries()) {
    const ident = quoteIdentifier(column.name, `columns[${i}].name`);
    if (seen.has(column.name.toUpperCase())) {
      throw new SnowpipeConfigError(`columns[${i}].name`, `duplicate column ${JSON.stringify(column.name)}`);
    }
    seen.add(column.name.toUpperCase());
    if (!TYPE.test(column.type)) {
      throw new SnowpipeConfigError(
        `columns[${i}].type`,
        `expected a Snowflake type such as FLOAT, received ${JSON.stringify(column.type)}`,
      );
    }
    columns.push({ key: column.name, ident, type: column.type.toUpperCase() });
  }
  const columnDefs = columns.map((c) => `  ${c.ident} ${c.type}`).join(',\n');
  const targetList = columns.map((c) => c.ident).join(', ');
  // JSON path lookups are case-sensitive: extract exactly the keys the rows carry.
  const selectList = columns.map((c) => `$1:"${c.key}"`).join(',\n      ');
  const lines = [
    `-- Run as a role that can create databases, roles and users (e.g. SYSADMIN + SECURITYADMIN).`,
    `CREATE DATABASE IF NOT EXISTS ${db};`,
    `CREATE SCHEMA IF NOT EXISTS ${schema};`,
    '',
    `CREATE TABLE IF NOT EXISTS ${table} (\n${columnDefs}\n);`,
    '',
    `-- Snowpipe Streaming (high-performance) pipe: the rows' JSON keys map to the columns explicitly.`,
    `CREATE PIPE IF NOT EXISTS ${pipe} AS\n  COPY INTO ${table} (${targetList})\n  FROM (\n    SELECT\n      ${selectList}\n    FROM TABLE(DATA_SOURCE(TYPE => 'STREAMING'))\n  );`,
    '',
    `-- A role that can stream into this pipe and nothing else.`,
    `CREATE ROLE IF NOT EXISTS ${role};`,
    `GRANT USAGE ON DATABASE ${db} TO ROLE ${role};`,
    `GRANT USAGE ON SCHEMA ${schema} TO ROLE ${role};`,
    `GRANT INSERT, SELECT ON TABLE ${table} TO ROLE ${role};`,
    `GRANT OPERATE, MONITOR ON PIPE ${pipe} TO ROLE ${role};`,
  ];
  if (options.warehouse !== undefined) {
    lines.push(
      `GRANT USAGE ON WAREHOUSE ${quoteIdentifier(options.warehouse, 'warehouse')} TO ROLE ${role};`,
    );
  }
  lines.push(
    '',
    `-- The station's user: key-pair (or PAT) only, no password.`,
    `CREATE USER IF NOT EXISTS ${user} TYPE = SERVICE;`,
    `GRANT ROLE ${role} TO USER ${user};`,
    `ALTER USER ${user} SET DEFAULT_ROLE = ${role};`,
  );
  return `${lines.join('\n')}\n`;
}
