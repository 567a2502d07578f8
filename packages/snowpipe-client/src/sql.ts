import { SnowpipeOptionsError } from './errors.js';
import { quoteIdentifier } from './keys.js';

/** A measurement column of the table, as the lake defines it. */
export interface SnowflakeColumn {
  name: string;
  /** Snowflake type; measurement columns are `FLOAT`. */
  type: string;
}

/** One more table the same role and user stream into, through its own pipe. */
export interface SnowflakeStreamTable {
  table: string;
  pipe: string;
  /** Its columns after `station_id` and `timestamp`. */
  columns: readonly SnowflakeColumn[];
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
  /** More tables (e.g. the health rows), each with its own pipe, granted to the same role. */
  moreTables?: readonly SnowflakeStreamTable[];
  /**
   * A column Snowflake fills with the time it wrote the row: a column DEFAULT (`CURRENT_TIMESTAMP()`,
   * or `SYSDATE()` — UTC — for `TIMESTAMP_NTZ`) that the pipe leaves out of its column list, which is
   * how high-performance pipes apply defaults. Default `INGESTED_AT`; null for none.
   */
  ingestedAtColumn?: string | null;
}

const TYPE = /^[A-Za-z_][A-Za-z0-9_]*(\([0-9, ]+\))?$/;

/**
 * The statements that prepare Snowflake for a station: database, schema, each table with its
 * streaming pipe, a least-privilege role and its grants, and the user's default role. Idempotent (`IF NOT EXISTS`) —
 * never `CREATE OR REPLACE PIPE`, which breaks live channels.
 */
export function snowflakeSetupSql(options: SnowflakeSetupOptions): string {
  const db = quoteIdentifier(options.database, 'database');
  const schema = `${db}.${quoteIdentifier(options.schema, 'schema')}`;
  const role = quoteIdentifier(options.role, 'role');
  const user = quoteIdentifier(options.user, 'user');
  const timestampType = options.timestampType ?? 'TIMESTAMP_TZ';
  if (timestampType !== 'TIMESTAMP_TZ' && timestampType !== 'TIMESTAMP_NTZ') {
    throw new SnowpipeOptionsError(
      'timestampType',
      `expected TIMESTAMP_TZ or TIMESTAMP_NTZ, received ${timestampType}`,
    );
  }
  const ingestedAt =
    options.ingestedAtColumn === null
      ? null
      : quoteIdentifier(options.ingestedAtColumn ?? 'INGESTED_AT', 'ingestedAtColumn');
  const tables = [
    { table: options.table, pipe: options.pipe, columns: options.columns, at: '' },
    ...(options.moreTables ?? []).map((t, i) => ({ ...t, at: `moreTables[${i}].` })),
  ].map((t) => ({
    table: `${schema}.${quoteIdentifier(t.table, `${t.at}table`)}`,
    pipe: `${schema}.${quoteIdentifier(t.pipe, `${t.at}pipe`)}`,
    columns: streamedColumns(t.columns, timestampType, ingestedAt, t.at),
  }));
  const lines = [
    `-- Run as a role that can create databases, roles and users (e.g. SYSADMIN + SECURITYADMIN).`,
    `CREATE DATABASE IF NOT EXISTS ${db};`,
    `CREATE SCHEMA IF NOT EXISTS ${schema};`,
  ];
  for (const t of tables) {
    const defs = t.columns.map((c) => `  ${c.ident} ${c.type}`);
    if (ingestedAt) {
      const now = timestampType === 'TIMESTAMP_NTZ' ? 'SYSDATE()' : 'CURRENT_TIMESTAMP()';
      defs.push(`  ${ingestedAt} ${timestampType}(3) DEFAULT ${now}`);
    }
    const targetList = t.columns.map((c) => c.ident).join(', ');
    // JSON path lookups are case-sensitive: extract exactly the keys the rows carry.
    const selectList = t.columns.map((c) => `$1:"${c.key}"`).join(',\n      ');
    lines.push(
      '',
      `CREATE TABLE IF NOT EXISTS ${t.table} (\n${defs.join(',\n')}\n);`,
      '',
      ingestedAt
        ? `-- Snowpipe Streaming (high-performance) pipe: the rows' JSON keys map to the columns explicitly; ${ingestedAt} is left out, so Snowflake fills it from its DEFAULT.`
        : `-- Snowpipe Streaming (high-performance) pipe: the rows' JSON keys map to the columns explicitly.`,
      `CREATE PIPE IF NOT EXISTS ${t.pipe} AS\n  COPY INTO ${t.table} (${targetList})\n  FROM (\n    SELECT\n      ${selectList}\n    FROM TABLE(DATA_SOURCE(TYPE => 'STREAMING'))\n  );`,
    );
  }
  lines.push(
    '',
    `-- A role that can stream into ${tables.length === 1 ? 'this pipe' : 'these pipes'} and nothing else.`,
    `CREATE ROLE IF NOT EXISTS ${role};`,
    `GRANT USAGE ON DATABASE ${db} TO ROLE ${role};`,
    `GRANT USAGE ON SCHEMA ${schema} TO ROLE ${role};`,
  );
  for (const t of tables) {
    lines.push(
      `GRANT INSERT, SELECT ON TABLE ${t.table} TO ROLE ${role};`,
      `GRANT OPERATE, MONITOR ON PIPE ${t.pipe} TO ROLE ${role};`,
    );
  }
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

/** `station_id`, `timestamp` and the given columns, checked: plain names, no duplicates, plain types. */
function streamedColumns(
  given: readonly SnowflakeColumn[],
  timestampType: string,
  ingestedAt: string | null,
  at: string,
): { key: string; ident: string; type: string }[] {
  const seen = new Set(['"STATION_ID"', '"TIMESTAMP"', ...(ingestedAt ? [ingestedAt] : [])]);
  const columns = [
    { key: 'station_id', ident: quoteIdentifier('station_id', 'columns'), type: 'VARCHAR NOT NULL' },
    {
      key: 'timestamp',
      ident: quoteIdentifier('timestamp', 'columns'),
      type: `${timestampType}(3) NOT NULL`,
    },
  ];
  for (const [i, column] of given.entries()) {
    const ident = quoteIdentifier(column.name, `${at}columns[${i}].name`);
    if (seen.has(ident)) {
      throw new SnowpipeOptionsError(
        `${at}columns[${i}].name`,
        `duplicate column ${JSON.stringify(column.name)}`,
      );
    }
    seen.add(ident);
    if (!TYPE.test(column.type)) {
      throw new SnowpipeOptionsError(
        `${at}columns[${i}].type`,
        `expected a Snowflake type such as FLOAT, received ${JSON.stringify(column.type)}`,
      );
    }
    columns.push({ key: column.name, ident, type: column.type.toUpperCase() });
  }
  return columns;
}
