import { defineLakeSchema, type LakeSchema } from '@opensensor/parquet-hive-writer';
import { BREAKOUT_COLUMN_INFO, BREAKOUT_COLUMNS } from '@opensensor/sensors-breakout/columns';
import { ENVIROPLUS_COLUMN_INFO, ENVIROPLUS_COLUMNS } from '@opensensor/sensors-enviroplus/columns';
import { SENSEHAT_COLUMN_INFO, SENSEHAT_COLUMNS } from '@opensensor/sensors-sensehat/columns';

export type BoardKind = 'enviroplus' | 'sensehat' | 'breakout';
export const BOARD_KINDS: readonly BoardKind[] = ['enviroplus', 'sensehat', 'breakout'];

/**
 * A board's lake schema, derived from the board package's column table (names in lake order, unit
 * and meaning of each): every measurement FLOAT32, nullable, after `timestamp`. The one rule for
 * every board, so a column added to a board is a column of its lake.
 */
function floatSchema(
  name: string,
  columns: readonly string[],
  info: Readonly<Record<string, { unit: string; description: string }>>,
): LakeSchema {
  return defineLakeSchema({
    name,
    version: 1,
    columns: columns.map((c) => ({
      name: c,
      type: 'float' as const,
      description: `${info[c]?.description ?? ''} (${info[c]?.unit ?? ''})`,
    })),
  });
}

/**
 * The Enviro+ lake (DESIGN §3). `SENSOR_SCHEMA` of `@opensensor/parquet-hive-writer` is the same
 * schema for users of the writer alone (the writer depends on no board package); a test keeps the two
 * equal, descriptions included.
 */
export const ENVIROPLUS_SCHEMA = floatSchema('enviroplus', ENVIROPLUS_COLUMNS, ENVIROPLUS_COLUMN_INFO);
export const SENSEHAT_SCHEMA = floatSchema('sensehat', SENSEHAT_COLUMNS, SENSEHAT_COLUMN_INFO);
export const BREAKOUT_SCHEMA = floatSchema('breakout', BREAKOUT_COLUMNS, BREAKOUT_COLUMN_INFO);

/** The lake schema of a board: every measurement FLOAT32 nullable, after `timestamp`. */
export function schemaForBoard(board: BoardKind): LakeSchema {
  switch (board) {
    case 'enviroplus':
      return ENVIROPLUS_SCHEMA;
    case 'sensehat':
      return SENSEHAT_SCHEMA;
    case 'breakout':
      return BREAKOUT_SCHEMA;
  }
}
