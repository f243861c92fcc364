/** SQL type of a column, in DuckDB spelling; other dialects map from these. */
export type ColumnType =
  'VARCHAR' | 'INTEGER' | 'SMALLINT' | 'BIGINT' | 'UBIGINT' | 'TIMESTAMP' | 'DOUBLE' | 'BOOLEAN' | 'JSON';

/** One column of a vnetflow table: the single definition DDL, KQL schemas and exports derive from. */
export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly doc: string;
  /** Internal bookkeeping columns are stored but not part of the user-facing contract. */
  readonly internal?: boolean;
  /**
   * The value a stored row gets when its writer does not give one (a SQL literal): the columns
   * Azure fills the same way on every row (`Type`, `SourceSystem`), and columns added to a table
   * after databases were written with it.
   */
  readonly default?: string;
}

/** A table: its contract name, what one row is, and its columns in order. */
export interface TableDef {
  readonly name: string;
  readonly doc: string;
  readonly columns: readonly Column[];
}

/** A column from its name, type and doc (the schema files' shorthand). */
export const col = (name: string, type: ColumnType, doc: string): Column => ({ name, type, doc });
