/** A problem found in one record by a format's salvage check, before SQL sees the record. */
export interface RecordProblem {
  /** Index of the tuple within the record, or null when the whole record is bad. */
  readonly tupleIndex: number | null;
  readonly reason: string;
  readonly raw: string;
}

/**
 * A flow-log format: how to recognise its records and how DuckDB turns them into FlowTuples rows.
 * The ingest path never special-cases a format; it calls these members only.
 */
export interface FlowFormat {
  readonly name: string;
  /** True when the text of a file's first record looks like this format. */
  matches(head: string): boolean;
  /** DuckDB type of one record, given to read_json so no schema inference runs. */
  readonly recordType: string;
  /**
   * SQL (a SELECT) over the relation `recs(filename, rec_idx, r, path_mac, path_flowlog)` that yields
   * the staged columns (see stage-columns.ts): one row per tuple, one per record-level problem, and
   * one marker row (tup_idx NULL, reason NULL) for a record without tuples.
   */
  stageSql(recs: string): string;
  /**
   * The slow path for records DuckDB could not read as typed: checks a parsed record and returns
   * a copy that fits `recordType`, with bad elements replaced by null and listed as problems.
   */
  salvage(record: unknown): { record: unknown; problems: RecordProblem[] };
}
