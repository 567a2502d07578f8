import { SENSOR_SCHEMA } from '@opensensor/parquet-hive-writer';
import { ENVIROPLUS_COLUMN_INFO, ENVIROPLUS_COLUMNS } from '@opensensor/sensors-enviroplus/columns';
import { describe, expect, it } from 'vitest';
import { BOARD_KINDS, ENVIROPLUS_SCHEMA, schemaForBoard } from './schemas.js';

describe('board lake schemas', () => {
  it('derive the Enviro+ lake from the board column table: names in order, FLOAT, unit and meaning', () => {
    expect(ENVIROPLUS_SCHEMA.columns.map((c) => c.name)).toEqual([...ENVIROPLUS_COLUMNS]);
    for (const c of ENVIROPLUS_SCHEMA.columns) {
      const info = ENVIROPLUS_COLUMN_INFO[c.name as keyof typeof ENVIROPLUS_COLUMN_INFO];
      expect(c.type, c.name).toBe('float');
      expect(c.description, c.name).toBe(`${info.description} (${info.unit})`);
    }
  });

  it("the writer's SENSOR_SCHEMA is the same schema as the board's, in every column, type and description", () => {
    // The writer keeps its own copy because it depends on no board package: this keeps them one.
    expect(SENSOR_SCHEMA).toEqual(ENVIROPLUS_SCHEMA);
  });

  it('every board has a schema named after it', () => {
    for (const kind of BOARD_KINDS) expect(schemaForBoard(kind).name).toBe(kind);
  });
});
