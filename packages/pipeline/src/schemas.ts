import { defineLakeSchema, type LakeSchema, SENSOR_SCHEMA } from '@opensensor/parquet-hive-writer';
import { BREAKOUT_COLUMN_INFO, BREAKOUT_COLUMNS } from '@opensensor/sensors-breakout/columns';
import { SENSEHAT_COLUMN_INFO, SENSEHAT_COLUMNS } from '@opensensor/sensors-sensehat/columns';

export type BoardKind = 'enviroplus' | 'sensehat' | 'breakout';
export const BOARD_KINDS: readonly BoardKind[] = ['enviroplus', 'sensehat', 'breakout'];

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
      description: `${info[c]?.unit ?? ''}, ${info[c]?.description ?? ''}`,
    })),
  });
}

export const SENSEHAT_SCHEMA = floatSchema('sensehat', SENSEHAT_COLUMNS, SENSEHAT_COLUMN_INFO);
export const BREAKOUT_SCHEMA = floatSchema('breakout', BREAKOUT_COLUMNS, BREAKOUT_COLUMN_INFO);

/** The lake schema of a board: every measurement FLOAT32 nullable, after `timestamp`. */
export function schemaForBoard(board: BoardKind): LakeSchema {
  switch (board) {
    case 'enviroplus':
      return SENSOR_SCHEMA;
    case 'sensehat':
      return SENSEHAT_SCHEMA;
    case 'breakout':
      return BREAKOUT_SCHEMA;
  }
}
