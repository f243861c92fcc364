import type { FlowFormat } from '../formats/format.js';
import type { Store } from '../store/store.js';
import type { Prepared } from './prepare.js';
import { sqlNumber, sqlString } from './sql-literal.js';

/** Staged rows of a batch live here between parsing and the commit transaction. */
export const STAGE = '_vnetflow_stage';
/** The batch's items: filename DuckDB reports -> item id, record base, path facts, uri. */
export const ITEMS = '_vnetflow_items';

/**
 * Parses a batch in DuckDB: one read_json per format over all of the batch's files of that format,
 * then the format's set-based SQL. The rows land in a temp table, typed, each with `reason` NULL
 * (valid) or saying what is wrong. Throws when DuckDB cannot read a file; the caller then re-frames
 * the batch's direct files in Node, where every record is checked on its own.
 */
export async function stageBatch(store: Store, items: readonly Prepared[]): Promise<void> {
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
  let first = true;
  for (const [format, group] of byFormat) {
    const select = `SELECT s.* EXCLUDE (filename, rec_idx), i.item_id, i.rec_base + s.rec_idx AS rec_idx
      FROM (${format.stageSql(recsSql(format, group))}) s JOIN ${ITEMS} i ON i.filename = s.filename`;
    await store.run(
      first ? `CREATE OR REPLACE TEMP TABLE ${STAGE} AS ${select}` : `INSERT INTO ${STAGE} BY NAME ${select}`,
    );
    first = false;
  }
}

function recsSql(format: FlowFormat, group: readonly Prepared[]): string {
  const files = group.map((p) => sqlString(p.readPath)).join(', ');
  // read_json holds one whole top-level object in memory, so the limit follows the largest file.
  const largest = Math.max(...group.map((p) => p.bytes));
  const maxObject = Math.max(16 << 20, 2 ** Math.ceil(Math.log2(largest + 1024)));
  const columns = `{records: '${format.recordType.replace(/\s+/g, ' ').replace(/'/g, "''")}[]'}`;
  return `(SELECT j.filename, unnest(j.records) AS r, unnest(range(len(j.records))) AS rec_idx, i.path_mac, i.path_flowlog
    FROM read_json([${files}], columns = ${columns}, format = 'unstructured', records = true, filename = true,
      maximum_object_size = ${maxObject}) j
    JOIN ${ITEMS} i ON i.filename = j.filename)`;
}
