import { OpenSensorError } from '@opensensor/errors';
import { HEALTH_SCHEMA, type LakeColumnType, type LakeSchema } from '@opensensor/parquet-hive-writer';
import type { SnowflakeColumn, SnowflakeSetupOptions } from '@opensensor/snowpipe-client';
import { type BoardKind, schemaForBoard } from './schemas.js';

/**
 * Snowflake SQL for a station, derived from the lake's own column definitions: the readings table
 * has the board's lake columns, the health table the health lake's (plus who sent the row), and
 * the compatibility views name those same columns. Nothing here lists a column of its own.
 */

/** Lake column types as Snowflake columns; FLOAT is 64-bit in Snowflake, exact for the lake's FLOAT32. */
export function snowflakeColumnType(type: LakeColumnType): string {
  switch (type) {
    case 'float':
    case 'double':
      return 'FLOAT';
    case 'int32':
    case 'int64':
      return 'NUMBER(38,0)';
    case 'boolean':
      return 'BOOLEAN';
    case 'timestamp-ms':
      return 'TIMESTAMP_TZ(3)';
    case 'string':
      return 'VARCHAR';
  }
}

function columnsOf(schema: LakeSchema): SnowflakeColumn[] {
  return schema.columns.map((c) => ({ name: c.name, type: snowflakeColumnType(c.type) }));
}

/** Columns every health row carries besides the health lake's: the machine it came from. */
export const HEALTH_ROW_IDENTITY_COLUMNS: readonly SnowflakeColumn[] = [
  { name: 'hostname', type: 'VARCHAR' },
];

/** The readings table's columns after `station_id` and `timestamp`: the board's lake columns. */
export function readingsTableColumns(board: BoardKind): SnowflakeColumn[] {
  return columnsOf(schemaForBoard(board));
}

/** The health table's columns after `station_id` and `timestamp`. */
export function healthTableColumns(): SnowflakeColumn[] {
  // `station_name` is a health lake column since schema v2; it keeps its place after `hostname`,
  // where tables created before it have it.
  const lake = columnsOf(HEALTH_SCHEMA);
  const first = lake.filter((c) => c.name === 'station_name');
  return [...HEALTH_ROW_IDENTITY_COLUMNS, ...first, ...lake.filter((c) => c.name !== 'station_name')];
}

/** The old apps whose table a compatibility view reproduces. */
export type CompatApp = 'sensehat' | 'thermal';
export const COMPAT_APPS: readonly CompatApp[] = ['sensehat', 'thermal'];

/**
 * One column of a compatibility view: its old name and the expression that computes it. `{r.x}` is
 * column `x` of the readings table, `{h.x}` of the health row in force at that reading (the latest
 * at or before it, same station); both are checked against the lake's column definitions.
 */
export interface CompatColumn {
  name: string;
  sql: string;
  /** Old unit or meaning, for the docs. */
  note: string;
}

export interface CompatView {
  /** The old app's table name, so that its queries run unchanged. */
  view: string;
  /** The board whose readings table the view reads. */
  board: BoardKind;
  columns: readonly CompatColumn[];
}

const c = (name: string, sql: string, note = ''): CompatColumn => ({ name, sql, note });
const same = (name: string, note = '') => c(name, `{r.${name}}`, note);
const fahrenheit = (x: string) => `${x} * 9 / 5 + 32`;

/** Identity and time columns of both old tables. */
const COMMON_HEAD: readonly CompatColumn[] = [
  c(
    'hostname',
    'COALESCE({h.hostname}, {r.station_id})',
    'host name from the health row (station id before the first one)',
  ),
  c('ipaddress', '{h.ip_address}', 'from the health row'),
  c('ts', 'DATE_PART(EPOCH_SECOND, {r.timestamp})', 'seconds since the epoch'),
  c('datetimestamp', '{r.timestamp}::TIMESTAMP_NTZ', 'reading time, UTC, without zone like the old column'),
  c('systemtime', "TO_VARCHAR({r.timestamp}::TIMESTAMP_NTZ, 'MM/DD/YYYY HH24:MI:SS')", 'UTC'),
];

