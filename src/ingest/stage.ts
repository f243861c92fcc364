import type { FlowFormat } from '../formats/format.js';
import { normalMac, rawCut } from '../formats/sql-fragments.js';
import { ident } from '../schema/tables.js';
import { FLOW_TUPLE_ROWS, ROW_KIND, tupleRowInsert } from '../store/duckdb/flow-tuples-layout.js';
import type { Store } from '../store/store.js';
import type { Prepared } from './prepare.js';
import { sqlNumber, sqlString } from './sql-literal.js';

/** The batch's items: filename DuckDB reports -> item id, record base, path facts, uri. */
export const ITEMS = '_vnetflow_items';

/**
 * Parses a batch in DuckDB and writes every row straight into the tuple table: one read_json per
 * format over all of the batch's files of that format, then one INSERT that unnests groups and
 * tuples, parses and checks them. Rejected tuples and records are written too, marked in `_kind`
 * with their reason, so one pass over the JSON serves both; the caller moves them to IngestErrors
 * before its transaction commits. Throws when DuckDB cannot read a file typed; the caller then
 * re-frames the batch's direct files in Node, where every record is checked on its own.
 */
export async function insertBatch(store: Store, items: readonly Prepared[], batchId: number): Promise<void> {
  const values = items.map(
    (p, id) =>
      `(${sqlString(p.readPath)}, ${id}, ${sqlNumber(p.recBase)}, ${sqlString(p.item.pathInfo.mac)}, ` +
      `${sqlString(p.item.pathInfo.flowLogId)}, ${sqlString(p.item.uri)})`,
  );
  await store.run(
    `CREATE OR REPLACE TEMP TABLE ${ITEMS} (filename VARCHAR, item_id INTEGER, rec_base BIGINT, path_mac VARCHAR, path_flowlog VARCHAR, uri VARCHAR)`,
  );
  await store.run(`INSERT INTO ${ITEMS} VALUES ${values.join(',\n')}`);
  const byFormat = new Map<FlowFormat, Prepared[]>();
  for (const p of items) {
    const group = byFormat.get(p.format);
    if (group) group.push(p);
    else byFormat.set(p.format, [p]);
  }
  for (const [format, group] of byFormat) await store.run(insertSql(format, group, batchId));
}

/** The batch's records as `recs(item_id, uri, rec_idx, r, path_mac, path_flowlog)`. */
function recsSql(format: FlowFormat, group: readonly Prepared[]): string {
  const files = group.map((p) => sqlString(p.readPath)).join(', ');
  // read_json holds one whole top-level object in memory, so the limit follows the largest file.
  const largest = Math.max(...group.map((p) => p.bytes));
  const maxObject = Math.max(16 << 20, 2 ** Math.ceil(Math.log2(largest + 1024)));
  const columns = `{records: '${format.recordType.replace(/\s+/g, ' ').replace(/'/g, "''")}[]'}`;
  return `(SELECT i.item_id, i.uri, i.rec_base + x.rec_idx AS rec_idx, x.r, i.path_mac, i.path_flowlog FROM (
      SELECT j.filename, unnest(j.records) AS r, unnest(range(len(j.records))) AS rec_idx
      FROM read_json([${files}], columns = ${columns}, format = 'unstructured', records = true, filename = true,
        maximum_object_size = ${maxObject}) j) x
    JOIN ${ITEMS} i ON i.filename = x.filename)`;
}

/**
 * Records -> outer lists -> groups -> tuples, one unnest per level, without ever building a
 * per-tuple structure (a lambda that attached acl and rule to every tuple cost more than all of
 * the tuple parsing). A tuple's index within its record, counted across all of the record's
 * groups as IngestErrors reports it, is its group's offset plus its position in the group; the
 * offsets come from a list of group sizes built once per record. A record with no tuples yields
 * one placeholder row (raw NULL) so that it is still counted and, if bad, reported.
 */
