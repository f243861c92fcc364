import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { flowTuples } from '../schema/flow-tuples.js';
import { ingestErrors } from '../schema/ingest-errors.js';
import { ident } from '../schema/tables.js';
import type { Store } from '../store/store.js';
import { upsertCheckpointsSql, type Checkpoint } from './checkpoint.js';
import type { ErrorRow } from './errors.js';
import { ITEMS, STAGE } from './stage.js';

/**
 * The columns that make two tuples the same event: same NIC, same tuple time, same 5-tuple, same
 * direction, state and counters. Two tuples equal on all of these are one tuple read twice (a
 * re-uploaded or re-read blob, or the same data in two shapes), and only the first is stored.
 */
const KEY = [
  'MacAddress',
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
];

const VALID = `reason IS NULL AND tup_idx IS NOT NULL`;

/** Per-item counts of one batch. */
export interface ItemCounts {
  readonly tuplesRead: number;
  readonly tuplesRejected: number;
  readonly recordsRejected: number;
  readonly recordsSeen: number;
  readonly tuplesStored: number;
}

/**
 * Stores a staged batch in one transaction: new tuples (duplicates skipped), rejections and the
 * checkpoints that say these bytes are done. A crash before COMMIT leaves none of them, so the
 * next run re-reads exactly this batch; a crash after leaves all of them.
 */
export async function commitBatch(
  store: Store,
  itemCount: number,
  errors: readonly ErrorRow[],
  checkpoints: (counts: readonly ItemCounts[]) => Checkpoint[],
  tempDir: string,
): Promise<{ batchId: number; counts: ItemCounts[] }> {
  const cols = flowTuples.columns
    .filter((c) => c.name !== 'SourceUri' && c.name !== 'IngestBatch')
    .map((c) => ident(c.name));
  const [win] = await store.rows(
    `SELECT min(TimeGenerated) AS lo, max(TimeGenerated) AS hi FROM ${STAGE} WHERE ${VALID}`,
  );
  const source = (await overlapsWithinBatch(store))
    ? `(SELECT DISTINCT ON (${KEY.map(ident).join(', ')}) * FROM ${STAGE} WHERE ${VALID} ORDER BY item_id, rec_idx, tup_idx)`
    : `(SELECT * FROM ${STAGE} WHERE ${VALID})`;
  const errorsFile = join(tempDir, 'errors.ndjson');
  if (errors.length > 0) await writeFile(errorsFile, errors.map((e) => JSON.stringify(e)).join('\n'));

  return store.transaction(async () => {
    const [{ id }] = await store.rows('SELECT coalesce(max(batch_id), 0) + 1 AS id FROM _vnetflow_batches');
    const batchId = Number(id);
    const lo = win.lo === null ? null : `TIMESTAMP '${String(win.lo)}'`;
    const hi = win.hi === null ? null : `TIMESTAMP '${String(win.hi)}'`;
    const existing = lo && hi ? await existingInWindow(store, lo, hi) : false;
    const antiJoin = existing
      ? `WHERE NOT EXISTS (SELECT 1 FROM FlowTuples f WHERE f.TimeGenerated BETWEEN ${lo} AND ${hi} AND ` +
        KEY.map((k) => `f.${ident(k)} IS NOT DISTINCT FROM s.${ident(k)}`).join(' AND ') +
        ')'
      : '';
    await store.run(
      `INSERT INTO FlowTuples SELECT ${cols.map((c) => `s.${c}`).join(', ')}, i.uri, ${batchId}
       FROM ${source} s JOIN ${ITEMS} i USING (item_id) ${antiJoin}`,
    );
    if (errors.length > 0) {
      const columns = ingestErrors.columns
        .filter((c) => c.name !== 'TimeGenerated' && c.name !== 'IngestBatch')
        .map((c) => `${c.name}: '${c.type}'`)
        .join(', ');
      await store.run(
        `INSERT INTO IngestErrors BY NAME SELECT now()::TIMESTAMP AS TimeGenerated, *, ${batchId} AS IngestBatch
         FROM read_json('${errorsFile.replace(/'/g, "''")}', format = 'newline_delimited', columns = {${columns}})`,
      );
    }
    const counts = await itemCounts(store, itemCount, batchId);
    const cps = checkpoints(counts);
    if (cps.length > 0) await store.run(upsertCheckpointsSql(cps));
    const total = (k: keyof ItemCounts): number => counts.reduce((a, c) => a + c[k], 0);
    await store.run(
      `INSERT INTO _vnetflow_batches VALUES (${batchId}, now()::TIMESTAMP, ${itemCount}, ${total('tuplesRead')},
        ${total('tuplesStored')}, ${total('tuplesRejected')}, ${total('tuplesRead') - total('tuplesStored') - total('tuplesRejected')})`,
    );
    return { batchId, counts };
  });
}

/** True when two items of the batch hold tuples of the same NIC in overlapping time windows. */
async function overlapsWithinBatch(store: Store): Promise<boolean> {
  const [r] = await store.rows(`
    WITH w AS (SELECT item_id, MacAddress, min(TimeGenerated) AS lo, max(TimeGenerated) AS hi
               FROM ${STAGE} WHERE ${VALID} GROUP BY ALL)
    SELECT count(*) AS n FROM w a JOIN w b ON a.MacAddress = b.MacAddress AND a.item_id < b.item_id
      AND a.lo <= b.hi AND b.lo <= a.hi`);
  return Number(r.n) > 0;
}

/** True when stored tuples of the batch's NICs fall in its time window, so duplicates are possible. */
async function existingInWindow(store: Store, lo: string, hi: string): Promise<boolean> {
  const [r] = await store.rows(`
    SELECT count(*) AS n FROM (SELECT 1 FROM FlowTuples WHERE TimeGenerated BETWEEN ${lo} AND ${hi}
      AND MacAddress IN (SELECT DISTINCT MacAddress FROM ${STAGE} WHERE ${VALID}) LIMIT 1)`);
  return Number(r.n) > 0;
}

async function itemCounts(store: Store, itemCount: number, batchId: number): Promise<ItemCounts[]> {
  const staged = await store.rows(`
    SELECT item_id,
      count(*) FILTER (WHERE tup_idx IS NOT NULL) AS tuples,
      count(*) FILTER (WHERE tup_idx IS NOT NULL AND reason IS NOT NULL) AS rejected,
      count(*) FILTER (WHERE tup_idx IS NULL AND reason IS NOT NULL) AS bad_records,
      max(rec_idx) + 1 AS records
    FROM ${STAGE} GROUP BY item_id`);
  const stored = await store.rows(`
    SELECT i.item_id, count(*) AS n FROM FlowTuples f JOIN ${ITEMS} i ON i.uri = f.SourceUri
    WHERE f.IngestBatch = ${batchId} GROUP BY i.item_id`);
  const counts: ItemCounts[] = Array.from({ length: itemCount }, () => ({
    tuplesRead: 0,
    tuplesRejected: 0,
    recordsRejected: 0,
    recordsSeen: 0,
    tuplesStored: 0,
  }));
  for (const r of staged) {
    counts[Number(r.item_id)] = {
      ...counts[Number(r.item_id)],
      tuplesRead: Number(r.tuples),
      tuplesRejected: Number(r.rejected),
      recordsRejected: Number(r.bad_records),
      recordsSeen: r.records === null ? 0 : Number(r.records),
    };
  }
  for (const r of stored)
    counts[Number(r.item_id)] = { ...counts[Number(r.item_id)], tuplesStored: Number(r.n) };
  return counts;
}
