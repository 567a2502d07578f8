/** A quoted SQL identifier (works in DuckDB and Snowflake). */
export const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** A quoted SQL string literal. */
export const literal = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/** A list of file paths for `read_parquet([...])`. */
export const fileList = (paths: readonly string[]): string => `[${paths.map(literal).join(', ')}]`;
