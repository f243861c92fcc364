import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ingestErrors } from '../schema/ingest-errors.js';
import { ident } from '../schema/tables.js';
import { FLOW_GROUPS, FLOW_SOURCES, FLOW_TUPLE_ROWS, ROW_KIND } from '../store/duckdb/flow-tuples-layout.js';
import type { Store, Value } from '../store/store.js';
import { canonicalizeAddresses } from './canonical-ips.js';
import { upsertCheckpoints, type Checkpoint } from './checkpoint.js';
import type { ErrorRow } from './errors.js';
import type { SqlError } from './locate.js';
import type { Prepared } from './prepare.js';
import { groupSizes, insertBatch, ITEMS, recordCounts } from './stage.js';

/**
 * The columns that make two tuples the same event: same NIC and rule (GroupKey), same tuple time,
 * same 5-tuple, same direction, state and counters. Two tuples equal on all of these are one tuple read twice (a
 * re-uploaded or re-read blob, or the same data in two shapes), and only the first is stored.
 */
const KEY = [
  'GroupKey',
  'TimeGenerated',
  'SrcIp',
  'DestIp',
  'SrcPort',
  'DestPort',
  'Protocol',
  'FlowDirection',
  'FlowState',
  'PacketsSrcToDest',
  'BytesSrcToDest',
  'PacketsDestToSrc',
  'BytesDestToSrc',
].map(ident);

/** Per-item counts of one batch. */
export interface ItemCounts {
  readonly tuplesRead: number;
  readonly tuplesRejected: number;
  readonly recordsRejected: number;
  /** Records without a tuple (counted, never stored). */
  readonly emptyRecords: number;
  readonly recordsSeen: number;
  readonly tuplesStored: number;
}

/** What the commit asks of its caller while the transaction is open. */
export interface CommitHooks {
  /** Byte offsets and error rows for the rejections SQL found (Node reads the source bytes). */
  readonly errorRows: (errors: SqlError[]) => Promise<ErrorRow[]>;
  /** Called once DuckDB is busy with the insert: Node's own work for the batch can start. */
  readonly whileInserting?: () => void;
  /** The checkpoints to store, given the batch's counts. */
  readonly checkpoints: (counts: readonly ItemCounts[]) => Promise<Checkpoint[]>;
}

/**
 * Stores a batch in one transaction: its tuples (duplicates skipped), its rejections and the
 * checkpoints that say these bytes are done. A crash before COMMIT leaves none of them, so the
 * next run re-reads exactly this batch; a crash after leaves all of them.
 */
