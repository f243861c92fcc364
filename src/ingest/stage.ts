import type { FlowFormat } from '../formats/format.js';
import { normalMac, rawCut } from '../formats/sql-fragments.js';
import { ident } from '../schema/tables.js';
import { FLOW_TUPLE_ROWS, ROW_KIND, tupleRowInsert } from '../store/duckdb/flow-tuples-layout.js';
import type { Store, Value } from '../store/store.js';
import type { Prepared } from './prepare.js';
import { SqlParams, sqlJsonRows } from './sql-literal.js';

/** The batch's part files: filename DuckDB reports -> item id, part number, record base, path facts, uri. */
export const ITEMS = '_vnetflow_items';

/**
 * Parses a batch in DuckDB and writes every row straight into the tuple table: one read_json per
 * format over all of the batch's files of that format, then one INSERT that unnests groups and
 * tuples, parses and checks them. Rejected tuples and records are written too, marked in `_kind`
 * with their reason, so one pass over the JSON serves both; the caller moves them to IngestErrors
 * before its transaction commits. Throws when DuckDB cannot read a file typed; the caller then
 * re-frames the batch's direct files in Node, where every record is checked on its own.
 */
export async function insertBatch(
  store: Store,
  items: readonly Prepared[],
  batchId: number,
  whileInserting: () => void = () => undefined,
): Promise<void> {
  const rows = items.flatMap((p, id) =>
    p.parts.map((part, k) => ({
      filename: part.path,
      id,
      part: k,
      base: part.recBase,
      mac: p.item.pathInfo.mac,
      flowlog: p.item.pathInfo.flowLogId,
      uri: p.item.uri,
    })),
  );
  await store.run(
    `CREATE OR REPLACE TEMP TABLE ${ITEMS} (filename VARCHAR, item_id INTEGER, part INTEGER, rec_base BIGINT, path_mac VARCHAR, path_flowlog VARCHAR, uri VARCHAR)`,
  );
  const shape = {
    filename: 'VARCHAR',
    id: 'INTEGER',
    part: 'INTEGER',
    base: 'BIGINT',
    mac: 'VARCHAR',
    flowlog: 'VARCHAR',
    uri: 'VARCHAR',
  };
  const params = new SqlParams();
  await store.run(`INSERT INTO ${ITEMS} SELECT * FROM ${sqlJsonRows(rows, shape, params)}`, params.values);
  const byFormat = new Map<FlowFormat, Prepared[]>();
  for (const p of items) {
    const group = byFormat.get(p.format);
    if (group) group.push(p);
    else byFormat.set(p.format, [p]);
  }
  let first = true;
  for (const [format, group] of byFormat) {
    await bindParts(store, group);
    const inserting = store.run(insertSql(format, group, batchId));
    // Node's share of the batch (hashing fingerprints) starts once DuckDB is busy, not before.
    if (first) whileInserting();
    first = false;
    await inserting;
  }
}

/** The variable holding the part files that recsSql reads. */
const PARTS = 'vnetflow_parts';

/**
 * Sets the part files of a group of items for the next statement over recsSql. A variable, set with
 * a bound parameter, rather than a parameter of the statement itself: DuckDB binds a prepared
 * statement with a table function's argument as a parameter twice, which cost the batch INSERT
 * about 3% (0.1 s on 2M tuples).
 */
async function bindParts(store: Store, group: readonly Prepared[]): Promise<void> {
  await store.run(`SET VARIABLE ${PARTS} = $1`, [group.flatMap((p) => p.parts.map((part) => part.path))]);
}

/**
 * The records of a group of items as `recs(item_id, uri, rec_idx, nrec, r, path_mac, path_flowlog)`,
 * read from the part files bindParts set. rec_idx is the framed index: the source
 * record index for a direct file; see FramedRecords for an item framed in Node.
 */