/** The system columns of the old apps, from the health row in force at the reading. */
const SYSTEM: readonly CompatColumn[] = [
  c('cputempc', '{h.cpu_temp_c}', '°C'),
  // Not measured: the health stream records load averages (cpu_load_1min), not a CPU usage percentage.
  c('cpu_percent', 'NULL::FLOAT', 'not measured by the agent: null (see HEALTH.CPU_LOAD_1MIN)'),
  c('memory_percent', '{h.memory_percent_used}', '%'),
  c('disk_usage_mb', '({h.disk_total_gb} - {h.disk_free_gb}) * 1024', 'MB used on the data file system'),
];

const COMMON_TAIL: readonly CompatColumn[] = [
  c(
    'ingestion_timestamp',
    "CONVERT_TIMEZONE('UTC', {r.ingested_at})::TIMESTAMP_NTZ",
    'when Snowflake wrote the reading (INGESTED_AT), UTC',
  ),
  c('station_id', '{r.station_id}', 'new'),
  c('station_name', '{h.station_name}', 'new'),
];

const orientation = (name: string, column = name) =>
  c(name, `MOD({r.${column}} + 360, 360)`, 'degrees 0..360 like get_orientation()');

export const COMPAT_VIEWS: Readonly<Record<CompatApp, CompatView>> = {
  sensehat: {
    view: 'SENSEHAT_SENSOR_DATA',
    board: 'sensehat',
    columns: [
      ...COMMON_HEAD,
      same('temperature', '°C'),
      same('humidity', '%RH'),
      same('pressure', 'mbar (= hPa)'),
      orientation('pitch'),
      orientation('roll'),
      orientation('yaw'),
      ...['accel', 'gyro', 'mag'].flatMap((v) => ['x', 'y', 'z'].map((axis) => same(`${v}_${axis}`))),
      c('compass', '{r.compass_heading}', 'degrees 0..360'),
      ...SYSTEM,
      c('cputempf', fahrenheit('{h.cpu_temp_c}'), '°F'),
      ...COMMON_TAIL,
    ],
  },
  thermal: {
    view: 'THERMAL_SENSOR_DATA',
    board: 'breakout',
    columns: [
      ...COMMON_HEAD,
      c('host', 'COALESCE({h.hostname}, {r.station_id})', 'same as hostname'),
      same('temperature', '°C, SCD4x'),
      same('humidity', '%RH, SCD4x'),
      same('co2', 'ppm, SCD4x'),
      c('equivalentco2ppm', '{r.eco2}', 'ppm, SGP30'),
      c('totalvocppb', '{r.tvoc}', 'ppb, SGP30'),
      c('pressure', '{r.pressure} * 100', 'Pa, ICP-10125 (the lake stores hPa)'),
      c('temperatureicp', fahrenheit('{r.pressure_temperature}'), '°F, ICP-10125'),
      ...SYSTEM,
      c('cputempf', `ROUND(${fahrenheit('{h.cpu_temp_c}')})::INTEGER`, '°F, whole degrees'),
      c('cpu', 'NULL::FLOAT', 'old name of cpu_percent: null'),
      c('memory', '{h.memory_percent_used}', 'old name of memory_percent'),
      c(
        'diskusage',
        "TO_VARCHAR(ROUND({h.disk_free_gb} * 1024, 1)) || ' MB'",
        'free space, text like "104222.5 MB"',
      ),
      ...COMMON_TAIL,
    ],
  },
};

/** The column names a compatibility view has, in order. */
export function compatViewColumns(app: CompatApp): string[] {
  return COMPAT_VIEWS[app].columns.map((col) => col.name);
}

export interface CompatViewSqlOptions {
  database: string;
  schema: string;
  readingsTable: string;
  healthTable: string;
  /** Column Snowflake fills at ingestion (as in `snowflakeSetupSql`). Default `INGESTED_AT`. */
  ingestedAtColumn?: string;
}

const ALIAS = /^[a-z_][a-z0-9_]*$/;

/**
 * `CREATE OR REPLACE VIEW` of an old app's table over the readings and health tables: each reading
 * joined (ASOF) to the latest health row of its station at or before it. Views hold no data, so
 * replacing one is safe (unlike a pipe).
 */
