/** A problem found in one record by a format's salvage check, before SQL sees the record. */
export interface RecordProblem {
  /** Index of the tuple within the record, or null when the whole record is bad. */
  readonly tupleIndex: number | null;
  readonly reason: string;
  readonly raw: string;
}

/**
 * The path from a record to its tuples, as SQL expressions: `outer` is a list in the record
 * (over `r` and the record columns), `inner` a list in one of its elements `o`, `tuples` the
 * VARCHAR list of tuples of one inner element `g` (a group). `acl`, `rule` and `mac` (a group's
 * own MAC, NULL to use the record's) are over `o` and `g`. Every expression may also use the record
 * columns. The shared SQL (src/ingest/stage.ts) unnests them level by level, so no per-tuple
 * structure is ever built.
 */
export interface Nesting {
  readonly outer: string;
  readonly inner: string;
  readonly tuples: string;
  readonly acl: string;
  readonly rule: string;
  readonly mac: string;
}

/**
 * A flow-log format: how to recognise its records and how DuckDB turns them into FlowTuples rows.
 * The ingest path never special-cases a format; it calls these members only. The shared SQL around
 * them (src/ingest/stage.ts) unnests groups and tuples, numbers them and writes the rows.
 */
export interface FlowFormat {
  readonly name: string;
  /** True when the text of a file's first record looks like this format. */
  matches(head: string): boolean;
  /** DuckDB type of one record, given to read_json so no schema inference runs. */
  readonly recordType: string;
  /**
   * A SELECT list over one record `r` (with `path_mac` and `path_flowlog` from the storage path)
   * naming these record-level columns: rec_time (TIMESTAMP), version (SMALLINT, NULL if unknown),
   * flowlog, target, mac (VARCHAR), rec_reason (why the whole record is rejected, or NULL) and
   * rec_raw (its text when rejected). It may name more columns for `nesting` to use.
   */
  readonly recordColumns: string;
  /** Where a record's tuples sit: two levels of lists, then the tuple strings of a group. */
  readonly nesting: Nesting;
  /**
   * A SELECT over `from`, which has the tuple text `raw` (NULL on rows that are not tuples; their
   * typed columns are ignored) and the record's `version`,
   * yielding all of `from`'s columns plus tuple_reason (NULL when valid) and the typed columns
   * TimeGenerated, FlowLogVersion, SrcIp, DestIp, SrcPort, DestPort, Protocol, FlowDirection,
   * FlowState (D for a denied tuple), FlowEncryption and the four counters. L4Protocol and
   * FlowStatus follow from Protocol and FlowState (the FlowTuples view derives them).
   */
  tupleSql(from: string): string;
  /**
   * The slow path for records DuckDB could not read as typed: checks a parsed record and returns
   * a copy that fits `recordType`, with bad elements replaced by null and listed as problems.
   */
  salvage(record: unknown): { record: unknown; problems: RecordProblem[] };
  /**
   * The key whose arrays hold a record's tuples (at the end of `nesting`), or null when a record
   * holds one tuple: a giant record is cut into pieces by these lists (see split-record.ts).
   */
  readonly tuplesKey: string | null;
}
