/** A SQL string literal. Used for values vnetflow itself produces (paths, ids), never for user SQL. */
export function sqlString(value: string | null | undefined): string {
  return value === null || value === undefined ? 'NULL' : `'${value.replace(/'/g, "''")}'`;
}

/** A SQL numeric literal, or NULL. */
export function sqlNumber(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? 'NULL' : String(value);
}

/**
 * Rows vnetflow produces itself as a SQL relation: one JSON string literal that DuckDB unpacks with
 * from_json. `shape` gives each column's DuckDB type, in column order; a value that is undefined or
 * not a finite number becomes NULL. A VALUES list of hundreds of rows costs DuckDB's parser and
 * binder twice as much (336 checkpoint rows: 25-30 ms against 11-14).
 */
export function sqlJsonRows(
  rows: readonly Readonly<Record<string, string | number | null | undefined>>[],
  shape: Readonly<Record<string, string>>,
): string {
  const structure = sqlString(JSON.stringify([shape]));
  return `(SELECT unnest(from_json(${sqlString(JSON.stringify(rows))}, ${structure}), recursive := true))`;
}