export async function compatViewSql(app: CompatApp, o: CompatViewSqlOptions): Promise<string> {
  const { quoteIdentifier: quote } = await import('@opensensor/snowpipe-client');
  const def = COMPAT_VIEWS[app];
  const readingColumns = new Set([
    'station_id',
    'timestamp',
    (o.ingestedAtColumn ?? 'INGESTED_AT').toLowerCase(),
    ...schemaForBoard(def.board).columns.map((col) => col.name),
  ]);
  const healthColumns = new Set(['station_id', 'timestamp', ...healthTableColumns().map((col) => col.name)]);
  const resolve = (sql: string, column: string) =>
    sql.replace(/\{([rh])\.([a-z0-9_]+)\}/g, (_, side: string, name: string) => {
      const known = side === 'r' ? readingColumns : healthColumns;
      const mapped = side === 'r' && name === 'ingested_at' ? (o.ingestedAtColumn ?? 'INGESTED_AT') : name;
      if (!known.has(mapped.toLowerCase())) {
        throw new Error(
          `${def.view}.${column}: ${side === 'r' ? `the ${def.board} readings` : 'the health'} table has no column ${name}`,
        );
      }
      return `${side}.${quote(mapped, column)}`;
    });
  const schema = `${quote(o.database, 'database')}.${quote(o.schema, 'schema')}`;
  const select = def.columns.map((col) => {
    if (!ALIAS.test(col.name)) throw new Error(`${def.view}: invalid column name ${col.name}`);
    // Unquoted aliases: the old queries name them unquoted (hostname resolves to HOSTNAME).
    return `  ${resolve(col.sql, col.name)} AS ${col.name}`;
  });
  return [
    `-- ${def.view} as the old ${app === 'sensehat' ? 'Sense HAT' : 'thermal (SCD4x/SGP30/ICP-10125)'} app had it, over ${o.readingsTable} and ${o.healthTable}.`,
    `CREATE OR REPLACE VIEW ${schema}.${quote(def.view, 'view')} AS`,
    'SELECT',
    select.join(',\n'),
    `FROM ${schema}.${quote(o.readingsTable, 'readingsTable')} r`,
    `ASOF JOIN ${schema}.${quote(o.healthTable, 'healthTable')} h`,
    '  MATCH_CONDITION (r."TIMESTAMP" >= h."TIMESTAMP")',
    '  ON r."STATION_ID" = h."STATION_ID";',
    '',
  ].join('\n');
}

export interface StationSnowflakeSqlOptions
  extends Omit<SnowflakeSetupOptions, 'columns' | 'moreTables' | 'ingestedAtColumn'> {
  /** The board whose lake columns the readings table has. */
  board: BoardKind;
  /** The health table and its pipe; null leaves the health rows out. */
  health: { table: string; pipe: string } | null;
  /** Also the view that reproduces an old app's table (needs the health table). */
  compat?: CompatApp;
}

/**
 * Everything `opensensor snowflake sql` prints: the readings table and pipe (board columns), the
 * health table and pipe, both with `INGESTED_AT`, the streaming role and user, and optionally a
 * compatibility view. Loads the Snowflake client's SQL builder lazily.
 */
export async function stationSnowflakeSql(o: StationSnowflakeSqlOptions): Promise<string> {
  const { snowflakeSetupSql } = await import('@opensensor/snowpipe-client');
  const { board, health, compat, ...names } = o;
  if (compat && COMPAT_VIEWS[compat].board !== board) {
    throw new CompatViewError(
      `the ${COMPAT_VIEWS[compat].view} view reads ${COMPAT_VIEWS[compat].board} readings, not ${board}`,
    );
  }
  if (compat && !health)
    throw new CompatViewError(`the ${COMPAT_VIEWS[compat].view} view needs the health table`);
  if (compat && o.timestampType === 'TIMESTAMP_NTZ') {
    throw new CompatViewError('the compatibility views expect TIMESTAMP_TZ tables (the default)');
  }
  const setup = snowflakeSetupSql({
    ...names,
    columns: readingsTableColumns(board),
    ...(health ? { moreTables: [{ ...health, columns: healthTableColumns() }] } : {}),
  });
  if (!compat || !health) return setup;
  const view = await compatViewSql(compat, {
    database: o.database,
    schema: o.schema,
    readingsTable: o.table,
    healthTable: health.table,
  });
  return `${setup}\n-- Query role: GRANT SELECT ON VIEW … TO ROLE <the analysts' role>; the streaming role needs none.\n${view}`;
}

/** A compatibility view that does not fit the requested tables (other board, no health table, NTZ). */
export class CompatViewError extends OpenSensorError {
  override readonly name = 'CompatViewError';
  declare readonly code: 'COMPAT_VIEW_UNAVAILABLE';

  constructor(message: string, options?: { cause?: unknown }) {
    super('COMPAT_VIEW_UNAVAILABLE', message, options);
  }
}
