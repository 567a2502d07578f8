import { LakeSchemaError } from './errors.js';

/** Column types a lake schema can use; each maps to one Parquet physical + logical type. */
export type LakeColumnType = 'float' | 'double' | 'int32' | 'int64' | 'boolean' | 'string' | 'timestamp-ms';

export interface LakeColumn {
  readonly name: string;
  readonly type: LakeColumnType;
  /** Free text for docs and tooling (unit, meaning); never written to the file. */
  readonly description?: string;
}

export interface LakeSchemaDefinition {
  /** Short identifier written to the footer (`opensensor.schema`), e.g. `enviroplus`. */
  readonly name: string;
  /** Bumped on every additive change; written to the footer (`opensensor.schema_version`). */
  readonly version: number;
  /** Every column except `timestamp`, in file order. */
  readonly columns: readonly LakeColumn[];
}

/**
 * A validated schema. The `timestamp` column (TIMESTAMP(MILLIS, UTC), never null) is implicit and always
 * first; every other column is nullable, so a missing sensor is a null and never a missing column.
 */
export interface LakeSchema extends LakeSchemaDefinition {
  /** `timestamp` followed by `columns`: the exact column list of every file. */
  readonly allColumns: readonly LakeColumn[];
  /** Column name → index in `columns`. */
  readonly columnIndex: ReadonlyMap<string, number>;
}

export const TIMESTAMP_COLUMN = 'timestamp';

const COLUMN_TYPES: ReadonlySet<string> = new Set([
  'float',
  'double',
  'int32',
  'int64',
  'boolean',
  'string',
  'timestamp-ms',
]);
// Lower-case snake case keeps names identical in DuckDB, Snowflake (unquoted) and Hive without quoting.
const COLUMN_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const HIVE_PARTITION_NAMES = new Set(['station', 'year', 'month', 'day']);

/** Validate a schema once, up front, so that writes never fail on a schema mistake. */
export function defineLakeSchema(definition: LakeSchemaDefinition): LakeSchema {
  const { name, version, columns } = definition;
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    throw new LakeSchemaError(
      `schema name ${JSON.stringify(name)} is invalid: use 1-64 characters from A-Z a-z 0-9 . _ -`,
    );
  }
  if (!Number.isInteger(version) || version < 1) {
    throw new LakeSchemaError(`schema "${name}": version must be a positive integer, got ${String(version)}`);
  }
  if (!Array.isArray(columns) || columns.length === 0) {
    throw new LakeSchemaError(`schema "${name}": columns must list at least one column besides timestamp`);
  }
  const columnIndex = new Map<string, number>();
  columns.forEach((column, i) => {
    const where = `schema "${name}" column ${i}`;
    if (column.name === TIMESTAMP_COLUMN) {
      throw new LakeSchemaError(
        `${where}: "timestamp" is implicit (always first, TIMESTAMP(MILLIS, UTC)); remove it from columns`,
      );
    }
    if (typeof column.name !== 'string' || !COLUMN_NAME.test(column.name)) {
      throw new LakeSchemaError(
        `${where}: name ${JSON.stringify(column.name)} is invalid: use lower-case snake case (a-z, 0-9, _), starting with a letter`,
      );
    }
    if (HIVE_PARTITION_NAMES.has(column.name)) {
      throw new LakeSchemaError(
        `${where}: "${column.name}" is a Hive partition column of the lake path and cannot be a file column`,
      );
    }
    if (!COLUMN_TYPES.has(column.type)) {
      throw new LakeSchemaError(
        `${where} ("${column.name}"): type ${JSON.stringify(column.type)} is not one of ${[...COLUMN_TYPES].join(', ')}`,
      );
    }
    if (columnIndex.has(column.name)) {
      throw new LakeSchemaError(`${where}: duplicate column "${column.name}"`);
    }
    columnIndex.set(column.name, i);
  });
  const frozenColumns = Object.freeze(columns.map((c) => Object.freeze({ ...c })));
  return Object.freeze({
    name,
    version,
    columns: frozenColumns,
    allColumns: Object.freeze([
      Object.freeze({ name: TIMESTAMP_COLUMN, type: 'timestamp-ms' as const }),
      ...frozenColumns,
    ]),
    columnIndex,
  });
}
