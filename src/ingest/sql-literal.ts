/** A SQL string literal. Used for values vnetflow itself produces (paths, ids), never for user SQL. */
export function sqlString(value: string | null | undefined): string {
  return value === null || value === undefined ? 'NULL' : `'${value.replace(/'/g, "''")}'`;
}

/** A SQL numeric literal, or NULL. */
export function sqlNumber(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? 'NULL' : String(value);
}