export async function commitBatch(
  store: Store,
  batch: readonly Prepared[],
  hooks: CommitHooks,
  tempDir: string,
): Promise<{ batchId: number; counts: ItemCounts[] }> {
  return store.transaction(async () => {
    const [{ id }] = await store.rows('SELECT coalesce(max(batch_id), 0) + 1 AS id FROM _vnetflow_batches');
    const batchId = Number(id);
    await insertBatch(store, batch, batchId, hooks.whileInserting);
    // Everything the commit needs besides the tuples themselves is in the notes (see
    // flow-tuples-layout.ts): one scan takes them out, summed per item, per source and per NIC and
    // rule group, into a table of a few hundred rows. Materialising the notes themselves (38k per 2M
    // tuples) cost three times the scan.
    await store.run(
      `CREATE OR REPLACE TEMP TABLE ${NOTES} AS
       SELECT GROUPING(_item, SourceKey, GroupKey) AS grouping_set, _item, SourceKey, GroupKey, min(_item) AS first_item,
         coalesce(sum(n.n), 0) AS tuples,
         count(*) FILTER (WHERE _kind = ${ROW_KIND.rejectedTuple}) AS rejected,
         count(*) FILTER (WHERE _kind = ${ROW_KIND.rejectedRecord}) AS bad_records,
         count(*) FILTER (WHERE _kind = ${ROW_KIND.emptyRecord}) AS empty_records,
         max(n.nrec) AS records, max(n.flowlog) AS flowlog, max(n.target) AS target,
         max(n.mac) AS mac, max(n.acl) AS acl, max(n."rule") AS "rule"
       FROM (SELECT _item, _kind, SourceKey, GroupKey, json_transform(_note, '${NOTE_SHAPE}') AS n
             FROM ${FLOW_TUPLE_ROWS} WHERE IngestBatch = ${batchId} AND _note IS NOT NULL)
       GROUP BY GROUPING SETS ((_item), (SourceKey), (GroupKey))`,
    );
    const counts = await readCounts(store, batch.length);
    // A file whose records all came out empty left no note to count them by: count them directly.
    const silent = batch.filter((p, i) => p.records === null && counts[i].recordsSeen === 0);
    if (silent.length > 0) {
      const seen = await recordCounts(store, silent);
      silent.forEach((p, k) => {
        const i = batch.indexOf(p);
        counts[i] = { ...counts[i], recordsSeen: seen[k] };
      });
    }

    const errors: ErrorRow[] = batch.flatMap((p) => p.errors);
    if (counts.some((c) => c.tuplesRejected > 0 || c.recordsRejected > 0))
      errors.push(...(await hooks.errorRows(await sqlErrors(store, batch, batchId))));
    await storeErrors(store, errors, batchId, tempDir);

    // The dimension rows the tuple rows point at by key.
    await store.run(
      `INSERT OR IGNORE INTO ${FLOW_SOURCES} (SourceKey, FlowLogResourceId, TargetResourceId, SourceUri)
       SELECT n.SourceKey, n.flowlog, n.target, i.uri
       FROM ${NOTES} n JOIN ${ITEMS} i ON i.item_id = n.first_item AND i.part = 0 WHERE n.grouping_set = ${BY_SOURCE}`,
    );
    await store.run(
      `INSERT OR IGNORE INTO ${FLOW_GROUPS} (GroupKey, MacAddress, AclId, AclRule)
       SELECT GroupKey, mac, acl, "rule" FROM ${NOTES} WHERE grouping_set = ${BY_GROUP}`,
    );
    await canonicalizeAddresses(store, batchId);
    if (counts.some((c) => c.tuplesRejected > 0 || c.recordsRejected > 0 || c.emptyRecords > 0))
      await store.run(`DELETE FROM ${FLOW_TUPLE_ROWS} WHERE IngestBatch = ${batchId} AND _kind IS NOT NULL`);
    const stored = (await dropDuplicates(store, batchId))
      ? await store.rows(
          `SELECT _item, count(*) AS n FROM ${FLOW_TUPLE_ROWS} WHERE IngestBatch = ${batchId} GROUP BY _item`,
        )
      : counts.map((c, i) => ({ _item: i, n: c.tuplesRead - c.tuplesRejected }));
    for (const r of stored)
      counts[Number(r._item)] = { ...counts[Number(r._item)], tuplesStored: Number(r.n) };
    const cps = await hooks.checkpoints(counts);
    await upsertCheckpoints(store, cps);
    const total = (k: keyof ItemCounts): number => counts.reduce((a, c) => a + c[k], 0);
    await store.run(
      `INSERT INTO _vnetflow_batches VALUES (${batchId}, now()::TIMESTAMP, ${batch.length}, ${total('tuplesRead')},
        ${total('tuplesStored')}, ${total('tuplesRejected')}, ${total('tuplesRead') - total('tuplesStored') - total('tuplesRejected')})`,
    );
    return { batchId, counts };
  });
}

/** The batch's notes, summed: one row per item, per source and per group (grouping_set says which). */
const NOTES = '_vnetflow_notes';
/** GROUPING(_item, SourceKey, GroupKey) of each grouping set: a bit for each column summed over. */
const BY_ITEM = 0b011;
const BY_SOURCE = 0b101;
const BY_GROUP = 0b110;
const NOTE_SHAPE = JSON.stringify({
  nrec: 'BIGINT',
  n: 'BIGINT',
  flowlog: 'VARCHAR',
  target: 'VARCHAR',
  mac: 'VARCHAR',
  acl: 'VARCHAR',
  rule: 'VARCHAR',
});
/** What a rejected row's note says about it. */
const ERROR_SHAPE = JSON.stringify({ rec: 'BIGINT', pos: 'BIGINT[]', reason: 'VARCHAR', raw: 'VARCHAR' });

/** Counts per item, before rejected rows and duplicates leave the table. */
async function readCounts(store: Store, itemCount: number): Promise<ItemCounts[]> {
  const rows = await store.rows(`
    SELECT _item, tuples, rejected, bad_records, empty_records, records FROM ${NOTES} WHERE grouping_set = ${BY_ITEM}`);
  const counts: ItemCounts[] = Array.from({ length: itemCount }, () => ({
    tuplesRead: 0,
    tuplesRejected: 0,
    recordsRejected: 0,
    emptyRecords: 0,
    recordsSeen: 0,
    tuplesStored: 0,
  }));
  for (const r of rows) {
    counts[Number(r._item)] = {
      tuplesRead: Number(r.tuples),
      tuplesRejected: Number(r.rejected),
      recordsRejected: Number(r.bad_records),
      emptyRecords: Number(r.empty_records),
      recordsSeen: r.records === null ? 0 : Number(r.records),
      tuplesStored: 0,
    };
  }
  return counts;
}