function recsSql(format: FlowFormat, group: readonly Prepared[]): string {
  // read_json holds one whole top-level object in memory, so the limit follows the largest file.
  const largest = Math.max(...group.flatMap((p) => p.parts.map((part) => part.bytes)));
  const maxObject = Math.max(16 << 20, 2 ** Math.ceil(Math.log2(largest + 1024)));
  const columns = `{records: '${format.recordType.replace(/\s+/g, ' ').replace(/'/g, "''")}[]'}`;
  // nrec: how many records the source has up to the end of this read (its checkpoint's count).
  return `(SELECT i.item_id, i.uri, i.rec_base + x.rec_idx AS rec_idx, i.rec_base + x.nrec AS nrec, x.r,
      i.path_mac, i.path_flowlog FROM (
      SELECT j.filename, unnest(j.records) AS r, unnest(range(len(j.records))) AS rec_idx, len(j.records) AS nrec
      FROM read_json(getvariable('${PARTS}'), columns = ${columns}, format = 'unstructured', records = true, filename = true,
        maximum_object_size = ${maxObject}) j) x
    JOIN ${ITEMS} i ON i.filename = x.filename)`;
}

/** A format's records with their record-level columns, over `recs`. */
function recordsSql(format: FlowFormat, group: readonly Prepared[]): string {
  return `(SELECT item_id, uri, rec_idx, nrec, r, ${format.recordColumns}
    FROM ${recsSql(format, group)} WHERE r IS NOT NULL)`;
}

/**
 * Records -> outer lists -> groups -> tuples, one unnest per level, without ever building a
 * per-tuple structure (a lambda that attached acl and rule to every tuple cost more than all of
 * the tuple parsing, and one that only counted each record's tuples cost 7% of the insert). A
 * rejected tuple's position is kept as (outer, group, tuple) indexes and turned into its index
 * within the record afterwards (see groupSizes), for the few records that need it. A rejected
 * record, or one with an empty outer list, yields one placeholder row (raw NULL) so that it is
 * counted and, if bad, reported.
 */
function insertSql(format: FlowFormat, group: readonly Prepared[], batchId: number): string {
  const n = format.nesting;
  // A record with nothing in it still needs one row: a second, one-element list unnested beside
  // the real one (DuckDB pads the shorter of two side-by-side unnests with NULL) makes it. A CASE
  // choosing between a placeholder list and the real one would deep-copy every list it passes on.
  const extra = (flag: string): string => `unnest(CASE WHEN ${flag} THEN [true] ELSE []::BOOLEAN[] END)`;
  const marked = `(
    SELECT *, hash(uri, flowlog, target) AS src_key,
      rec_reason IS NOT NULL OR coalesce(len(${n.outer}), 0) = 0 AS empty
    FROM ${recordsSql(format, group)})`;
  const outers = `(SELECT * EXCLUDE (r), unnest(${n.outer}) AS o, unnest(range(len(${n.outer}))) AS oi,
      ${extra('empty')} AS o_placeholder FROM ${marked})`;
  const groups = `(SELECT *, unnest(${n.inner}) AS g, unnest(range(len(${n.inner}))) AS ii,
      ${extra('o_placeholder')} AS g_placeholder FROM ${outers})`;
  // Everything a group shares is computed here, once per group: in the SELECT that unnests the
  // tuples it would run once per tuple, and the group's structs would be copied to every row.
  const groupValues = `(
    SELECT * EXCLUDE (o, g, mac, oi, ii, o_placeholder), coalesce(oi, 0) AS oi, coalesce(ii, 0) AS ii,
      ${n.acl} AS acl, ${n.rule} AS rule, ${normalMac(`coalesce(${n.mac}, mac)`)} AS tmac,
      hash(${normalMac(`coalesce(${n.mac}, mac)`)}, ${n.acl}, ${n.rule}) AS group_key,
      ${n.tuples} AS tl, coalesce(len(${n.tuples}), 0) AS group_size
    FROM ${groups})`;
  const rows = `(
    SELECT * EXCLUDE (gi), coalesce(gi, 0) AS gi FROM (
      SELECT * EXCLUDE (tl, g_placeholder), unnest(tl) AS raw, unnest(range(len(tl))) AS gi,
        ${extra('g_placeholder')} AS t_placeholder
      FROM (SELECT *, regexp_full_match(tmac, '[0-9A-F]{12}') AS mac_ok FROM ${groupValues})))`;
  // The common case is tested first, so most rows take one test instead of five.
  const checked = `(
    SELECT *, CASE
        WHEN NOT empty AND raw IS NOT NULL AND tuple_reason IS NULL AND mac_ok THEN NULL
        WHEN rec_reason IS NOT NULL THEN rec_reason
        WHEN empty THEN NULL
        WHEN raw IS NULL THEN 'tuple is not a string'
        WHEN tuple_reason IS NOT NULL THEN tuple_reason
        ELSE 'bad MAC address: ' || coalesce(tmac, '(none)')
      END AS reason
    FROM (${format.tupleSql(rows)}))`;
  const kind = `CASE WHEN reason IS NULL AND NOT empty THEN NULL
    WHEN rec_reason IS NOT NULL THEN ${ROW_KIND.rejectedRecord} WHEN empty THEN ${ROW_KIND.emptyRecord}
    ELSE ${ROW_KIND.rejectedTuple} END`;
  const renamed: Record<string, string> = {
    RecordTime: 'rec_time',
    IngestBatch: String(batchId),
  };
  // The note: on the first row of each group (with its tuple count, MAC, acl and rule; the first row
  // of a record also with the resource ids) and on rejected rows; NULL, and so nearly free, elsewhere.
  const note = `CASE WHEN gi = 0 OR reason IS NOT NULL THEN to_json({
      'rec': rec_idx,
      'nrec': nrec,
      'n': CASE WHEN gi = 0 THEN group_size END,
      'pos': CASE WHEN NOT empty AND reason IS NOT NULL THEN [oi, ii, gi] END,
      'reason': reason,
      'raw': CASE WHEN rec_reason IS NOT NULL THEN ${rawCut('rec_raw')} WHEN reason IS NOT NULL THEN ${rawCut('raw')} END,
      'flowlog': CASE WHEN oi = 0 AND ii = 0 AND gi = 0 THEN flowlog END,
      'target': CASE WHEN oi = 0 AND ii = 0 AND gi = 0 THEN target END,
      'mac': tmac, 'acl': acl, 'rule': rule})::VARCHAR END`;
  const { columns, select } = tupleRowInsert({
    contract: (c) => renamed[c] ?? ident(c),
    sourceKey: 'src_key',
    groupKey: 'group_key',
    item: 'item_id',
    kind: 'kind',
    note,
  });
  return `INSERT INTO ${FLOW_TUPLE_ROWS} (${columns})
    SELECT ${select} FROM (SELECT *, ${kind} AS kind FROM ${checked})`;
}

