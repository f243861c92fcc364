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
  // Row order inside the table carries no meaning (every reader sorts or aggregates), and letting
  // DuckDB write from both threads at once is what makes the insert scale.
  await store.run('SET preserve_insertion_order = false');
  try {
    for (const [format, group] of byFormat) await store.run(insertSql(format, group, batchId));
  } finally {
    await store.run('RESET preserve_insertion_order');
  }
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
 * Records -> groups -> tuples without ever building a per-tuple structure: the unnests run on
 * plain lists, and a tuple's index within its record (counted across flows and groups, as
 * IngestErrors reports it) is the group's offset plus the tuple's position in the group. A record
 * with no tuples yields one placeholder row (raw NULL) so that it is still counted and, if bad,
 * reported.
 */
function insertSql(format: FlowFormat, group: readonly Prepared[], batchId: number): string {
  const placeholder = `[{'acl': NULL::VARCHAR, 'rule': NULL::VARCHAR, 'mac': NULL::VARCHAR, 'tuples': [NULL::VARCHAR]}]`;
  const records = `(
    SELECT item_id, uri, rec_idx, ${format.recordColumns}
    FROM ${recsSql(format, group)} WHERE r IS NOT NULL)`;
  const withCounts = `(
    SELECT *, CASE WHEN rec_reason IS NULL THEN coalesce(list_sum(lens), 0) ELSE 0 END AS ntuples
    FROM (SELECT *, hash(uri, flowlog, target) AS src_key, list_transform(groups, lambda g: len(g.tuples)) AS lens
          FROM ${records}))`;
  const groups = `(
    SELECT * EXCLUDE (g, mac), g.acl AS acl, g."rule" AS rule, hash(g.acl, g."rule") AS rule_key, g.tuples AS tuples,
      ${normalMac('coalesce(g.mac, mac)')} AS tmac
    FROM (SELECT * EXCLUDE (groups, gl), unnest(gl) AS g, unnest(range(len(gl))) AS k
          FROM (SELECT *, CASE WHEN ntuples = 0 THEN ${placeholder} ELSE groups END AS gl FROM ${withCounts})))`;
  const tuples = `(
    SELECT * EXCLUDE (tuples, lens, k), regexp_full_match(tmac, '[0-9A-F]{12}') AS mac_ok,
      unnest(tuples) AS raw, unnest(range(len(tuples))) AS gi, coalesce(list_sum(lens[1:k]), 0) AS grp_offset
    FROM ${groups})`;
  const checked = `(
    SELECT *, CASE
        WHEN rec_reason IS NOT NULL THEN rec_reason
        WHEN ntuples = 0 THEN NULL
        WHEN raw IS NULL THEN 'tuple is not a string'
        WHEN tuple_reason IS NOT NULL THEN tuple_reason
        WHEN NOT coalesce(mac_ok, false) THEN 'bad MAC address: ' || coalesce(tmac, '(none)')
      END AS reason
    FROM (${format.tupleSql(`(SELECT *, gi + grp_offset AS tup_idx FROM ${tuples})`)}))`;
  const kind = `CASE WHEN rec_reason IS NOT NULL THEN ${ROW_KIND.rejectedRecord} WHEN ntuples = 0 THEN ${ROW_KIND.emptyRecord}
    WHEN reason IS NOT NULL THEN ${ROW_KIND.rejectedTuple} END`;
  const renamed: Record<string, string> = {
    RecordTime: 'rec_time',
    MacAddress: 'tmac',
    IngestBatch: String(batchId),
  };
  // The note: on the first row of each group (so once per record, group and rule too) and on
  // rejected rows; NULL, and so nearly free, everywhere else.
  const note = `CASE WHEN gi = 0 OR reason IS NOT NULL THEN to_json({
      'rec': rec_idx,
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