/** The rejections SQL found, in source order, with each rejected tuple's index in its record. */
async function sqlErrors(store: Store, batch: readonly Prepared[], batchId: number): Promise<SqlError[]> {
  const rows = await store.rows(
    `SELECT _item, n.rec AS rec, n.pos AS pos, n.reason AS reason, n.raw AS raw
     FROM (SELECT _item, json_transform(_note, '${ERROR_SHAPE}') AS n FROM ${FLOW_TUPLE_ROWS}
           WHERE IngestBatch = ${batchId} AND _kind IN (${ROW_KIND.rejectedTuple}, ${ROW_KIND.rejectedRecord}))
     ORDER BY _item, rec, pos[1] NULLS FIRST, pos[2], pos[3]`,
  );
  const tupleRows = rows.filter((r) => r.pos !== null);
  const sizes = await groupSizes(
    store,
    batch,
    tupleRows.map((r) => ({ itemId: Number(r._item), recIdx: Number(r.rec) })),
  );
  return rows.map((r) => {
    let tupIdx: number | null = null;
    if (r.pos !== null) {
      const [oi, ii, gi] = (r.pos as Value[]).map(Number);
      const s = sizes.get(`${Number(r._item)}:${Number(r.rec)}`) ?? [];
      const before = s
        .slice(0, oi)
        .flat()
        .reduce((a, x) => a + x, 0);
      tupIdx = before + (s[oi] ?? []).slice(0, ii).reduce((a, x) => a + x, 0) + gi;
    }
    return {
      itemId: Number(r._item),
      recIdx: Number(r.rec),
      tupIdx,
      reason: String(r.reason),
      raw: r.raw === null ? null : String(r.raw),
    };
  });
}

/** Error rows go through an NDJSON file: one read_json beats thousands of VALUES literals. */
async function storeErrors(
  store: Store,
  errors: readonly ErrorRow[],
  batchId: number,
  tempDir: string,
): Promise<void> {
  if (errors.length === 0) return;
  const file = join(tempDir, 'errors.ndjson');
  await writeFile(file, errors.map((e) => JSON.stringify(e)).join('\n'));
  const columns = ingestErrors.columns
    .filter((c) => c.name !== 'TimeGenerated' && c.name !== 'IngestBatch')
    .map((c) => `${c.name}: '${c.type}'`)
    .join(', ');
  await store.run(
    `INSERT INTO IngestErrors BY NAME SELECT now()::TIMESTAMP AS TimeGenerated, *, ${batchId} AS IngestBatch
     FROM read_json($1, format = 'newline_delimited', columns = {${columns}})`,
    [file],
  );
}

/**
 * Deletes the batch's tuples that are already stored (by an earlier batch, or by an earlier item
 * of this one). The comparison only runs when a duplicate is possible: a stored tuple of one of
 * the batch's NIC and rule groups falls inside the batch's time window for that group, or two items
 * of the batch hold the same group over overlapping times.
 */
async function dropDuplicates(store: Store, batchId: number): Promise<boolean> {
  const windows = `SELECT GroupKey, _item, min(TimeGenerated) AS lo, max(TimeGenerated) AS hi
      FROM ${FLOW_TUPLE_ROWS} WHERE IngestBatch = ${batchId} GROUP BY ALL`;
  const [check] = await store.rows(`
    WITH w AS (${windows}), m AS (SELECT GroupKey, min(lo) AS lo, max(hi) AS hi FROM w GROUP BY ALL)
    SELECT EXISTS (SELECT 1 FROM w a JOIN w b ON a.GroupKey = b.GroupKey AND a._item < b._item
                     AND a.lo <= b.hi AND b.lo <= a.hi) AS within,
           EXISTS (SELECT 1 FROM ${FLOW_TUPLE_ROWS} t JOIN m ON t.GroupKey = m.GroupKey
                     AND t.TimeGenerated BETWEEN m.lo AND m.hi WHERE t.IngestBatch < ${batchId}) AS older`);
  if (!check.within && !check.older) return false;
  await store.run(`
    DELETE FROM ${FLOW_TUPLE_ROWS} WHERE rowid IN (
      WITH m AS (SELECT GroupKey, min(TimeGenerated) AS lo, max(TimeGenerated) AS hi
                 FROM ${FLOW_TUPLE_ROWS} WHERE IngestBatch = ${batchId} GROUP BY ALL)
      SELECT rid FROM (
        SELECT t.rowid AS rid, t.IngestBatch AS batch,
          row_number() OVER (PARTITION BY ${KEY.map((k) => `t.${k}`).join(', ')} ORDER BY t.IngestBatch, t._item, t.rowid) AS rn
        FROM ${FLOW_TUPLE_ROWS} t JOIN m ON t.GroupKey = m.GroupKey AND t.TimeGenerated BETWEEN m.lo AND m.hi)
      WHERE rn > 1 AND batch = ${batchId})`);
  return true;
}