/**
 * The tuple counts of each group of the given records, as [outer][inner], for turning a rejected
 * tuple's (outer, group, tuple) position into its index within the record. Reads only the files
 * that have such tuples, and only when there are some.
 */
export async function groupSizes(
  store: Store,
  batch: readonly Prepared[],
  records: readonly { itemId: number; recIdx: number }[],
): Promise<Map<string, number[][]>> {
  const out = new Map<string, number[][]>();
  const wanted = new Set(records.map((r) => `${r.itemId}:${r.recIdx}`));
  const byFormat = new Map<FlowFormat, Prepared[]>();
  for (const id of new Set(records.map((r) => r.itemId))) {
    const p = batch[id];
    byFormat.set(p.format, [...(byFormat.get(p.format) ?? []), p]);
  }
  for (const [format, group] of byFormat) {
    const n = format.nesting;
    const keys = [...wanted].map((k) => `'${k}'`).join(', ');
    await bindParts(store, group);
    const rows = await store.rows(
      `SELECT item_id, rec_idx, list_transform(coalesce(${n.outer}, []), lambda o:
         list_transform(coalesce(${n.inner}, []), lambda g: len(coalesce(${n.tuples}, [])))) AS sizes
       FROM ${recordsSql(format, group)} WHERE item_id || ':' || rec_idx IN (${keys})`,
    );
    for (const r of rows) {
      const sizes = (r.sizes as Value[][]).map((inner) => inner.map(Number));
      out.set(`${String(r.item_id)}:${String(r.rec_idx)}`, sizes);
    }
  }
  return out;
}

/** How many records DuckDB reads in each of the given files (for files that yielded no rows). */
export async function recordCounts(store: Store, items: readonly Prepared[]): Promise<number[]> {
  const out: number[] = [];
  for (const p of items) {
    await bindParts(store, [p]);
    const [r] = await store.rows(`SELECT count(*) AS n FROM ${recsSql(p.format, [p])}`);
    out.push(p.recBase + Number(r.n));
  }
  return out;
}