function insertSql(format: FlowFormat, group: readonly Prepared[], batchId: number): string {
  const n = format.nesting;
  const outer = `coalesce(${n.outer}, [])`;
  const inner = `coalesce(${n.inner}, [])`;
  const tuples = `coalesce(${n.tuples}, [])`;
  // Each level's list, or a one-element placeholder for a record with no tuples.
  const level = (list: string): string => `unnest(CASE WHEN ntuples = 0 THEN [NULL] ELSE ${list} END)`;
  const index = (list: string): string =>
    `unnest(CASE WHEN ntuples = 0 THEN [0] ELSE range(len(${list})) END)`;
  const records = `(
    SELECT item_id, uri, rec_idx, r, ${format.recordColumns}
    FROM ${recsSql(format, group)} WHERE r IS NOT NULL)`;
  const counted = `(
    SELECT *, hash(uri, flowlog, target) AS src_key,
      CASE WHEN rec_reason IS NULL THEN coalesce(list_sum(flatten(sizes)), 0) ELSE 0 END AS ntuples
    FROM (SELECT *, list_transform(${outer}, lambda o: list_transform(${inner}, lambda g: len(${tuples}))) AS sizes
          FROM ${records}))`;
  const outers = `(SELECT * EXCLUDE (r), ${level(outer)} AS o, ${index(outer)} AS oi FROM ${counted})`;
  const groups = `(SELECT *, ${level(inner)} AS g, ${index(inner)} AS ii FROM ${outers})`;
  // Everything a group shares is computed here, once per group: in the SELECT that unnests the
  // tuples it would run once per tuple, and the group's structs would be copied to every row.
  const groupValues = `(
    SELECT * EXCLUDE (o, g, sizes, mac),
      ${n.acl} AS acl, ${n.rule} AS rule, hash(${n.acl}, ${n.rule}) AS rule_key,
      ${normalMac(`coalesce(${n.mac}, mac)`)} AS tmac,
      coalesce(list_sum(flatten(sizes[1:oi])), 0) + coalesce(list_sum(sizes[oi + 1][1:ii]), 0) AS grp_offset,
      CASE WHEN ntuples = 0 THEN [NULL] ELSE ${tuples} END AS tl,
      CASE WHEN ntuples = 0 THEN 0 ELSE len(${tuples}) END AS group_size
    FROM ${groups})`;
  const rows = `(
    SELECT * EXCLUDE (tl), unnest(tl) AS raw, unnest(range(len(tl))) AS gi
    FROM (SELECT *, regexp_full_match(tmac, '[0-9A-F]{12}') AS mac_ok FROM ${groupValues}))`;
  const checked = `(
    SELECT *, CASE
        WHEN rec_reason IS NOT NULL THEN rec_reason
        WHEN ntuples = 0 THEN NULL
        WHEN raw IS NULL THEN 'tuple is not a string'
        WHEN tuple_reason IS NOT NULL THEN tuple_reason
        WHEN NOT coalesce(mac_ok, false) THEN 'bad MAC address: ' || coalesce(tmac, '(none)')
      END AS reason
    FROM (${format.tupleSql(`(SELECT *, gi + grp_offset AS tup_idx FROM ${rows})`)}))`;
  const kind = `CASE WHEN rec_reason IS NOT NULL THEN ${ROW_KIND.rejectedRecord} WHEN ntuples = 0 THEN ${ROW_KIND.emptyRecord}
    WHEN reason IS NOT NULL THEN ${ROW_KIND.rejectedTuple} END`;
  const renamed: Record<string, string> = {
    RecordTime: 'rec_time',
    MacAddress: 'tmac',
    IngestBatch: String(batchId),
  };
  // The note: on the first row of each group (so once per record, group and rule too, with the
  // group's tuple count) and on rejected rows; NULL, and so nearly free, everywhere else.
  const note = `CASE WHEN gi = 0 OR reason IS NOT NULL THEN to_json({
      'rec': rec_idx,
      'n': CASE WHEN gi = 0 THEN group_size END,
      'tup': CASE WHEN rec_reason IS NULL AND ntuples > 0 AND reason IS NOT NULL THEN tup_idx END,
      'reason': reason,
      'raw': CASE WHEN rec_reason IS NOT NULL THEN ${rawCut('rec_raw')} WHEN reason IS NOT NULL THEN ${rawCut('raw')} END,
      'flowlog': flowlog, 'target': target, 'acl': acl, 'rule': rule})::VARCHAR END`;
  const { columns, select } = tupleRowInsert({
    contract: (c) => renamed[c] ?? ident(c),
    sourceKey: 'src_key',
    ruleKey: 'rule_key',
    item: 'item_id',
    kind: 'kind',
    note,
  });
  return `INSERT INTO ${FLOW_TUPLE_ROWS} (${columns})
    SELECT ${select} FROM (SELECT *, ${kind} AS kind FROM ${checked})`;
}
